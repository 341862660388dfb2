// A minimal third-party allocator plugin, short enough to read as documentation (README: "Writing an
// allocator plugin"). Its one allocator, uniform-best, gives every layer the same option label: of
// the labels all layers offer, the one whose plan predicts the lowest ΔLoss within the budgets.
// It needs BitLens's headers and Qt Core, nothing else.

#include "plugins/allocator_plugin.h"

#include <QObject>

#include <limits>
#include <optional>

namespace example {

using namespace bitlens;

// Every layer at `label`, with its totals; nullopt when some layer lacks the label.
std::optional<Allocation> uniformPlan(const AllocationProblem& problem, const std::string& label)
{
    Allocation plan;
    plan.method = "uniform-best";
    plan.gap = std::numeric_limits<double>::infinity(); // no bound on its distance from the optimum
    for (const AllocationLayer& layer : problem.layers) {
        size_t o = 0;
        while (o < layer.options.size() && layer.options[o].label != label)
            ++o;
        if (o == layer.options.size())
            return std::nullopt;
        plan.choices.push_back(int(o));
        plan.predictedDeltaLoss += layer.options[o].deltaLoss;
        plan.bytes += layer.options[o].bytes;
        plan.bops += layer.options[o].bops;
    }
    return plan;
}

bool fits(const AllocationProblem& problem, const Allocation& plan)
{
    return plan.bytes <= problem.budgetBytes && (!problem.budgetBops || plan.bops <= *problem.budgetBops);
}

class UniformBestPlugin final : public QObject, public AllocatorPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BITLENS_ALLOCATOR_IID FILE "example_allocator.json")
    Q_INTERFACES(bitlens::AllocatorPlugin)

public:
    std::vector<AllocatorInfo> allocators() const override
    {
        return {{"uniform-best", "Uniform (best label)",
                 "Every layer takes the same option label, the one predicting the lowest loss within the budget."}};
    }

    Allocation allocate(const std::string& id, const AllocationProblem& problem, const AllocatorSettings&,
                        Progress& progress) override
    {
        if (id != "uniform-best")
            throw AllocationError("the example plugin has no allocator '" + id + "'");
        // Tie groups hold by construction; a pin would need a second label.
        if (!problem.pinned.empty())
            throw AllocationError("uniform-best cannot honour pinned layers: one label serves every layer");
        std::optional<Allocation> best;
        for (const AllocationOption& option : problem.layers.front().options) {
            if (progress.cancelled())
                throw Cancelled();
            std::optional<Allocation> plan = uniformPlan(problem, option.label);
            if (plan && fits(problem, *plan) && (!best || plan->predictedDeltaLoss < best->predictedDeltaLoss))
                best = std::move(plan);
        }
        if (!best)
            throw AllocationError("uniform-best: no option label that every layer offers fits the budget");
        return *best;
    }
};

} // namespace example

#include "uniform_best_plugin.moc"
