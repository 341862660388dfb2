// The built-in allocators as a plugin, so the GUI reaches them through the same interface a third
// party implements; the CLI calls core's registry directly.

#include "plugins/allocator_plugin.h"

#include <QObject>

namespace bitlens {

class BuiltinAllocatorsPlugin final : public QObject, public AllocatorPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BITLENS_ALLOCATOR_IID FILE "builtin_allocators.json")
    Q_INTERFACES(bitlens::AllocatorPlugin)

public:
    std::vector<AllocatorInfo> allocators() const override { return builtInAllocators(); }

    Allocation allocate(const std::string& id, const AllocationProblem& problem, const AllocatorSettings& settings,
                        Progress& progress) override
    {
        return runBuiltInAllocator(id, problem, settings, progress);
    }
};

} // namespace bitlens

#include "builtin_allocators_plugin.moc"
