#pragma once
// A plan's encodings in AIMET's encodings JSON, version 0.6.1, so toolchains that read that
// format (Qualcomm's, and others) can take a plan made in BitLens. Which fields are filled is
// documented in README ("AIMET encodings").

#include <string>
#include <vector>

namespace bitlens {

class AppliedPlan;

struct AimetEncodings {
    std::string json;
    // "layer: reason" for each quantized tensor 0.6.1 cannot express (per-group scales, low-rank
    // factors); those are in weights.h5 only.
    std::vector<std::string> omitted;
};

AimetEncodings aimetEncodings(const AppliedPlan& plan);

} // namespace bitlens
