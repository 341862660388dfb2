// FP=xINT (seed paper): a full-precision weight as a convergent series of low-bit terms. Term k
// quantizes what the terms before it left, W − Σ_{j<k} Q_j, on a grid fitted to that residual, so
// each term's scales are about 2^-b of the last one's and K terms of b bits approach K·b-bit
// precision while every product stays b-bit. Evaluation uses the summed weight (one matmul,
// equal to one matmul per term up to float rounding); a packed export stores every term.

#include "quant_method.h"

namespace bitlens {

MethodResult xintQuantize(const MethodInput& in)
{
    WeightQuant one = in.quant;
    one.method = QuantMethod::Rtn;
    one.terms = 1;
    const torch::Tensor w = in.matrix.to(torch::kFloat32);
    torch::Tensor sum = torch::zeros_like(w);
    std::vector<torch::Tensor> codes, scales, zeroPoints;
    QuantizedMatrix out;
    for (int k = 0; k < in.quant.terms; ++k) {
        const QuantizedMatrix term = quantizeMatrix(w - sum, one);
        sum = sum + term.dequantized;
        codes.push_back(term.codes);
        scales.push_back(term.scales);
        zeroPoints.push_back(term.zeroPoints);
        out.qmin = term.qmin;
        out.qmax = term.qmax;
    }
    out.dequantized = sum;
    out.codes = torch::stack(codes);
    out.scales = torch::stack(scales);
    out.zeroPoints = torch::stack(zeroPoints);
    return {std::move(out), {}};
}

} // namespace bitlens
