#include "weight_matrix_figures.h"

#include "../quant/option_spec.h"
#include "../quant/weight_quantizer.h"

#include <cmath>
#include <limits>

namespace bitlens {
namespace {

// Elements per float64 block: 32 MB each, whatever the matrix's size.
constexpr int64_t kBlockElements = int64_t(1) << 22;
// Elements per block the quantizer sees: its temporaries are a dozen blocks' worth (MSE ranges).
constexpr int64_t kQuantizerBlockElements = int64_t(1) << 20;

int64_t rowsPerBlock(const torch::Tensor& matrix, int64_t elements)
{
    return std::max<int64_t>(1, elements / std::max<int64_t>(1, matrix.size(1)));
}

// Σ (a − b)² (Σ a² when b is undefined) in float64, block of rows by block of rows.
double squaredDistance(const torch::Tensor& a, const torch::Tensor& b)
{
    const int64_t rows = a.size(0);
    const int64_t step = rowsPerBlock(a, kBlockElements);
    double sum = 0.0;
    for (int64_t r = 0; r < rows; r += step) {
        const int64_t n = std::min(step, rows - r);
        torch::Tensor d = a.narrow(0, r, n).to(torch::kFloat64);
        if (b.defined())
            d -= b.narrow(0, r, n).to(torch::kFloat64);
        sum += d.square().sum().item<double>();
    }
    return sum;
}

// ‖Q(W) − W‖². Every format but per-tensor integers quantizes a block of rows exactly as it does
// inside the whole matrix, so those run block by block and the quantizer's temporaries stay at a
// block's size; per-tensor ranges need the whole matrix. Throws PlanError like quantizeMatrix.
double quantizationError(const torch::Tensor& matrix, const WeightQuant& q)
{
    const bool rowLocal = q.format != NumberFormat::Int || q.granularity != Granularity::PerTensor;
    const int64_t rows = matrix.size(0);
    const int64_t step = rowLocal ? rowsPerBlock(matrix, kQuantizerBlockElements) : rows;
    double sum = 0.0;
    for (int64_t r = 0; r < rows; r += step) {
        const torch::Tensor block = matrix.narrow(0, r, std::min(step, rows - r));
        sum += squaredDistance(quantizeMatrix(block, q).dequantized, block);
    }
    return sum;
}

// The eigenvalues of the smaller Gram matrix are the squared singular values; it is accumulated
// from float64 blocks along the longer side.
torch::Tensor gramSingularValues(const torch::Tensor& matrix)
{
    const bool wide = matrix.size(0) <= matrix.size(1);
    const int64_t k = wide ? matrix.size(0) : matrix.size(1);
    const int64_t length = wide ? matrix.size(1) : matrix.size(0);
    const int64_t step = std::max<int64_t>(1, kBlockElements / std::max<int64_t>(1, k));
    torch::Tensor gram = torch::zeros({k, k}, torch::kFloat64);
    for (int64_t c = 0; c < length; c += step) {
        const int64_t n = std::min(step, length - c);
        const torch::Tensor block = (wide ? matrix.narrow(1, c, n) : matrix.narrow(0, c, n).t()).to(torch::kFloat64);
        gram.addmm_(block, block.t());
    }
    return torch::linalg_eigvalsh(gram).clamp_min(0.0).sqrt();
}

} // namespace

torch::Tensor weightMatrixOf(const torch::Tensor& weight)
{
    return weight.detach().to(torch::kFloat32).reshape({weight.size(0), -1}).contiguous();
}

WeightSpectrum matrixSpectrum(const torch::Tensor& matrix, SpectrumMethod method)
{
    // float64 either way: the small singular values decide the power-law tail and the energy ranks.
    const torch::Tensor s = (method == SpectrumMethod::Gram ? gramSingularValues(matrix)
                                                            : torch::linalg_svdvals(matrix.to(torch::kFloat64)))
                                .contiguous();
    return spectrumFromSingularValues(std::vector<double>(s.data_ptr<double>(), s.data_ptr<double>() + s.numel()));
}

std::vector<WeightQuant> weightQuantsOf(const std::vector<std::string>& specs)
{
    std::vector<WeightQuant> quants;
    for (const std::string& spec : specs)
        quants.push_back(optionFromSpec(spec).weight);
    return quants;
}

void appendQuantErrors(QuantErrorTable& t, const torch::Tensor& matrix, const std::vector<WeightQuant>& quants)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double norm = squaredDistance(matrix, {});
    std::vector<double> squared, relative, sqnr;
    for (const WeightQuant& q : quants) {
        double e = nan;
        try {
            e = quantizationError(matrix, q);
        } catch (const PlanError&) { // the option does not apply to this matrix
        }
        squared.push_back(e);
        relative.push_back(norm > 0 ? e / norm : nan);
        sqnr.push_back(e > 0 ? 10.0 * std::log10(norm / e) : (e == 0 ? std::numeric_limits<double>::infinity() : nan));
    }
    t.squaredError.push_back(squared);
    t.relativeError.push_back(relative);
    t.sqnrDb.push_back(sqnr);
}

} // namespace bitlens
