#pragma once
// Wall-clock seconds since a start point: what results report as their `seconds`.

#include <chrono>

namespace bitlens {

inline double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace bitlens
