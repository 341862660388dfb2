#include "packed_weights.h"

#include "../errors.h"
#include "../eval/applied_plan_impl.h"
#include "../hdf5_error.h"
#include "../model/model_impl.h"
#include "../model/safetensors_layers.h"
#include "../progress.h"
#include "../quant/input_transform.h"
#include "bit_packing.h"
#include "hdf5_helpers.h"
#include "minifloat.h"
#include "safetensors_tensor.h"

#include <Eigen/Core>
#include <H5Cpp.h>

#include <algorithm>
#include <filesystem>

namespace bitlens {
namespace {

using namespace h5;

constexpr const char* kFileFormat = "bitlens-packed-weights";
// Version 2 names formats by the NumberFormat table ("fp16"); version 1 wrote "float16", which the
// table still reads.
constexpr int kVersion = 2;

// IEEE binary16 described to HDF5, so any HDF5 reader (h5py: numpy float16) decodes scales and
// fp16 values without knowing BitLens.
H5::FloatType halfType()
{
    H5::FloatType t(H5::PredType::IEEE_F32LE);
    H5Tset_fields(t.getId(), 15, 10, 5, 0, 10);
    H5Tset_precision(t.getId(), 16);
    H5Tset_size(t.getId(), 2);
    H5Tset_ebias(t.getId(), 15);
    return t;
}

template <typename T>
std::vector<T> tensorValues(const torch::Tensor& t)
{
    const torch::Tensor c = t.contiguous();
    return std::vector<T>(c.data_ptr<T>(), c.data_ptr<T>() + c.numel());
}

template <typename Enum>
Enum parseName(const std::string& text, const char* field)
{
    if (const auto value = enumFromName<Enum>(text))
        return *value;
    throw Error(std::string("unknown ") + field + " '" + text + "'");
}

// One stored matrix: a group with rows, cols, format, bits and the datasets its format needs.
void writeMatrix(H5::Group& parent, const std::string& name, const torch::Tensor& values,
                 const QuantizedMatrix* q, const WeightQuant& w)
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
        setString(g, "granularity", nameOf(w.granularity));
        setInt(g, "group_size", w.granularity == Granularity::PerGroup ? w.groupSize : 0);
        setInt(g, "symmetric", w.symmetric ? 1 : 0);
        const std::vector<hsize_t> scaleDims{static_cast<hsize_t>(q->scales.size(0)), static_cast<hsize_t>(q->scales.size(1))};
        const std::vector<float> scales = tensorValues<float>(q->scales);
        writeData(g, "scales", halfType(), H5::PredType::NATIVE_FLOAT, scaleDims, scales.data());
        if (!w.symmetric) {
            const std::vector<int32_t> zp = tensorValues<int32_t>(q->zeroPoints);
            writeData(g, "zero_points", H5::PredType::STD_I32LE, H5::PredType::NATIVE_INT32, scaleDims, zp.data());
        }
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
    // Sizes come from the file: checked before anything is allocated or indexed with them.
    if (m.rows < 0 || m.cols < 0 || (m.cols > 0 && m.rows > (int64_t(1) << 40) / m.cols))
        throw Error("matrix '" + name + "': impossible size " + std::to_string(m.rows) + "x" + std::to_string(m.cols));
    const size_t count = static_cast<size_t>(m.rows * m.cols);
    switch (m.format) {
    case NumberFormat::Float32:
    case NumberFormat::Float16: // HDF5 converts the half type to float exactly
        m.values = readData<float>(g, "values", H5::PredType::NATIVE_FLOAT);
        break;
    case NumberFormat::Int: {
        m.qmin = static_cast<int32_t>(getInt(g, "qmin"));
        m.granularity = parseName<Granularity>(getString(g, "granularity"), "granularity");
        m.groupSize = getInt(g, "group_size");
        m.symmetric = getInt(g, "symmetric") != 0;
        m.codes = unpackBits(readData<uint8_t>(g, "codes", H5::PredType::NATIVE_UINT8), count, m.qmin, m.bits);
        std::vector<hsize_t> dims;
        m.scales = readData<float>(g, "scales", H5::PredType::NATIVE_FLOAT, &dims);
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
        // value = (code - zero_point) * scale, the scale of the code's row (or row 0) and group.
        const int64_t width = m.cols / m.scaleColumns;
        m.values.resize(count);
        for (int64_t r = 0; r < m.rows; ++r) {
            for (int64_t c = 0; c < m.cols; ++c) {
                const size_t s = static_cast<size_t>((m.scaleRows == 1 ? 0 : r) * m.scaleColumns + c / width);
                const size_t i = static_cast<size_t>(r * m.cols + c);
                m.values[i] = static_cast<float>(m.codes[i] - m.zeroPoints[s]) * m.scales[s];
            }
        }
        break;
    }
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

std::vector<float> product(const PackedMatrix& left, const PackedMatrix& right)
{
    using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const Eigen::Map<const RowMajor> l(left.values.data(), left.rows, left.cols);
    const Eigen::Map<const RowMajor> r(right.values.data(), right.rows, right.cols);
    const RowMajor p = l * r;
    return std::vector<float>(p.data(), p.data() + p.size());
}

// A method's input transform: the channel scales (fp16 values), or the rotation's seed and size.
void writeTransform(H5::Group& g, const InputTransform& t)
{
    if (t.kind == InputTransform::Kind::Scale) {
        const std::vector<float> s = tensorValues<float>(t.tensor.to(torch::kFloat32));
        writeData(g, "input_channel_scales", halfType(), H5::PredType::NATIVE_FLOAT, {s.size()}, s.data());
    } else if (t.kind == InputTransform::Kind::Rotation) {
        setInt(g, "rotation_channels", t.tensor.size(0));
        setInt(g, "rotation_seed", static_cast<int64_t>(t.seed));
    }
}

// The stored W·T⁻¹ with T applied back: the weight the layer computes with.
void undoTransform(PackedLayer& l)
{
    InputTransform t;
    if (!l.inputChannelScales.empty()) {
        t.kind = InputTransform::Kind::Scale;
        t.tensor = torch::tensor(l.inputChannelScales, torch::kFloat32);
    } else if (l.rotationChannels > 0) {
        t.kind = InputTransform::Kind::Rotation;
        t.tensor = hadamardRotation(l.rotationChannels, l.rotationSeed);
    } else {
        return;
    }
    const int64_t rows = l.shape.empty() ? 0 : l.shape[0];
    const int64_t values = static_cast<int64_t>(l.effective.size());
    if (rows <= 0 || values % rows != 0 || (values / rows) % t.tensor.size(0) != 0)
        throw Error("the input transform of " + std::to_string(t.tensor.size(0)) + " channels does not fit shape "
                    + shapeString(l.shape));
    const torch::Tensor w = torch::from_blob(l.effective.data(), {rows, values / rows}, torch::kFloat32);
    const torch::Tensor back = t.fromTransformedWeight(w).contiguous();
    l.effective.assign(back.data_ptr<float>(), back.data_ptr<float>() + values);
}

// One layer's group: index, kind, shape, rank, the matrix (or the two factors), bias and, when
// `input` quantizes the layer's input, its encoding.
void writeLayer(H5::Group& layers, size_t index, const LayerInfo& info, const LayerOption& option,
                const CompressedWeight& c, const torch::Tensor& bias, const ActivationEncoding* input)
{
    H5::Group g = layers.createGroup(info.name);
    setInt(g, "index", static_cast<int64_t>(index));
    setString(g, "kind", kindName(info.kind));
    setInts(g, "shape", info.weightShape);
    setInt(g, "rank", c.left ? option.rank : 0);
    if (c.left) {
        writeMatrix(g, "left", c.left->dequantized, &*c.left, option.weight);
        writeMatrix(g, "right", c.right->dequantized, &*c.right, option.weight);
    } else {
        const torch::Tensor matrix = c.transformed.reshape({c.transformed.size(0), -1});
        writeMatrix(g, "weight", matrix, c.full ? &*c.full : nullptr, option.weight);
    }
    if (option.weight.method != QuantMethod::Rtn)
        setString(g, "method", nameOf(option.weight.method));
    writeTransform(g, c.transform);
    if (bias.defined()) {
        const std::vector<float> values = tensorValues<float>(bias.detach().to(torch::kFloat32));
        writeData(g, "bias", H5::PredType::IEEE_F32LE, H5::PredType::NATIVE_FLOAT, {values.size()}, values.data());
    }
    if (input && input->enabled) {
        const ActivationEncoding& e = *input;
        setString(g, "input_format", nameOf(e.format));
        setInt(g, "input_bits", e.bits);
        setReal(g, "input_min", e.min);
        setReal(g, "input_max", e.max);
        if (e.format == NumberFormat::Int) {
            setReal(g, "input_scale", e.scale);
            setInt(g, "input_zero_point", e.zeroPoint);
            setInt(g, "input_qmin", e.qmin);
            setInt(g, "input_qmax", e.qmax);
        }
    }
}

// The file's root attributes, then `writeLayers` into /layers; HDF5 failures become one Error.
template <typename F>
void writeFile(const std::string& path, const std::string& modelPath, const CompressionPlan& plan, F writeLayers)
{
    H5::Exception::dontPrint();
    try {
        H5::H5File file(path, H5F_ACC_TRUNC);
        setString(file, "format", kFileFormat);
        setInt(file, "version", kVersion);
        setString(file, "model", std::filesystem::path(modelPath).filename().string());
        setString(file, "plan", planToJson(plan));
        H5::Group layers = file.createGroup("layers");
        writeLayers(layers);
    } catch (const H5::Exception& e) {
        throw Error(path + ": cannot write the packed weights (" + hdf5ErrorCause(e) + ")");
    } catch (const std::invalid_argument& e) {
        throw Error(path + ": cannot write the packed weights (" + e.what() + ")");
    }
}

} // namespace

void writePackedWeights(const AppliedPlan& plan, const std::string& path)
{
    const AppliedPlan::Impl& p = plan.impl();
    const Model::Impl& m = p.model->impl();
    writeFile(path, m.path, p.plan, [&](H5::Group& layers) {
        for (size_t i = 0; i < m.layers.size(); ++i)
            writeLayer(layers, i, m.layers[i], p.plan.optionFor(m.layers[i].name), p.layers[i], m.biases[i], &p.encodings[i]);
    });
}

void writePackedWeights(const std::string& safetensorsPath, const CompressionPlan& plan, const std::string& path,
                        Progress& progress)
{
    const SafetensorsFile file(safetensorsPath);
    const std::vector<SafetensorsLayer> layers = safetensorsLayers(file).layers;
    for (const SafetensorsLayer& l : layers)
        if (plan.optionFor(l.info.name).activation.format != NumberFormat::Float32)
            throw PlanError(safetensorsPath + ": the plan quantizes the input of layer '" + l.info.name
                            + "', whose range needs the model run on calibration data, which a safetensors file cannot give");
    torch::NoGradGuard noGrad;
    writeFile(path, safetensorsPath, plan, [&](H5::Group& group) {
        for (size_t i = 0; i < layers.size(); ++i) {
            const SafetensorsLayer& l = layers[i];
            progress.checkCancelled();
            progress.report(double(i) / double(layers.size()), "Packing " + l.info.name);
            const LayerOption& option = plan.optionFor(l.info.name);
            writeLayer(group, i, l.info, option, compressWeight(readFloat32Tensor(file, *l.weight), option),
                       l.bias ? readFloat32Tensor(file, *l.bias) : torch::Tensor(), nullptr);
        }
    });
}

PackedWeights readPackedWeights(const std::string& path)
{
    try {
        const H5::H5File file = openVersionedFile(path, kFileFormat, "packed-weights file", 1, kVersion);
        PackedWeights out;
        out.version = int(getInt(file, "version"));
        out.model = getString(file, "model");
        out.planJson = getString(file, "plan");
        const H5::Group layers = file.openGroup("layers");
        std::vector<std::pair<int64_t, PackedLayer>> ordered;
        for (hsize_t i = 0; i < layers.getNumObjs(); ++i) {
            const std::string name = layers.getObjnameByIdx(i);
            const H5::Group g = layers.openGroup(name);
            try {
                PackedLayer l;
                l.name = name;
                l.kind = getString(g, "kind");
                l.shape = getInts(g, "shape");
                l.rank = static_cast<int>(getInt(g, "rank"));
                if (l.rank > 0) {
                    l.left = readMatrix(g, "left");
                    l.right = readMatrix(g, "right");
                    if (l.left->cols != l.rank || l.right->rows != l.rank)
                        throw Error("factors do not match rank " + std::to_string(l.rank));
                    if (l.left->cols != l.right->rows)
                        throw Error("factors of " + std::to_string(l.left->cols) + " and " + std::to_string(l.right->rows) + " ranks");
                    l.effective = product(*l.left, *l.right);
                } else {
                    l.weight = readMatrix(g, "weight");
                    l.effective = l.weight->values;
                }
                int64_t elements = 1;
                for (int64_t d : l.shape)
                    elements = d >= 0 && elements <= (int64_t(1) << 40) ? elements * d : -1;
                if (elements != int64_t(l.effective.size()))
                    throw Error("the stored matrices hold " + std::to_string(l.effective.size()) + " values for shape "
                                + shapeString(l.shape));
                if (g.attrExists("method"))
                    l.method = getString(g, "method");
                if (exists(g, "input_channel_scales"))
                    l.inputChannelScales = readData<float>(g, "input_channel_scales", H5::PredType::NATIVE_FLOAT);
                if (g.attrExists("rotation_seed")) {
                    l.rotationChannels = getInt(g, "rotation_channels");
                    l.rotationSeed = static_cast<uint64_t>(getInt(g, "rotation_seed"));
                    if (l.rotationChannels <= 0 || l.rotationChannels > (int64_t(1) << 20))
                        throw Error("rotation_channels " + std::to_string(l.rotationChannels) + " is out of range");
                }
                undoTransform(l);
                if (exists(g, "bias"))
                    l.bias = readData<float>(g, "bias", H5::PredType::NATIVE_FLOAT);
                if (g.attrExists("input_format")) {
                    l.inputQuantized = true;
                    l.inputFormat = getString(g, "input_format");
                    l.inputBits = static_cast<int>(getInt(g, "input_bits"));
                    l.inputMin = getReal(g, "input_min");
                    l.inputMax = getReal(g, "input_max");
                    if (g.attrExists("input_scale")) {
                        l.inputScale = getReal(g, "input_scale");
                        l.inputZeroPoint = getInt(g, "input_zero_point");
                    }
                }
                ordered.emplace_back(getInt(g, "index"), std::move(l));
            } catch (const Error& e) {
                throw Error(path + ": layer '" + name + "': " + e.what());
            }
        }
        // HDF5 lists groups alphabetically; the model's order is their index attribute.
        std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto& [index, layer] : ordered)
            out.layers.push_back(std::move(layer));
        return out;
    } catch (const H5::Exception& e) {
        throw Error(path + ": cannot read the packed weights (" + hdf5ErrorCause(e) + ")");
    } catch (const std::invalid_argument& e) {
        throw Error(path + ": damaged packed weights (" + e.what() + ")");
    }
}

} // namespace bitlens
