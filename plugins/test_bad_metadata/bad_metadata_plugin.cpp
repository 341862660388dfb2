// For tst_plugins only: an allocator plugin whose metadata has an empty name, no description and a
// future api. The host must refuse it from its metadata alone, so creating it is fatal.

#include "plugins/allocator_plugin.h"

#include <QObject>

namespace bitlens {

class BadMetadataPlugin final : public QObject, public AllocatorPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BITLENS_ALLOCATOR_IID FILE "bad_metadata.json")
    Q_INTERFACES(bitlens::AllocatorPlugin)

public:
    BadMetadataPlugin() { qFatal("the plugin host instantiated a plugin whose metadata it should have refused"); }

    std::vector<AllocatorInfo> allocators() const override { return {}; }

    Allocation allocate(const std::string&, const AllocationProblem&, const AllocatorSettings&, Progress&) override
    {
        return {};
    }
};

} // namespace bitlens

#include "bad_metadata_plugin.moc"
