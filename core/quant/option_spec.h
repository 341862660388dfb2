#pragma once
// Option specs as the command line, cost tables and allocators write them, parsed once into
// LayerOption values: "w4", "w8:group128:asym:mse,a8", "fp8_e4m3,afp16" (grammar in README), and
// candidates, a spec with a rank fraction that each layer resolves by its shape: "w4+rank0.5",
// "rank0.25".

#include "compression_plan.h"

#include <string>
#include <vector>

namespace bitlens {

// One option from a spec; throws PlanError from "--uniform", the command-line option that takes it.
LayerOption optionFromSpec(const std::string& spec);

// A candidate, parsed: the option and the rank fraction that sets each layer's rank.
// Ownership: plain value. Threading: no shared state.
struct OptionSpec {
    LayerOption option;       // rank 0
    double rankFraction = 0;  // in (0, 1]: rank = ceil(fraction * min(m, n)) per layer; 0: full rank

    // What the spec gives `layer`: its rank from the fraction, per-channel instead of a group
    // size that does not divide the input dimension or the rank, and rtn for an embedding or a
    // grouped convolution (the nearest valid options).
    LayerOption resolve(const LayerInfo& layer) const;
};

// `SPEC[+rankF]` or `rankF` alone (FP32 weights at that rank): "w4", "w8:per-tensor,a8",
// "w8+rank0.5", "rank0.25". Throws PlanError naming the candidate.
OptionSpec candidateSpec(const std::string& candidate);

// [layer][candidate]: what each candidate gives each layer, every candidate parsed once.
std::vector<std::vector<LayerOption>> resolveCandidates(const std::vector<std::string>& candidates,
                                                        const std::vector<LayerInfo>& layers);

} // namespace bitlens
