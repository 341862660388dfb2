#include "layer_option.h"

#include <cmath>
#include <cstdio>

namespace bitlens {
namespace {

// "" for round-to-nearest, the default, so existing labels read as before; sqllm with its sparse share.
std::string methodLabel(const WeightQuant& w)
{
    if (w.method == QuantMethod::Rtn)
        return {};
    std::string s = std::string(" ") + nameOf(w.method);
    if (w.sparsePercent > 0) {
        char percent[32];
        std::snprintf(percent, sizeof percent, "%g", w.sparsePercent);
        s += percent;
    }
    return s;
}

std::string weightLabel(const WeightQuant& w)
{
    if (w.format != NumberFormat::Int)
        return nameOf(w.format) + methodLabel(w);
    std::string s = "w" + std::to_string(w.bits) + (w.terms > 1 ? "x" + std::to_string(w.terms) : "") + " ";
    s += w.granularity == Granularity::PerGroup ? "g" + std::to_string(w.groupSize) : nameOf(w.granularity);
    s += w.symmetric ? " sym" : " asym";
    if (w.range != WeightRange::MinMax)
        s += std::string(" ") + nameOf(w.range);
    return s + methodLabel(w);
}

// "" when the input stays fp32, so the common weight-only option reads short.
std::string activationLabel(const ActivationQuant& a)
{
    switch (a.format) {
    case NumberFormat::Float32: return {};
    case NumberFormat::Int: {
        std::string s = " + a" + std::to_string(a.bits);
        if (a.range != ActivationRange::MinMax)
            s += std::string(" ") + nameOf(a.range);
        return s;
    }
    default: return std::string(" + a") + nameOf(a.format);
    }
}

} // namespace

template <>
const std::vector<EnumName<NumberFormat>>& nameTable<NumberFormat>()
{
    static const std::vector<EnumName<NumberFormat>> table{
        {NumberFormat::Float32, "fp32", "float32"},     {NumberFormat::Int, "int"},
        {NumberFormat::Float16, "fp16", "float16"},     {NumberFormat::BFloat16, "bf16", "bfloat16"},
        {NumberFormat::Fp8E4M3, "fp8_e4m3"},            {NumberFormat::Fp8E5M2, "fp8_e5m2"}};
    return table;
}

template <>
const std::vector<EnumName<Granularity>>& nameTable<Granularity>()
{
    static const std::vector<EnumName<Granularity>> table{
        {Granularity::PerTensor, "per-tensor"}, {Granularity::PerChannel, "per-channel"}, {Granularity::PerGroup, "per-group"}};
    return table;
}

template <>
const std::vector<EnumName<WeightRange>>& nameTable<WeightRange>()
{
    static const std::vector<EnumName<WeightRange>> table{{WeightRange::MinMax, "minmax"}, {WeightRange::Mse, "mse"}};
    return table;
}

template <>
const std::vector<EnumName<ActivationRange>>& nameTable<ActivationRange>()
{
    static const std::vector<EnumName<ActivationRange>> table{
        {ActivationRange::MinMax, "minmax"}, {ActivationRange::Percentile, "percentile"}, {ActivationRange::Mse, "mse"}};
    return table;
}

template <>
const std::vector<EnumName<QuantMethod>>& nameTable<QuantMethod>()
{
    static const std::vector<EnumName<QuantMethod>> table{
        {QuantMethod::Rtn, "rtn"}, {QuantMethod::Gptq, "gptq"}, {QuantMethod::GptqActOrder, "gptq_act"},
        {QuantMethod::Awq, "awq"}, {QuantMethod::SmoothQuant, "smoothquant"}, {QuantMethod::Hadamard, "hadamard"},
        {QuantMethod::Lwc, "lwc"}, {QuantMethod::Xint, "xint"}, {QuantMethod::Sqllm, "sqllm"}};
    return table;
}

bool WeightQuant::operator==(const WeightQuant& o) const
{
    return format == o.format && bits == o.bits && granularity == o.granularity && groupSize == o.groupSize
        && symmetric == o.symmetric && range == o.range && method == o.method && terms == o.terms
        && sparsePercent == o.sparsePercent;
}

bool ActivationQuant::operator==(const ActivationQuant& o) const
{
    return format == o.format && bits == o.bits && range == o.range && percentile == o.percentile;
}

bool LayerOption::operator==(const LayerOption& o) const
{
    return weight == o.weight && rank == o.rank && activation == o.activation;
}

std::string LayerOption::label() const
{
    std::string s = weightLabel(weight);
    if (rank > 0)
        s += " + rank " + std::to_string(rank);
    return s + activationLabel(activation);
}

const char* methodSummary(QuantMethod m)
{
    switch (m) {
    case QuantMethod::Rtn: return "round to nearest on the grid (min-max or MSE ranges)";
    case QuantMethod::Gptq: return "GPTQ: columns in order, each one's error spread over the rest by the inverse of XᵀX";
    case QuantMethod::GptqActOrder:
        return "GPTQ with activation order: columns by falling XᵀX diagonal, group grids fixed first";
    case QuantMethod::Awq: return "AWQ: per-channel input scales mean|x|^α, α searched for the least output error";
    case QuantMethod::SmoothQuant:
        return "SmoothQuant: input outliers migrated into the weights, s = max|x|^α / max|w|^(1−α), α = 0.5";
    case QuantMethod::Hadamard: return "Hadamard rotation of the input channels (QuaRot), exact in FP32";
    case QuantMethod::Lwc: return "LWC (OmniQuant): each group's clipping range learned against the output error";
    case QuantMethod::Xint:
        return "FP=xINT: the weight as a sum of low-bit terms, each the residual of the ones before on its own grid";
    case QuantMethod::Sqllm:
        return "SqueezeLLM: per-channel codebooks by Fisher-weighted k-means, the most sensitive weights kept sparse in fp16";
    }
    return "";
}

bool methodReadsInputs(QuantMethod m) { return m != QuantMethod::Rtn && m != QuantMethod::Xint; }

WeightQuant withMethod(WeightQuant w, QuantMethod m)
{
    if (m == w.method)
        return w;
    w.method = m;
    w.terms = m == QuantMethod::Xint ? 2 : 1;
    w.sparsePercent = 0.0;
    if (m == QuantMethod::Sqllm)
        w.granularity = Granularity::PerChannel;
    return w;
}

int64_t sparseWeightCount(const WeightQuant& quant, int64_t weights)
{
    return quant.method == QuantMethod::Sqllm ? static_cast<int64_t>(std::floor(quant.sparsePercent / 100.0 * double(weights))) : 0;
}

int formatBits(NumberFormat f)
{
    switch (f) {
    case NumberFormat::Float32: return 32;
    case NumberFormat::Int: return 0;
    case NumberFormat::Float16:
    case NumberFormat::BFloat16: return 16;
    case NumberFormat::Fp8E4M3:
    case NumberFormat::Fp8E5M2: return 8;
    }
    return 0;
}

} // namespace bitlens
