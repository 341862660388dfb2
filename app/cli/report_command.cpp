// bitlens-cli report: the report folder's figures need Qt, which bitlens-cli does without so that
// it runs on servers that have none. bitlens-report, built beside it with the GUI, does the work.

#include "cli_commands.h"

#include "core/errors.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <unistd.h>

namespace bitlens::cli {

int runReport(const CliArgs& args)
{
    std::error_code ec;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    const std::filesystem::path report = self.parent_path() / "bitlens-report";
    if (ec || access(report.c_str(), X_OK) != 0)
        throw Error("report needs the Qt part of BitLens: there is no " + report.string()
                    + " (build BitLens with BITLENS_BUILD_GUI=ON)");
    // The same arguments, parsed once more there; "--key=value" keeps a value that starts with "--".
    std::vector<std::string> arguments{report.string()};
    for (const auto& [key, value] : args.options)
        arguments.push_back("--" + key + "=" + value);
    for (const std::string& flag : args.switches)
        arguments.push_back("--" + flag);
    arguments.insert(arguments.end(), args.positional.begin(), args.positional.end());
    std::vector<char*> argv;
    for (std::string& a : arguments)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    std::fflush(nullptr);
    execv(report.c_str(), argv.data()); // returns only when it failed; else its exit code is ours
    throw Error(report.string() + ": cannot run (" + std::strerror(errno) + ")");
}

} // namespace bitlens::cli
