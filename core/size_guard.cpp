#include "size_guard.h"

#include "errors.h"

#include <cstdio>
#include <limits>
#include <unistd.h>

namespace bitlens {
namespace {

[[noreturn]] void refuse(const std::string& what, const std::string& count, const std::string& bytes)
{
    throw Error(what + " claims " + count + " values" + (bytes.empty() ? "" : " (" + bytes + ")")
                + ", more than this machine's memory (" + byteText(double(physicalMemoryBytes())) + ")");
}

} // namespace

uint64_t physicalMemoryBytes()
{
    return uint64_t(sysconf(_SC_PHYS_PAGES)) * uint64_t(sysconf(_SC_PAGE_SIZE));
}

std::string byteText(double bytes)
{
    static const char* const units[] = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
    int unit = 0;
    while (bytes >= 1000.0 && unit < 6) {
        bytes /= 1000.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.3g %s", bytes, units[unit]);
    return text;
}

uint64_t checkedBytes(uint64_t count, uint64_t elementBytes, const std::string& what)
{
    if (elementBytes != 0 && count > std::numeric_limits<uint64_t>::max() / elementBytes)
        refuse(what, std::to_string(count), "");
    const uint64_t bytes = count * elementBytes;
    if (bytes > physicalMemoryBytes())
        refuse(what, std::to_string(count), byteText(double(bytes)));
    return bytes;
}

uint64_t checkedCount(const std::vector<uint64_t>& dims, const std::string& what)
{
    uint64_t count = 1;
    for (const uint64_t d : dims) {
        if (d != 0 && count > std::numeric_limits<uint64_t>::max() / d) {
            std::string shape;
            for (const uint64_t e : dims)
                shape += (shape.empty() ? "" : " x ") + std::to_string(e);
            refuse(what, shape, "");
        }
        count *= d;
    }
    return count;
}

} // namespace bitlens
