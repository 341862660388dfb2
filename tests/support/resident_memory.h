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

inline double statusMiB(const std::string& field)
{
    return double(statusKiB(field)) / 1024.0;
}

// Resets the kernel's high-water mark (VmHWM) to the present resident size ("5" written to
// /proc/self/clear_refs, Linux 4.0 on), so that a later VmHWM is the peak of what ran in between
// rather than the process's since it started. False where the kernel refuses.
inline bool resetPeakResident()
{
    std::ofstream out("/proc/self/clear_refs");
    out << "5" << std::flush;
    return bool(out);
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
