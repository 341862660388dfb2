#include "hessian_merge.h"

#include "../errors.h"
#include "trace_estimator.h"

#include <algorithm>
#include <cmath>

namespace bitlens {
namespace {

void checkSameBatches(const HessianAnalysis& first, const HessianAnalysis& part, const std::string& firstLabel,
                      const std::string& label)
{
    const HessianOptions &a = first.options, &b = part.options;
    const auto differ = [&](const std::string& what) {
        throw Error(label + " and " + firstLabel + " differ in " + what + ": their Hessians are of other calibration "
                    "batches or rules and cannot be joined");
    };
    if (first.samples != part.samples || a.batches != b.batches || a.batchSize != b.batchSize)
        differ("their calibration batches (" + std::to_string(part.samples) + " vs " + std::to_string(first.samples) + " samples)");
    // The same batches of the same weights give the same loss up to the order float32 sums run
    // in, which follows the thread count: a run on a busier machine takes fewer threads.
    if (std::abs(first.loss - part.loss) > 1e-5 * std::max(std::abs(first.loss), 1e-12))
        differ("the calibration loss, so in data or weights");
    if (a.traceTolerance != b.traceTolerance || a.traceFloor != b.traceFloor)
        differ("the trace's error target");
    if (a.topK != b.topK || a.eigenTolerance != b.eigenTolerance)
        differ("the eigenvalue settings");
}

} // namespace

HessianAnalysis mergeHessianParts(const std::vector<HessianAnalysis>& parts, const std::vector<std::string>& labels,
                                  const std::vector<std::string>& layerNames)
{
    if (parts.empty())
        throw Error("nothing to join: no Hessian parts");
    HessianAnalysis joined = parts[0];
    std::vector<size_t> owner(layerNames.size(), parts.size());
    std::string patterns;
    for (size_t p = 0; p < parts.size(); ++p) {
        const HessianAnalysis& part = parts[p];
        if (part.empty() || part.layers.size() != layerNames.size())
            throw Error(labels[p] + " has no Hessian of this model's " + std::to_string(layerNames.size()) + " layers");
        checkSameBatches(parts[0], part, labels[0], labels[p]);
        for (size_t l = 0; l < layerNames.size(); ++l) {
            if (!part.layers[l].analysed())
                continue;
            if (owner[l] != parts.size())
                throw Error(labels[p] + " and " + labels[owner[l]] + " both analysed layer '" + layerNames[l]
                            + "': only disjoint layer subsets can be joined");
            owner[l] = p;
            joined.layers[l] = part.layers[l];
        }
        if (p > 0) {
            joined.layerProducts += part.layerProducts;
            joined.modelProducts += part.modelProducts;
            joined.seconds += part.seconds;
        }
        patterns += (p ? "|" : "") + std::string("(") + (part.options.layers.empty() ? ".*" : part.options.layers) + ")";
    }
    joined.options.layers = patterns;
    joined.modelTopEigenvalues.clear();
    joined.modelEigenvaluesSkipped = "joined from " + std::to_string(parts.size()) + " parts, each with its own layers";
    double total = 0.0;
    for (const LayerHessian& h : joined.layers)
        total += h.analysed() && std::isfinite(h.trace) ? std::abs(h.trace) : 0.0;
    for (LayerHessian& h : joined.layers) {
        if (h.analysed() && std::isfinite(h.traceStdErr))
            h.traceConverged = h.traceConverged || h.traceStdErr <= traceErrorTarget(h.trace, total, joined.options);
    }
    return joined;
}

} // namespace bitlens
