#pragma once
// The interface an allocator plugin implements: a library that QPluginLoader loads from a plugins
// folder, offering one or more allocators by id. The built-in allocators come through it too.
//
// A plugin is a QObject subclass that also derives from AllocatorPlugin and declares
//   Q_PLUGIN_METADATA(IID BITLENS_ALLOCATOR_IID FILE "my_plugin.json")
//   Q_INTERFACES(bitlens::AllocatorPlugin)
// where the JSON is {"id", "name", "version", "description": non-empty strings, "api": 1}. The host
// reads that metadata without loading the library and refuses a plugin whose IID or api differs, so
// a plugin built against another version of these structs is never called. The types cross the
// library boundary as C++ objects: build the plugin with the compiler and Qt that built BitLens.

#include "core/alloc/allocator_registry.h"

#include <QtPlugin>

#include <string>
#include <vector>

namespace bitlens {

// Threading: allocate() may run on worker threads, several at once, so keep it free of shared
// mutable state.
class AllocatorPlugin {
public:
    virtual ~AllocatorPlugin() = default;

    // Ids unique across all loaded plugins; a plugin reusing a loaded id is skipped.
    virtual std::vector<AllocatorInfo> allocators() const = 0;

    // The host has validated the problem. Returns the option per layer with its totals; an
    // allocator that knows no bound on its distance from the optimum sets gap to +infinity. Throws
    // AllocationError (one sentence naming the allocator and the cause) when it cannot answer, and
    // Cancelled once progress.cancelled() turns true.
    virtual Allocation allocate(const std::string& id, const AllocationProblem& problem,
                                const AllocatorSettings& settings, Progress& progress) = 0;
};

} // namespace bitlens

// The version changes whenever this interface or the structs it passes change (1.1: each
// AllocationOption holds its LayerOption).
#define BITLENS_ALLOCATOR_IID "org.bitlens.AllocatorPlugin/1.1"
Q_DECLARE_INTERFACE(bitlens::AllocatorPlugin, BITLENS_ALLOCATOR_IID)
