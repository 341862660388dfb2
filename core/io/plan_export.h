#pragma once
// Everything a plan exports, into one folder, all or nothing: model.pt (fake-quantized
// TorchScript), weights.h5 (packed), plan.json, encodings.json (AIMET 0.6.1).

#include <cstdint>
#include <string>
#include <vector>

namespace bitlens {

class AppliedPlan;
class Progress;
struct CompressionPlan;

struct ExportReport {
    std::string folder;
    std::vector<std::string> files; // paths written, in the order above
    std::vector<std::string> notes; // what a format could not express, "layer: reason"
    int64_t packedBytes = 0;        // size of weights.h5
    double seconds = 0.0;
};

// `folder` is created when missing (its parent must exist). Every file is written to a temporary
// first and renamed into place only when all four succeeded, so a failure or a cancel leaves
// the folder as it was (and removes it when this call created it). Throws Error naming the file
// and the cause, Cancelled.
ExportReport exportPlan(const AppliedPlan& plan, const std::string& folder, Progress& progress);

// The same, all or nothing, for a safetensors checkpoint and no model: weights.h5 and plan.json
// only (model.pt and the AIMET encodings need a TorchScript model; `notes` says so). `plan` must
// be valid for the checkpoint's layers and quantize no layer input (writePackedWeights).
ExportReport exportSafetensorsPlan(const std::string& safetensorsPath, const CompressionPlan& plan,
                                   const std::string& folder, Progress& progress);

} // namespace bitlens
