#pragma once
// AllocationProblem: per layer the options an allocator may pick from, each with its predicted loss
// change and cost, under a memory (and optional BOPs) budget, with pins and tie groups; its JSON form.

#include "../errors.h"
#include "../quant/layer_option.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bitlens {

// Thrown for an invalid problem, an infeasible budget, or a solver limit; the message names the
// layer or the budget and the cause.
class AllocationError final : public Error {
public:
    using Error::Error;
};

struct AllocationOption {
    std::string label;      // unique within its layer; tie groups match options by label
    double deltaLoss = 0.0; // predicted loss change; negative inside the lossless neighbourhood
    int64_t bytes = 0;
    double bops = 0.0;
    LayerOption option;     // what choosing it gives the layer; allocators need only the numbers above

    bool operator==(const AllocationOption& o) const
    {
        return label == o.label && deltaLoss == o.deltaLoss && bytes == o.bytes && bops == o.bops && option == o.option;
    }
};

struct AllocationLayer {
    std::string name; // unique; pins and tie groups name layers in JSON
    std::vector<AllocationOption> options;

    bool operator==(const AllocationLayer& o) const { return name == o.name && options == o.options; }
};

// Ownership: plain value. Threading: no shared state.
struct AllocationProblem {
    std::vector<AllocationLayer> layers;
    int64_t budgetBytes = 0;
    std::optional<double> budgetBops;
    std::map<int, int> pinned;               // layer index -> option index every plan keeps
    std::vector<std::vector<int>> tieGroups; // layer indices that must all take one option label

    // Throws AllocationError naming the layer: empty option list, NaN/inf or negative cost, duplicate
    // layer name or option label, pin out of range, a layer in two tie groups, a tie group without a
    // label common to all its members, pins disagreeing within a tie group.
    void validate() const;

    bool operator==(const AllocationProblem& o) const
    {
        return layers == o.layers && budgetBytes == o.budgetBytes && budgetBops == o.budgetBops
            && pinned == o.pinned && tieGroups == o.tieGroups;
    }
};

// {"budget_bytes": B, "budget_bops": B2 or null, "layers": [{"name", "options": [{"label",
// "delta_loss", "bytes", "bops"}]}], "pinned": {"layer": "label"}, "tie_groups": [["a", "b"]]};
// pinned and tie_groups are optional. The JSON form is for solvers: it leaves out each option's
// LayerOption, so a problem read back holds FP32 ones. Both validate the problem; parsing throws AllocationError
// naming `source` and the field.
std::string problemToJson(const AllocationProblem& problem);
AllocationProblem problemFromJson(const std::string& json, const std::string& source);

} // namespace bitlens
