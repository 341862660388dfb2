#pragma once
// Finds BitLens plugins in folders, checks each library's metadata before loading it, and keeps the
// allocator and estimator plugins that pass. A file that is no library of ours, carries bad
// metadata, fails to load or clashes with a plugin already loaded is skipped and reported as a
// PluginProblem, never a crash.

#include "allocator_plugin.h"
#include "estimator_plugin.h"

#include <QString>
#include <QStringList>

#include <string>
#include <vector>

namespace bitlens {

// The JSON a plugin declares with Q_PLUGIN_METADATA (allocator_plugin.h), and where it came from.
struct PluginMetadata {
    QString path; // the library file
    QString id;
    QString name;
    QString version;
    QString description;
};

struct PluginProblem {
    QString path;
    QString reason; // one sentence naming the file and the cause
};

// The plugin object belongs to Qt's plugin loader and lives until the process ends.
struct LoadedAllocatorPlugin {
    PluginMetadata metadata;
    AllocatorPlugin* plugin = nullptr;
    std::vector<AllocatorInfo> allocators;
};

// Its estimators are registered in EstimatorRegistry, with the library's path as their origin.
struct LoadedEstimatorPlugin {
    PluginMetadata metadata;
    SensitivityEstimatorPlugin* plugin = nullptr;
    std::vector<EstimatorDescriptor> estimators;
};

// Ownership: holds pointers to the plugin objects, not the objects. Threading: build it on one
// thread; afterwards its accessors and allocate() may be called from any.
class PluginHost {
public:
    // Where BitLens looks, first wins: <executable dir>/plugins, <executable dir>/../plugins, the
    // user's <AppDataLocation>/plugins, then each folder of BITLENS_PLUGIN_PATH (separated like PATH).
    // Needs a QCoreApplication.
    static QStringList defaultFolders();

    // Loads the libraries of each folder in name order; folders that do not exist are passed over.
    // Of two plugins with the same id, or offering the same allocator or estimator id, the first
    // found is kept and the second reported; so is an estimator plugin offering an id that core or
    // another library registered. Build hosts before running analyses (EstimatorRegistry).
    explicit PluginHost(const QStringList& folders);

    const std::vector<LoadedAllocatorPlugin>& allocatorPlugins() const { return m_allocatorPlugins; }
    const std::vector<LoadedEstimatorPlugin>& estimatorPlugins() const { return m_estimatorPlugins; }
    const std::vector<PluginProblem>& problems() const { return m_problems; }

    // The plugin offering the allocator (estimator) `id`; nullptr when none does.
    const LoadedAllocatorPlugin* findAllocator(const std::string& id) const;
    const LoadedEstimatorPlugin* findEstimator(const std::string& id) const;

    // Validates the problem and runs the allocator `id` in the plugin offering it. Throws
    // AllocationError for an invalid problem or an id no plugin offers (listing those offered), and
    // whatever the allocator throws.
    Allocation allocate(const std::string& id, const AllocationProblem& problem, const AllocatorSettings& settings,
                        Progress& progress) const;

private:
    // Each returns why the library was skipped, or an empty string when it was loaded.
    QString load(const QString& path);
    QString adoptAllocatorPlugin(const PluginMetadata& metadata, QObject* instance);
    QString adoptEstimatorPlugin(const PluginMetadata& metadata, QObject* instance);
    const PluginMetadata* findPlugin(const QString& id) const;

    std::vector<LoadedAllocatorPlugin> m_allocatorPlugins;
    std::vector<LoadedEstimatorPlugin> m_estimatorPlugins;
    std::vector<PluginProblem> m_problems;
};

} // namespace bitlens
