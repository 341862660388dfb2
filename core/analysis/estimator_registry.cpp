#include "estimator_registry.h"

#include "../errors.h"
#include "weight_error_estimator.h"

namespace bitlens {
namespace {

constexpr const char* kBuiltIn = "built-in";

std::vector<EstimatorDescriptor> builtInEstimators()
{
    EstimatorDescriptor measured{"measured", "Measured",
                                 "Quantize only that layer and evaluate the calibration loss: the ground truth.",
                                 {}, {1.0, 0.0, 0.0}, [](EstimatorCell& c) -> std::optional<double> { return c.measuredDeltaLoss(); },
                                 true, kBuiltIn};
    measured.needs.lossEvaluations = true;

    // HAWQ-v2's formula, the only place it is written.
    EstimatorDescriptor hawq{"hawq", "HAWQ",
                             "Tr(H_ll)/n · ‖Q(W) − W‖², HAWQ-v2's sensitivity; needs the Hessian traces.",
                             {}, {}, [](EstimatorCell& c) -> std::optional<double> {
                                 return c.hessianTrace() / double(c.parameters()) * c.deltaNorm2();
                             },
                             true, kBuiltIn};
    hawq.needs.hessianTraces = true;

    EstimatorDescriptor llc{"llc", "LLC (total differential)",
                            "gᵀδ + ½ δᵀHδ, the quadratic form by one Hessian-vector product per cell.",
                            {}, {0.0, 1.0, 0.0}, [](EstimatorCell& c) -> std::optional<double> {
                                return c.gradientDot() + 0.5 * c.hessianQuadratic();
                            },
                            true, kBuiltIn};
    llc.needs.gradient = llc.needs.hessianProducts = true;

    EstimatorDescriptor inputNoise{"input-noise", "Input noise",
                                   "Quantize only that layer's input to the option's number format and evaluate; "
                                   "none for rank-only options.",
                                   {}, {1.0, 0.0, 0.0},
                                   [](EstimatorCell& c) { return c.inputNoiseDeltaLoss(); }, true, kBuiltIn};
    inputNoise.needs.lossEvaluations = inputNoise.needs.inputHistograms = true;

    // Per-sample gradients: a forward, a backward and the squaring, about three passes.
    EstimatorDescriptor fisher{"fisher", "Fisher diagonal",
                               "½ Σ F_ii δ_i² with the empirical Fisher diagonal (per-sample gradients).",
                               {}, {0.0, 0.0, 3.0}, [](EstimatorCell& c) -> std::optional<double> {
                                   return 0.5 * c.fisherQuadratic();
                               },
                               true, kBuiltIn};
    fisher.needs.fisherDiagonal = true;

    // HAWQ with H = I (weight_error_estimator.h): what a weight-only analysis can offer.
    EstimatorDescriptor weightError{kWeightErrorEstimator, "Weight error",
                                    "‖Q(W) − W‖², every weight equally important; needs no data.",
                                    {}, {}, [](EstimatorCell& c) -> std::optional<double> { return c.deltaNorm2(); },
                                    false, kBuiltIn};
    return {measured, hawq, llc, inputNoise, fisher, weightError};
}

} // namespace

// The built-ins come in the way plugins' estimators do.
EstimatorRegistry::EstimatorRegistry()
{
    for (EstimatorDescriptor& d : builtInEstimators())
        add(std::move(d));
}

EstimatorRegistry& EstimatorRegistry::instance()
{
    static EstimatorRegistry registry;
    return registry;
}

void EstimatorRegistry::add(EstimatorDescriptor descriptor)
{
    if (descriptor.id.empty() || !descriptor.compute)
        throw Error("an estimator from " + descriptor.origin + " has no id or no compute function");
    const std::lock_guard<std::mutex> lock(m_mutex);
    for (const EstimatorDescriptor& d : m_descriptors) {
        if (d.id != descriptor.id)
            continue;
        if (d.origin == descriptor.origin)
            return;
        throw Error("the estimator '" + d.id + "' of " + descriptor.origin + " is already offered by " + d.origin);
    }
    m_descriptors.push_back(std::move(descriptor));
}

std::vector<EstimatorDescriptor> EstimatorRegistry::all() const
{
    const std::lock_guard<std::mutex> lock(m_mutex);
    return m_descriptors;
}

std::optional<EstimatorDescriptor> EstimatorRegistry::find(const std::string& id) const
{
    const std::lock_guard<std::mutex> lock(m_mutex);
    for (const EstimatorDescriptor& d : m_descriptors)
        if (d.id == id)
            return d;
    return std::nullopt;
}

std::string EstimatorRegistry::knownIds() const
{
    std::string ids;
    for (const EstimatorDescriptor& d : all())
        ids += (ids.empty() ? "" : ", ") + d.id;
    return ids;
}

} // namespace bitlens
