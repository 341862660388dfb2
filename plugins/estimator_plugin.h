#pragma once
// The interface a sensitivity estimator plugin implements: it hands the host EstimatorDescriptors
// (core/analysis/estimator_registry.h), which the host registers next to core's built-ins, so the
// engine computes them per cell like its own and the CLI, the Analyse dialog, the trust view and
// the allocators see them. Declared and loaded like AllocatorPlugin (allocator_plugin.h), with
// BITLENS_ESTIMATOR_IID and the same JSON metadata. A plugin also states
// BITLENS_EXPORT_ESTIMATORS(ItsClass) once, for bitlens-cli, which has no Qt and opens the same
// library with dlopen. plugins/example_estimator is a complete example.

#include "core/analysis/estimator_registry.h"

#include <QtPlugin>

#include <vector>

namespace bitlens {

// Threading: estimators() is called once per host, on the thread building it; the descriptors'
// compute functions run on the analysis thread, one cell at a time.
class SensitivityEstimatorPlugin {
public:
    virtual ~SensitivityEstimatorPlugin() = default;

    // Descriptors with id, name, description, needs, cost and compute; the host sets their origin.
    virtual std::vector<EstimatorDescriptor> estimators() const = 0;
};

} // namespace bitlens

// The version changes whenever this interface or the structs it passes change; the C entry point's
// name (kEstimatorLibraryEntry) changes with it.
#define BITLENS_ESTIMATOR_IID "org.bitlens.SensitivityEstimatorPlugin/2.0"
Q_DECLARE_INTERFACE(bitlens::SensitivityEstimatorPlugin, BITLENS_ESTIMATOR_IID)

// The entry point named by kEstimatorLibraryEntry: the same descriptors estimators() gives.
#define BITLENS_EXPORT_ESTIMATORS(PluginClass)                                                      \
    extern "C" Q_DECL_EXPORT void bitlens_estimator_descriptors_v2(                                 \
        std::vector<bitlens::EstimatorDescriptor>* out)                                             \
    {                                                                                               \
        *out = PluginClass().estimators();                                                          \
    }
