#pragma once
// Everything a plan exports, into one folder, all or nothing: model.pt (fake-quantized
// TorchScript), weights.h5 (packed), plan.json, encodings.json (AIMET 0.6.1).

#include <cstdint>
#include <string>
#include <vector>

namespace bitlens {

class AppliedPlan;
class Progress;

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

} // namespace bitlens
