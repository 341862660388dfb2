#pragma once
// bitlens-cli's command line: a command, positional arguments, --key value options, --switches.

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace bitlens::cli {

// A mistake in how the command was called (exit code 2), as opposed to a failure running it.
class UsageError final : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct CliArgs {
    std::string command;
    std::vector<std::string> positional;
    std::map<std::string, std::string> options;
    std::set<std::string> switches;

    // Parses argv; options not in `valued` or `flags` are usage errors.
    static CliArgs parse(int argc, char** argv, const std::set<std::string>& valued,
                         const std::set<std::string>& flags);

    bool has(const std::string& sw) const { return switches.count(sw) > 0; }
    std::string value(const std::string& key, const std::string& fallback) const;
    // An integer option, checked to be >= minimum.
    long long integer(const std::string& key, long long fallback, long long minimum) const;
    // A decimal option, checked to lie in [minimum, maximum].
    double real(const std::string& key, double fallback, double minimum, double maximum) const;
};

} // namespace bitlens::cli
