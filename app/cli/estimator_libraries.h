#pragma once
// Estimator plugins for bitlens-cli, which has no Qt and so no QPluginLoader: the libraries of the
// plugin folders that export kEstimatorLibraryEntry (estimator_registry.h) are opened with dlopen
// and their descriptors registered, as PluginHost does in the GUI. Libraries without the entry
// (allocator plugins) are closed again. A plugin built against Qt needs Qt's libraries at run time.

#include <string>
#include <vector>

namespace bitlens::cli {

// <executable dir>/plugins, <executable dir>/../plugins, then each folder of BITLENS_PLUGIN_PATH,
// as PluginHost::defaultFolders() minus the GUI's per-user folder.
std::vector<std::string> estimatorPluginFolders();

// Registers the estimators of every library in `folders` (name order, first id wins). Returns one
// sentence per library that could not be opened or whose estimators clash, naming the file.
std::vector<std::string> loadEstimatorLibraries(const std::vector<std::string>& folders);

} // namespace bitlens::cli
