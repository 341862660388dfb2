#include "cli_args.h"

#include <cstdio>
#include <optional>

namespace bitlens::cli {

CliArgs CliArgs::parse(int argc, char** argv, const std::set<std::string>& valued, const std::set<std::string>& flags)
{
    CliArgs a;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("--", 0) == 0 && arg.size() > 2) {
            std::string key = arg.substr(2);
            std::string val;
            const bool inlineValue = key.find('=') != std::string::npos;
            if (inlineValue) {
                val = key.substr(key.find('=') + 1);
                key = key.substr(0, key.find('='));
            }
            if (flags.count(key) && !inlineValue) {
                a.switches.insert(key);
            } else if (valued.count(key)) {
                if (!inlineValue) {
                    if (i + 1 >= argc)
                        throw UsageError("--" + key + " needs a value");
                    val = argv[++i];
                }
                a.options[key] = val;
            } else {
                throw UsageError("unknown option --" + key);
            }
        } else if (a.command.empty()) {
            a.command = arg;
        } else {
            a.positional.push_back(arg);
        }
    }
    return a;
}

std::string CliArgs::value(const std::string& key, const std::string& fallback) const
{
    const auto it = options.find(key);
    return it == options.end() ? fallback : it->second;
}

namespace {

// The whole of `text` read by `convert` (std::stoll, std::stod), or nothing.
template <typename Convert>
auto wholeValue(const std::string& text, Convert convert) -> std::optional<decltype(convert(text, nullptr))>
{
    size_t used = 0;
    try {
        const auto v = convert(text, &used);
        if (!text.empty() && used == text.size())
            return v;
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

} // namespace

long long CliArgs::integer(const std::string& key, long long fallback, long long minimum) const
{
    const auto it = options.find(key);
    if (it == options.end())
        return fallback;
    const auto v = wholeValue(it->second, [](const std::string& s, size_t* used) { return std::stoll(s, used); });
    if (!v)
        throw UsageError("--" + key + " takes a whole number, not '" + it->second + "'");
    if (*v < minimum)
        throw UsageError("--" + key + " must be at least " + std::to_string(minimum));
    return *v;
}

double CliArgs::real(const std::string& key, double fallback, double minimum, double maximum) const
{
    const auto it = options.find(key);
    if (it == options.end())
        return fallback;
    const auto v = wholeValue(it->second, [](const std::string& s, size_t* used) { return std::stod(s, used); });
    if (!v)
        throw UsageError("--" + key + " takes a number, not '" + it->second + "'");
    if (!(*v >= minimum && *v <= maximum)) {
        char range[64];
        std::snprintf(range, sizeof range, "%g and %g", minimum, maximum);
        throw UsageError("--" + key + " must lie between " + range);
    }
    return *v;
}

} // namespace bitlens::cli
