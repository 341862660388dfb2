#pragma once
// One way to store a layer: how its weight is quantized, at what rank, and how its input is
// quantized. Plain data; the vocabulary of plans, cost tables and allocators.

#include <optional>
#include <string>
#include <vector>

namespace bitlens {

enum class NumberFormat { Float32, Int, Float16, BFloat16, Fp8E4M3, Fp8E5M2 };
enum class Granularity { PerTensor, PerChannel, PerGroup };
enum class WeightRange { MinMax, Mse };
enum class ActivationRange { MinMax, Percentile, Mse };
// How a weight reaches its grid (core/quant/methods: one file each, described in the registry):
// round-to-nearest, or a method that uses the layer's calibration inputs or transforms its input.
enum class QuantMethod { Rtn, Gptq, GptqActOrder, Awq, SmoothQuant, Hadamard, Lwc, Xint, Sqllm };

struct WeightQuant {
    NumberFormat format = NumberFormat::Float32;
    int bits = 32;                                   // Int: 2..8 or 16; float formats: their width
    Granularity granularity = Granularity::PerChannel; // Int only
    int groupSize = 128;                             // PerGroup: columns of the [out, in*k*k] view per group
    bool symmetric = true;                           // Int only; false adds a zero-point
    WeightRange range = WeightRange::MinMax;         // Int only
    QuantMethod method = QuantMethod::Rtn;
    // Xint only: the weight as the sum of this many terms of `bits` bits, each the previous terms'
    // residual on a grid of its own (FP=xINT); 1 for every other method.
    int terms = 1;
    // Sqllm only: the share of weights (%, largest |w|·Fisher) kept apart as sparse fp16 values.
    double sparsePercent = 0.0;

    bool operator==(const WeightQuant& o) const;
    bool operator!=(const WeightQuant& o) const { return !(*this == o); }
};
constexpr int kMaxXintTerms = 8;
constexpr double kMaxSparsePercent = 10.0;

// `w` with method `m`; switching methods puts the previous one's own fields back at their
// defaults and gives the new one its smallest valid ones (xint: two terms; sqllm: per-channel).
WeightQuant withMethod(WeightQuant w, QuantMethod m);

// The weights sqllm keeps sparse in a matrix of `weights` values: ⌊sparsePercent/100 · weights⌋.
int64_t sparseWeightCount(const WeightQuant& quant, int64_t weights);

// Per-tensor fake quantization of a layer's input, ranges calibrated on the calibration set.
struct ActivationQuant {
    NumberFormat format = NumberFormat::Float32;
    int bits = 32;                                   // Int: 2..8 (asymmetric, with a zero-point)
    ActivationRange range = ActivationRange::MinMax;
    double percentile = 99.99;                       // ActivationRange::Percentile

    bool operator==(const ActivationQuant& o) const;
    bool operator!=(const ActivationQuant& o) const { return !(*this == o); }
};

struct LayerOption {
    WeightQuant weight;
    int rank = 0; // 0: full rank; otherwise truncated SVD of the [out, in*k*k] view
    ActivationQuant activation;

    bool operator==(const LayerOption& o) const;
    bool operator!=(const LayerOption& o) const { return !(*this == o); }
    // "w4 per-channel sym", "w4 g128 asym mse + rank 32 + a8 percentile", "fp16", "fp8_e4m3"
    std::string label() const;
};

// One name table per enum: the canonical name that plan files, bundles, specs and labels write,
// and the older spellings that reading still accepts (plan files and packed weights before
// bundle version 2 wrote "float32", "float16" and "bfloat16").
template <typename Enum>
struct EnumName {
    Enum value;
    const char* name;
    const char* alias = nullptr;
};
template <typename Enum>
const std::vector<EnumName<Enum>>& nameTable(); // defined for the five enums above

// "fp32", "int", "fp16", "bf16", "fp8_e4m3", "fp8_e5m2"; "per-tensor", "per-channel", "per-group";
// "minmax", "mse"; "minmax", "percentile", "mse"; "rtn", "gptq", "gptq_act", "awq", "smoothquant",
// "hadamard", "lwc", "xint", "sqllm".
template <typename Enum>
const char* nameOf(Enum value)
{
    for (const EnumName<Enum>& n : nameTable<Enum>())
        if (n.value == value)
            return n.name;
    return "?";
}

// The value a canonical name or an alias stands for; nothing for any other text.
template <typename Enum>
std::optional<Enum> enumFromName(const std::string& text)
{
    for (const EnumName<Enum>& n : nameTable<Enum>())
        if (text == n.name || (n.alias && text == n.alias))
            return n.value;
    return std::nullopt;
}

// "a, b, c": the canonical names, for messages that say what was expected.
template <typename Enum>
std::string namesOf()
{
    std::string list;
    for (const EnumName<Enum>& n : nameTable<Enum>())
        list += (list.empty() ? "" : ", ") + std::string(n.name);
    return list;
}

int formatBits(NumberFormat f);             // the width of a float format; 0 for Int

// One line on what a method does, after whom: for --help, the GUI's tooltips and the report.
const char* methodSummary(QuantMethod m);

// Whether a method needs the layer's calibration inputs (every one but rtn and xint; sqllm's are
// the gradients its Fisher diagonal comes from), so a layer
// without a multiplied input (an embedding, a grouped convolution) cannot take it.
bool methodReadsInputs(QuantMethod m);

} // namespace bitlens
