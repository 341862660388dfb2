#pragma once
// One way to store a layer: how its weight is quantized, at what rank, and how its input is
// quantized. Plain data; the vocabulary of plans, cost tables and allocators.

#include <string>

namespace bitlens {

enum class NumberFormat { Float32, Int, Float16, BFloat16, Fp8E4M3, Fp8E5M2 };
enum class Granularity { PerTensor, PerChannel, PerGroup };
enum class WeightRange { MinMax, Mse };
enum class ActivationRange { MinMax, Percentile, Mse };

struct WeightQuant {
    NumberFormat format = NumberFormat::Float32;
    int bits = 32;                                   // Int: 2..8 or 16; float formats: their width
    Granularity granularity = Granularity::PerChannel; // Int only
    int groupSize = 128;                             // PerGroup: columns of the [out, in*k*k] view per group
    bool symmetric = true;                           // Int only; false adds a zero-point
    WeightRange range = WeightRange::MinMax;         // Int only

    bool operator==(const WeightQuant& o) const;
    bool operator!=(const WeightQuant& o) const { return !(*this == o); }
};

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
    // "w4 per-channel sym", "w4 g128 asym mse + rank 32 + a8", "fp16", "fp32"
    std::string label() const;
};

const char* formatName(NumberFormat f);     // "float32", "int", "float16", "bfloat16", "fp8_e4m3", "fp8_e5m2"
const char* granularityName(Granularity g); // "per-tensor", "per-channel", "per-group"
const char* weightRangeName(WeightRange r);         // "minmax", "mse"
const char* activationRangeName(ActivationRange r); // "minmax", "percentile", "mse"
int formatBits(NumberFormat f);             // the width of a float format; 0 for Int

} // namespace bitlens
