#include "packed_matrix.h"

#include "../errors.h"
#include "bit_packing.h"
#include "hdf5_helpers.h"
#include "minifloat.h"

#include <algorithm>

namespace bitlens {
namespace {

using namespace h5;

template <typename Enum>
Enum parseName(const std::string& text, const char* field)
{
    if (const auto value = enumFromName<Enum>(text))
        return *value;
    throw Error(std::string("unknown ") + field + " '" + text + "'");
}

// Integer codes on scales (and zero-points): one grid per row or group; xint's terms one after
// another, scales [terms, rows or 1, groups].
void writeScales(H5::Group& g, const QuantizedMatrix& q, const WeightQuant& w)
{
    setString(g, "granularity", nameOf(w.granularity));
    setInt(g, "group_size", w.granularity == Granularity::PerGroup ? w.groupSize : 0);
    setInt(g, "symmetric", w.symmetric ? 1 : 0);
    if (w.terms > 1)
        setInt(g, "terms", w.terms);
    std::vector<hsize_t> scaleDims;
    for (int64_t d : q.scales.sizes())
        scaleDims.push_back(static_cast<hsize_t>(d));
    const std::vector<float> scales = tensorValues<float>(q.scales);
    writeData(g, "scales", halfType(), H5::PredType::NATIVE_FLOAT, scaleDims, scales.data());
    if (!w.symmetric) {
        const std::vector<int32_t> zp = tensorValues<int32_t>(q.zeroPoints);
        writeData(g, "zero_points", H5::PredType::STD_I32LE, H5::PredType::NATIVE_INT32, scaleDims, zp.data());
    }
}

// sqllm: codes index each row's fp16 codebook; its sparse weights in CSR (row starts, columns,
// fp16 values), which replace the codebook's value where they sit.
void writeCodebook(H5::Group& g, const QuantizedMatrix& q, int64_t cols)
{
    const std::vector<float> book = tensorValues<float>(q.codebook);
    const hsize_t rows = static_cast<hsize_t>(q.codebook.size(0));
    writeData(g, "codebook", halfType(), H5::PredType::NATIVE_FLOAT, {rows, static_cast<hsize_t>(q.codebook.size(1))},
              book.data());
    const int64_t nnz = q.sparse.index.defined() ? q.sparse.index.numel() : 0;
    if (nnz == 0)
        return;
    const torch::Tensor row = q.sparse.index.div(cols, "floor");
    const torch::Tensor starts = torch::cat({torch::zeros({1}, torch::kLong), torch::bincount(row, {}, int64_t(rows)).cumsum(0)});
    const std::vector<int32_t> rowStarts = tensorValues<int32_t>(starts.to(torch::kInt32));
    const std::vector<int32_t> columns = tensorValues<int32_t>(q.sparse.index.remainder(cols).to(torch::kInt32));
    const std::vector<float> values = tensorValues<float>(q.sparse.values);
    writeData(g, "sparse_row_starts", H5::PredType::STD_I32LE, H5::PredType::NATIVE_INT32, {rows + 1}, rowStarts.data());
    writeData(g, "sparse_columns", H5::PredType::STD_I32LE, H5::PredType::NATIVE_INT32, {columns.size()}, columns.data());
    writeData(g, "sparse_values", halfType(), H5::PredType::NATIVE_FLOAT, {values.size()}, values.data());
}

// value = (code - zero_point) * scale, the scale of the code's row (or row 0) and group, summed
// over the terms in their order (float32, as evaluation adds them).
void readScales(const H5::Group& g, const std::string& name, PackedMatrix& m, size_t count)
{
    m.granularity = parseName<Granularity>(getString(g, "granularity"), "granularity");
    m.groupSize = getInt(g, "group_size");
    m.symmetric = getInt(g, "symmetric") != 0;
    m.terms = g.attrExists("terms") ? static_cast<int>(getInt(g, "terms")) : 1;
    if (m.terms < 1 || m.terms > kMaxXintTerms)
        throw Error("matrix '" + name + "': " + std::to_string(m.terms) + " terms (1-" + std::to_string(kMaxXintTerms) + ")");
    const size_t terms = static_cast<size_t>(m.terms);
    m.codes = unpackBits(readData<uint8_t>(g, "codes", H5::PredType::NATIVE_UINT8), terms * count, m.qmin, m.bits);
    std::vector<hsize_t> dims;
    m.scales = readData<float>(g, "scales", H5::PredType::NATIVE_FLOAT, &dims);
    if (terms > 1 && (dims.size() != 3 || dims[0] != terms))
        throw Error("matrix '" + name + "': scales of the wrong shape for " + std::to_string(terms) + " terms");
    if (terms > 1)
        dims.erase(dims.begin());
    if (dims.size() != 2 || (dims[0] != 1 && dims[0] != hsize_t(m.rows)) || dims[1] == 0
        || m.cols % static_cast<int64_t>(dims[1]) != 0)
        throw Error("matrix '" + name + "': scales of the wrong shape");
    m.scaleRows = static_cast<int64_t>(dims[0]);
    m.scaleColumns = static_cast<int64_t>(dims[1]);
    m.zeroPoints = m.symmetric ? std::vector<int32_t>(m.scales.size(), 0)
                               : readData<int32_t>(g, "zero_points", H5::PredType::NATIVE_INT32);
    if (m.zeroPoints.size() != m.scales.size())
        throw Error("matrix '" + name + "': " + std::to_string(m.zeroPoints.size()) + " zero-points for "
                    + std::to_string(m.scales.size()) + " scales");
    const int64_t width = m.cols / m.scaleColumns;
    const size_t scalesPerTerm = m.scales.size() / terms;
    m.values.assign(count, 0.0f);
    for (size_t t = 0; t < terms; ++t) {
        for (int64_t r = 0; r < m.rows; ++r) {
            for (int64_t c = 0; c < m.cols; ++c) {
                const size_t s = t * scalesPerTerm + static_cast<size_t>((m.scaleRows == 1 ? 0 : r) * m.scaleColumns + c / width);
                const size_t i = static_cast<size_t>(r * m.cols + c);
                m.values[i] += static_cast<float>(m.codes[t * count + i] - m.zeroPoints[s]) * m.scales[s];
            }
        }
    }
}

// value = codebook[row, code], or the sparse weight where the CSR has one.
void readCodebook(const H5::Group& g, const std::string& name, PackedMatrix& m, size_t count)
{
    if (m.qmin != 0 || m.bits < 1 || m.bits > 8)
        throw Error("matrix '" + name + "': a codebook needs codes from 0 and 1-8 bits");
    const size_t entries = size_t(1) << m.bits;
    std::vector<hsize_t> dims;
    m.codebook = readData<float>(g, "codebook", H5::PredType::NATIVE_FLOAT, &dims);
    if (dims.size() != 2 || dims[0] != hsize_t(m.rows) || dims[1] != entries)
        throw Error("matrix '" + name + "': a codebook of the wrong shape (rows x 2^bits)");
    m.codes = unpackBits(readData<uint8_t>(g, "codes", H5::PredType::NATIVE_UINT8), count, 0, m.bits);
    m.values.resize(count);
    for (size_t i = 0; i < count; ++i)
        m.values[i] = m.codebook[(i / size_t(m.cols)) * entries + size_t(m.codes[i])];
    if (!exists(g, "sparse_values"))
        return;
    m.sparseRowStarts = readData<int32_t>(g, "sparse_row_starts", H5::PredType::NATIVE_INT32);
    m.sparseColumns = readData<int32_t>(g, "sparse_columns", H5::PredType::NATIVE_INT32);
    m.sparseValues = readData<float>(g, "sparse_values", H5::PredType::NATIVE_FLOAT);
    const std::vector<int32_t>& starts = m.sparseRowStarts;
    if (starts.size() != size_t(m.rows) + 1 || starts.front() != 0 || size_t(starts.back()) != m.sparseValues.size()
        || m.sparseColumns.size() != m.sparseValues.size() || !std::is_sorted(starts.begin(), starts.end()))
        throw Error("matrix '" + name + "': sparse row starts that do not index its sparse values");
    for (int64_t r = 0; r < m.rows; ++r) {
        for (int32_t k = starts[size_t(r)]; k < starts[size_t(r) + 1]; ++k) {
            const int32_t c = m.sparseColumns[size_t(k)];
            if (c < 0 || c >= m.cols)
                throw Error("matrix '" + name + "': sparse column " + std::to_string(c) + " outside 0-" + std::to_string(m.cols - 1));
            m.values[size_t(r * m.cols + c)] = m.sparseValues[size_t(k)];
        }
    }
}

} // namespace

H5::FloatType halfType()
{
    H5::FloatType t(H5::PredType::IEEE_F32LE);
    H5Tset_fields(t.getId(), 15, 10, 5, 0, 10);
    H5Tset_precision(t.getId(), 16);
    H5Tset_size(t.getId(), 2);
    H5Tset_ebias(t.getId(), 15);
    return t;
}

void writeMatrix(H5::Group& parent, const std::string& name, const torch::Tensor& values, const QuantizedMatrix* q,
                 const WeightQuant& w)
{
    H5::Group g = parent.createGroup(name);
    const hsize_t rows = static_cast<hsize_t>(values.size(0));
    const hsize_t cols = static_cast<hsize_t>(values.size(1));
    setInt(g, "rows", static_cast<int64_t>(rows));
    setInt(g, "cols", static_cast<int64_t>(cols));
    const NumberFormat format = q ? w.format : NumberFormat::Float32;
    setString(g, "format", nameOf(format));
    setInt(g, "bits", q ? w.bits : 32);
    switch (format) {
    case NumberFormat::Float32: {
        const std::vector<float> v = tensorValues<float>(values.to(torch::kFloat32));
        writeData(g, "values", H5::PredType::IEEE_F32LE, H5::PredType::NATIVE_FLOAT, {rows, cols}, v.data());
        return;
    }
    case NumberFormat::Int: {
        const std::vector<int32_t> codes = tensorValues<int32_t>(q->codes);
        const std::vector<uint8_t> packed = packBits(codes.data(), codes.size(), static_cast<int32_t>(q->qmin), w.bits);
        writeData(g, "codes", H5::PredType::STD_U8LE, H5::PredType::NATIVE_UINT8, {packed.size()}, packed.data());
        setInt(g, "qmin", q->qmin);
        setInt(g, "qmax", q->qmax);
        if (q->codebook.defined())
            writeCodebook(g, *q, static_cast<int64_t>(cols));
        else
            writeScales(g, *q, w);
        return;
    }
    case NumberFormat::Float16: {
        const std::vector<float> v = tensorValues<float>(q->dequantized);
        writeData(g, "values", halfType(), H5::PredType::NATIVE_FLOAT, {rows, cols}, v.data());
        return;
    }
    case NumberFormat::BFloat16:
    case NumberFormat::Fp8E4M3:
    case NumberFormat::Fp8E5M2: {
        // No HDF5 or numpy type for these: their bit patterns, decoded by the documented layout.
        const std::vector<float> v = tensorValues<float>(q->dequantized);
        std::vector<uint16_t> bits(v.size());
        std::transform(v.begin(), v.end(), bits.begin(), [&](float x) { return encodeMinifloat(x, format); });
        if (format == NumberFormat::BFloat16) {
            writeData(g, "value_bits", H5::PredType::STD_U16LE, H5::PredType::NATIVE_UINT16, {rows, cols}, bits.data());
        } else {
            const std::vector<uint8_t> narrow(bits.begin(), bits.end());
            writeData(g, "value_bits", H5::PredType::STD_U8LE, H5::PredType::NATIVE_UINT8, {rows, cols}, narrow.data());
        }
        return;
    }
    }
}

PackedMatrix readMatrix(const H5::Group& parent, const std::string& name)
{
    const H5::Group g = parent.openGroup(name);
    PackedMatrix m;
    m.rows = getInt(g, "rows");
    m.cols = getInt(g, "cols");
    m.format = parseName<NumberFormat>(getString(g, "format"), "format");
    m.bits = static_cast<int>(getInt(g, "bits"));
    if (m.rows < 0 || m.cols < 0 || (m.cols > 0 && m.rows > (int64_t(1) << 40) / m.cols))
        throw Error("matrix '" + name + "': impossible size " + std::to_string(m.rows) + "x" + std::to_string(m.cols));
    const size_t count = static_cast<size_t>(m.rows * m.cols);
    switch (m.format) {
    case NumberFormat::Float32:
    case NumberFormat::Float16: // HDF5 converts the half type to float exactly
        m.values = readData<float>(g, "values", H5::PredType::NATIVE_FLOAT);
        break;
    case NumberFormat::Int:
        m.qmin = static_cast<int32_t>(getInt(g, "qmin"));
        if (exists(g, "codebook"))
            readCodebook(g, name, m, count);
        else
            readScales(g, name, m, count);
        break;
    case NumberFormat::BFloat16:
    case NumberFormat::Fp8E4M3:
    case NumberFormat::Fp8E5M2: {
        const std::vector<uint16_t> bits = readData<uint16_t>(g, "value_bits", H5::PredType::NATIVE_UINT16);
        m.values.resize(bits.size());
        std::transform(bits.begin(), bits.end(), m.values.begin(),
                       [&](uint16_t b) { return decodeMinifloat(b, m.format); });
        break;
    }
    }
    if (m.values.size() != count)
        throw Error("matrix '" + name + "': " + std::to_string(m.values.size()) + " values for " + std::to_string(m.rows)
                    + "x" + std::to_string(m.cols));
    return m;
}

} // namespace bitlens
