#include "reference_estimators.h"

#include <cmath>

namespace bitlens {

torch::Tensor rademacher(int64_t n, at::Generator& generator, torch::Device device)
{
    // 32 signs per draw of the CPU generator, unpacked where the vector is used: one draw per sign
    // took 0.2 s for an 11.5 M-weight layer here, more than the layer's Hessian-vector product
    // on a GPU, and its float64 copy to the device cost as much again.
    constexpr int64_t kBits = 32;
    const torch::Tensor words = torch::randint(0, int64_t(1) << kBits, {(n + kBits - 1) / kBits}, generator, torch::kInt64);
    const torch::Tensor shifts = torch::arange(kBits, torch::dtype(torch::kInt64).device(device));
    const torch::Tensor bits = at::__rshift__(words.to(device).unsqueeze(1), shifts).bitwise_and_(1);
    return bits.reshape({-1}).narrow(0, 0, n).to(torch::kFloat64).mul_(2.0).sub_(1.0);
}

PowerIterationResult powerIteration(const SymmetricOperator& op, int64_t n, int k, int maxIterations, double tolerance,
                                    at::Generator& generator)
{
    PowerIterationResult r;
    std::vector<torch::Tensor> found;
    const auto deflate = [&found](torch::Tensor v) {
        for (const torch::Tensor& u : found)
            v -= at::dot(v, u) * u;
        return v / v.norm();
    };
    for (int e = 0; e < k && e < n; ++e) {
        torch::Tensor v = deflate(torch::randn({n}, generator, torch::kFloat64));
        double eigenvalue = NAN;
        for (int i = 0; i < maxIterations; ++i) {
            v = deflate(v);
            const torch::Tensor hv = op(v);
            ++r.products;
            const double quotient = at::dot(hv, v).item<double>();
            v = hv / hv.norm();
            const bool settled = !std::isnan(eigenvalue)
                                 && std::abs(eigenvalue - quotient) / (std::abs(eigenvalue) + 1e-6) < tolerance;
            eigenvalue = quotient;
            if (settled)
                break;
        }
        r.eigenvalues.push_back(eigenvalue);
        found.push_back(deflate(v));
    }
    return r;
}

HutchinsonResult hutchinsonTrace(const SymmetricOperator& op, int64_t n, int maxSamples, double tolerance,
                                 at::Generator& generator)
{
    HutchinsonResult r;
    double sum = 0.0;
    double sumSquares = 0.0;
    double previous = NAN;
    for (int s = 0; s < maxSamples; ++s) {
        const torch::Tensor v = rademacher(n, generator);
        const double sample = at::dot(op(v), v).item<double>();
        sum += sample;
        sumSquares += sample * sample;
        r.samples = s + 1;
        const double mean = sum / double(r.samples);
        const bool settled = !std::isnan(previous) && std::abs(mean - previous) / (std::abs(previous) + 1e-6) < tolerance;
        previous = mean;
        if (settled)
            break;
    }
    const double count = double(r.samples);
    r.trace = sum / count;
    r.standardError = count > 1 ? std::sqrt(std::max(0.0, (sumSquares - sum * sum / count) / (count - 1)) / count) : NAN;
    return r;
}

} // namespace bitlens
