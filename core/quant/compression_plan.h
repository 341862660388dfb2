#pragma once
// CompressionPlan: an Option per layer plus defaults for unlisted layers, and its JSON form.

#include "layer_option.h"

#include "../errors.h"
#include "../model/layer_info.h"

#include <map>
#include <string>
#include <vector>

namespace bitlens {

class PlanError final : public Error {
public:
    using Error::Error;
};

// Ownership: plain value, cheap to copy for small models. Threading: no shared state.
struct CompressionPlan {
    LayerOption defaults;                      // for every layer not listed
    std::map<std::string, LayerOption> layers; // by qualified layer name

    const LayerOption& optionFor(const std::string& layer) const;
    bool operator==(const CompressionPlan& o) const { return defaults == o.defaults && layers == o.layers; }
};

// The [m, n] = [out, in*k*k] matrix view of a layer's weight that quantization groups and the
// truncated SVD act on (Embedding: [rows, dim]).
struct WeightMatrix {
    int64_t rows = 0;
    int64_t cols = 0;
};
WeightMatrix weightMatrix(const LayerInfo& layer);

// Checks the plan against the model's layers; throws PlanError naming `source` (the plan file),
// the layer and the field: unknown layer, bits out of range, rank larger than min(m, n), group
// size not dividing the input dimension.
void validatePlan(const CompressionPlan& plan, const std::vector<LayerInfo>& layers, const std::string& source);

// JSON (schema in README). parse throws PlanError naming `source` and the offending field.
std::string planToJson(const CompressionPlan& plan);
CompressionPlan planFromJson(const std::string& json, const std::string& source);

CompressionPlan readPlanFile(const std::string& path);
// Writes through a temporary file and a rename: never a half-written plan.
void writePlanFile(const CompressionPlan& plan, const std::string& path);

// One option in the plan file's schema as one JSON object's text: how the analysis bundle stores
// the options its cost tables resolved. Parsing throws PlanError naming `source`.
std::string optionToJsonText(const LayerOption& option);
LayerOption optionFromJsonText(const std::string& json, const std::string& source);

// A uniform plan from a spec like "w4", "w4:per-channel", "w8:group128:asym:mse,a8", "fp16",
// "fp8_e4m3,a8"; rankFraction in (0, 1] sets rank = ceil(fraction * min(m, n)) per layer (0: full).
// Layers a spec cannot apply to (a group size not dividing the input dimension) get the nearest
// valid option (per-channel), listed explicitly in the plan. Specs and candidates: option_spec.h.
CompressionPlan uniformPlan(const std::string& spec, double rankFraction, const std::vector<LayerInfo>& layers);
// The same from one candidate name, `SPEC[+rankF]` or `rankF` alone (FP32 weights at that rank):
// "w4", "w8:per-tensor,a8", "w8+rank0.5", "rank0.25" (candidateSpec in option_spec.h). Each listed
// layer holds OptionSpec::resolve of that layer; for one layer's option, resolve it directly.
CompressionPlan uniformPlan(const std::string& candidate, const std::vector<LayerInfo>& layers);

} // namespace bitlens
