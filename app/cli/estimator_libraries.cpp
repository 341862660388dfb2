#include "estimator_libraries.h"

#include "core/analysis/estimator_registry.h"
#include "core/errors.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

namespace bitlens::cli {
namespace {

namespace fs = std::filesystem;

bool isLibraryName(const fs::path& file)
{
    const std::string name = file.filename().string();
    return file.extension() == ".so" || name.find(".so.") != std::string::npos;
}

// The reason a library was skipped, or an empty string.
std::string load(const fs::path& path)
{
    // RTLD_LOCAL keeps each plugin's symbols to itself; it stays open: its compute functions run later.
    void* library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!library)
        return dlerror();
    const auto entry = reinterpret_cast<EstimatorLibraryEntry>(dlsym(library, kEstimatorLibraryEntry));
    if (!entry) { // not an estimator plugin of this version
        dlclose(library);
        return {};
    }
    std::vector<EstimatorDescriptor> descriptors;
    try {
        entry(&descriptors);
        for (EstimatorDescriptor& d : descriptors) {
            d.origin = path.string();
            EstimatorRegistry::instance().add(std::move(d));
        }
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}

} // namespace

std::vector<std::string> estimatorPluginFolders()
{
    std::error_code error;
    const fs::path executableDir = fs::read_symlink("/proc/self/exe", error).parent_path();
    std::vector<std::string> folders;
    if (!error)
        folders = {(executableDir / "plugins").string(), (executableDir / ".." / "plugins").lexically_normal().string()};
    if (const char* path = std::getenv("BITLENS_PLUGIN_PATH")) {
        std::istringstream parts(path);
        for (std::string folder; std::getline(parts, folder, ':');)
            if (!folder.empty())
                folders.push_back(folder);
    }
    return folders;
}

std::vector<std::string> loadEstimatorLibraries(const std::vector<std::string>& folders)
{
    std::vector<std::string> problems;
    std::set<fs::path> seen; // canonical paths: a folder named twice or a symlink loads once
    for (const std::string& folder : folders) {
        std::error_code error;
        std::vector<fs::path> files;
        for (const fs::directory_entry& entry : fs::directory_iterator(folder, error))
            if (entry.is_regular_file() && isLibraryName(entry.path()))
                files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        for (const fs::path& file : files) {
            if (!seen.insert(fs::canonical(file, error)).second)
                continue;
            if (const std::string cause = load(file); !cause.empty())
                problems.push_back("Plugin " + file.string() + " was skipped: " + cause + ".");
        }
    }
    return problems;
}

} // namespace bitlens::cli
