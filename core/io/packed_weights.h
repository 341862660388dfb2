#pragma once
// The packed deployment file (weights.h5): per compressible layer its stored form — bit-packed
// integer codes with fp16 scales and zero-points, or narrow-float values, or the two low-rank
// factors — plus bias and input encoding. Layout documented in README ("Packed weights").
// The reader dequantizes with the documented formulas, so it doubles as the reference decoder.

#include "../quant/compression_plan.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bitlens {

class AppliedPlan;
class Progress;

struct PackedMatrix {
    int64_t rows = 0;
    int64_t cols = 0;
    NumberFormat format = NumberFormat::Float32;
    int bits = 32;
    // Int only:
    Granularity granularity = Granularity::PerChannel;
    int64_t groupSize = 0;
    bool symmetric = true;
    int32_t qmin = 0;
    int terms = 1;                   // xint: the stored terms, summed
    std::vector<int32_t> codes;      // terms * rows * cols, row-major, one term after another
    int64_t scaleRows = 0;           // 1 (per-tensor) or rows
    int64_t scaleColumns = 0;        // groups per row (1 unless per-group)
    std::vector<float> scales;       // terms * scaleRows * scaleColumns
    std::vector<int32_t> zeroPoints; // like scales; all zero when symmetric
    // sqllm (no scales): the codes index codebook[row], and the CSR's sparse weights replace theirs.
    std::vector<float> codebook;         // rows * 2^bits
    std::vector<int32_t> sparseRowStarts; // rows + 1, or empty when none are sparse
    std::vector<int32_t> sparseColumns;
    std::vector<float> sparseValues;
    // Every format: the values the layer computes with, rows * cols, row-major.
    std::vector<float> values;
};

struct PackedLayer {
    std::string name;
    std::string kind;
    std::vector<int64_t> shape; // the weight's shape in the model
    int rank = 0;
    std::optional<PackedMatrix> weight; // rank == 0
    std::optional<PackedMatrix> left;   // rank > 0: [out, rank]
    std::optional<PackedMatrix> right;  // rank > 0: [rank, in*k*k]
    std::vector<float> bias;
    std::vector<float> effective;       // the weight, `shape`, row-major (left * right when factored)
    // The quantization method and its input transform T: the stored matrix is W·T⁻¹, and
    // `effective` has T applied back. Scales: x' = x / s per input channel; a rotation is
    // hadamardRotation(rotationChannels, rotationSeed).
    std::string method = "rtn";
    std::vector<float> inputChannelScales;
    int64_t rotationChannels = 0;
    uint64_t rotationSeed = 0;
    bool inputQuantized = false;
    std::string inputFormat;
    int inputBits = 32;
    double inputScale = 1.0;
    int64_t inputZeroPoint = 0;
    double inputMin = 0.0;
    double inputMax = 0.0;
};

struct PackedWeights {
    int version = 0;
    std::string model;    // the source model's file name
    std::string planJson;
    std::vector<PackedLayer> layers; // in the model's layer order
};

// Writes `path` directly; callers wanting all-or-nothing write to a temporary (AtomicFile).
// Throws Error naming `path` and the cause.
void writePackedWeights(const AppliedPlan& plan, const std::string& path);
// The same from a safetensors checkpoint, with no model: its layers (core/model/safetensors_layers.h)
// read, compressed and written one at a time. `plan` must be valid for those layers (validatePlan);
// one that quantizes a layer input is refused (PlanError: its range needs calibration data).
// Throws Error naming the file and the cause, Cancelled.
void writePackedWeights(const std::string& safetensorsPath, const CompressionPlan& plan, const std::string& path,
                        Progress& progress);
// Throws Error naming `path` and the cause (not HDF5, not a packed-weights file, damaged).
PackedWeights readPackedWeights(const std::string& path);

} // namespace bitlens
