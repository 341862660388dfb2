#include "plugin_host.h"

#include "core/errors.h"

#include <QCoreApplication>
#include <QDir>
#include <QJsonObject>
#include <QLibrary>
#include <QPluginLoader>
#include <QSet>
#include <QStandardPaths>

#include <exception>

namespace bitlens {
namespace {

const QString AllocatorIid = QStringLiteral(BITLENS_ALLOCATOR_IID);
const QString EstimatorIid = QStringLiteral(BITLENS_ESTIMATOR_IID);
constexpr int SupportedApi = 1;

QString interfaceFault(const QString& iid)
{
    if (iid.startsWith(QLatin1String("org.bitlens.")))
        return QStringLiteral("it implements %1, another version of BitLens's plugin interfaces (this BitLens loads "
                              "%2 and %3)")
            .arg(iid, AllocatorIid, EstimatorIid);
    return QStringLiteral("its interface '%1' is not a BitLens plugin interface").arg(iid);
}

// What is wrong with the plugin's own JSON ("MetaData"), or an empty string.
QString metadataFault(const QJsonObject& metadata)
{
    QStringList lacking;
    for (const char* field : {"id", "name", "version", "description"})
        if (metadata.value(QLatin1String(field)).toString().isEmpty())
            lacking << QLatin1String(field);
    QStringList faults;
    if (!lacking.isEmpty())
        faults << QStringLiteral("lacks a non-empty %1").arg(lacking.join(QLatin1String(", ")));
    const QJsonValue api = metadata.value(QLatin1String("api"));
    if (!api.isDouble() || api.toDouble() != SupportedApi)
        faults << QStringLiteral("gives api %1 where this BitLens loads api %2")
                      .arg(api.isUndefined() ? QStringLiteral("(none)") : api.toVariant().toString())
                      .arg(SupportedApi);
    return faults.isEmpty() ? QString() : QStringLiteral("its metadata ") + faults.join(QLatin1String(" and "));
}

QString exceptionText(const std::exception_ptr& error)
{
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    } catch (...) {
        return QStringLiteral("an unknown exception");
    }
}

// Either kind of plugin: its instance cast to the interface its metadata declares, what it offers
// listed, and refused when another library already offers one of those ids (`offeredBy` gives its
// path, or an empty string).
template <typename Interface, typename Loaded, typename List, typename Find>
QString adopt(const PluginMetadata& metadata, QObject* instance, const QString& iid, const char* what,
              std::vector<Loaded>& into, List list, Find offeredBy)
{
    auto* plugin = qobject_cast<Interface*>(instance);
    if (!plugin)
        return QStringLiteral("its metadata declares %1 but its instance does not implement it").arg(iid);
    decltype(list(plugin)) offered;
    try {
        offered = list(plugin);
    } catch (...) {
        return QStringLiteral("listing its %1s threw %2").arg(what, exceptionText(std::current_exception()));
    }
    for (const auto& info : offered)
        if (const QString other = offeredBy(info.id); !other.isEmpty())
            return QStringLiteral("its %1 '%2' is already offered by %3").arg(what, QString::fromStdString(info.id), other);
    into.push_back({metadata, plugin, std::move(offered)});
    return {};
}

} // namespace

QStringList PluginHost::defaultFolders()
{
    const QDir executableDir(QCoreApplication::applicationDirPath());
    QStringList folders{executableDir.filePath(QStringLiteral("plugins")),
                        QDir::cleanPath(executableDir.filePath(QStringLiteral("../plugins"))),
                        QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
                            + QStringLiteral("/plugins")};
    folders << qEnvironmentVariable("BITLENS_PLUGIN_PATH").split(QDir::listSeparator(), Qt::SkipEmptyParts);
    return folders;
}

PluginHost::PluginHost(const QStringList& folders)
{
    QSet<QString> seen; // canonical paths: a folder named twice or a symlink loads once
    for (const QString& folder : folders)
        for (const QFileInfo& file : QDir(folder).entryInfoList(QDir::Files, QDir::Name)) {
            if (!QLibrary::isLibrary(file.fileName()) || seen.contains(file.canonicalFilePath()))
                continue;
            seen.insert(file.canonicalFilePath());
            const QString path = file.absoluteFilePath();
            if (const QString cause = load(path); !cause.isEmpty())
                m_problems.push_back({path, QStringLiteral("Plugin %1 was skipped: %2.").arg(path, cause)});
        }
}

QString PluginHost::load(const QString& path)
{
    // metaData() reads the library file without loading it: nothing of a refused file ever runs.
    QPluginLoader loader(path);
    const QJsonObject data = loader.metaData();
    if (data.isEmpty())
        return QStringLiteral("it is not a Qt plugin (%1)").arg(loader.errorString());
    const QString iid = data.value(QLatin1String("IID")).toString();
    if (iid != AllocatorIid && iid != EstimatorIid)
        return interfaceFault(iid);
    const QJsonObject json = data.value(QLatin1String("MetaData")).toObject();
    if (const QString fault = metadataFault(json); !fault.isEmpty())
        return fault;
    const PluginMetadata metadata{path, json.value(QLatin1String("id")).toString(),
                                  json.value(QLatin1String("name")).toString(),
                                  json.value(QLatin1String("version")).toString(),
                                  json.value(QLatin1String("description")).toString()};
    if (const PluginMetadata* other = findPlugin(metadata.id))
        return QStringLiteral("its id '%1' is already taken by %2").arg(metadata.id, other->path);
    QObject* instance = loader.instance();
    if (!instance)
        return QStringLiteral("Qt could not load it (%1)").arg(loader.errorString());
    return iid == AllocatorIid ? adoptAllocatorPlugin(metadata, instance) : adoptEstimatorPlugin(metadata, instance);
}

QString PluginHost::adoptAllocatorPlugin(const PluginMetadata& metadata, QObject* instance)
{
    return adopt<AllocatorPlugin>(metadata, instance, AllocatorIid, "allocator", m_allocatorPlugins,
                                  [](AllocatorPlugin* p) { return p->allocators(); },
                                  [this](const std::string& id) {
                                      const LoadedAllocatorPlugin* other = findAllocator(id);
                                      return other ? other->metadata.path : QString();
                                  });
}

QString PluginHost::adoptEstimatorPlugin(const PluginMetadata& metadata, QObject* instance)
{
    EstimatorRegistry& registry = EstimatorRegistry::instance();
    const std::string origin = metadata.path.toStdString();
    const auto described = [&origin](SensitivityEstimatorPlugin* p) {
        std::vector<EstimatorDescriptor> offered = p->estimators();
        for (EstimatorDescriptor& d : offered)
            d.origin = origin;
        return offered;
    };
    // Another plugin of this host, or whoever registered the id first (core, another host's library).
    const auto offeredBy = [&](const std::string& id) {
        if (const LoadedEstimatorPlugin* other = findEstimator(id))
            return other->metadata.path;
        const std::optional<EstimatorDescriptor> known = registry.find(id);
        return known && known->origin != origin ? QString::fromStdString(known->origin) : QString();
    };
    const QString refused = adopt<SensitivityEstimatorPlugin>(metadata, instance, EstimatorIid, "estimator",
                                                              m_estimatorPlugins, described, offeredBy);
    if (!refused.isEmpty())
        return refused;
    try {
        for (const EstimatorDescriptor& d : m_estimatorPlugins.back().estimators)
            registry.add(d);
    } catch (const Error& e) {
        m_estimatorPlugins.pop_back();
        return QString::fromStdString(e.what());
    }
    return {};
}

const PluginMetadata* PluginHost::findPlugin(const QString& id) const
{
    for (const LoadedAllocatorPlugin& loaded : m_allocatorPlugins)
        if (loaded.metadata.id == id)
            return &loaded.metadata;
    for (const LoadedEstimatorPlugin& loaded : m_estimatorPlugins)
        if (loaded.metadata.id == id)
            return &loaded.metadata;
    return nullptr;
}

const LoadedAllocatorPlugin* PluginHost::findAllocator(const std::string& id) const
{
    for (const LoadedAllocatorPlugin& loaded : m_allocatorPlugins)
        for (const AllocatorInfo& info : loaded.allocators)
            if (info.id == id)
                return &loaded;
    return nullptr;
}

const LoadedEstimatorPlugin* PluginHost::findEstimator(const std::string& id) const
{
    for (const LoadedEstimatorPlugin& loaded : m_estimatorPlugins)
        for (const EstimatorDescriptor& info : loaded.estimators)
            if (info.id == id)
                return &loaded;
    return nullptr;
}

Allocation PluginHost::allocate(const std::string& id, const AllocationProblem& problem,
                                const AllocatorSettings& settings, Progress& progress) const
{
    const LoadedAllocatorPlugin* loaded = findAllocator(id);
    if (!loaded) {
        std::string offered;
        for (const LoadedAllocatorPlugin& plugin : m_allocatorPlugins)
            for (const AllocatorInfo& info : plugin.allocators)
                offered += (offered.empty() ? "" : ", ") + info.id;
        throw AllocationError("no loaded plugin offers the allocator '" + id + "' (offered: "
                              + (offered.empty() ? "none" : offered) + ")");
    }
    problem.validate();
    return loaded->plugin->allocate(id, problem, settings, progress);
}

} // namespace bitlens
