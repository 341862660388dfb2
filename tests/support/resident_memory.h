#pragma once
// Resident memory as Linux reports it in /proc/self/status, for the suites and benchmarks that
// check what streaming keeps in memory.

#include "core/progress.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <string>

namespace bitlens::testing {

// One field in KiB ("RssAnon", "RssFile", "VmHWM"); -1 when the kernel does not report it.
inline int64_t statusKiB(const std::string& field)
{
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind(field + ":", 0) == 0)
            return std::stoll(line.substr(field.size() + 1));
    return -1;
}

// A Progress that samples resident memory at every report, that is between the units of work:
// anonymous (working copies) apart from file-backed (mapped file pages).
class ResidentMemoryProbe final : public Progress {
public:
    void report(double, const std::string&) override
    {
        peakAnonKiB = std::max(peakAnonKiB, statusKiB("RssAnon"));
        peakFileKiB = std::max(peakFileKiB, statusKiB("RssFile"));
    }
    bool cancelled() const override { return false; }

    int64_t peakAnonKiB = 0;
    int64_t peakFileKiB = 0;
};

} // namespace bitlens::testing
