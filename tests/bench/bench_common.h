#pragma once
// Shared by the benchmarks: a wall clock, a median, and the demo model paths.

#include "core/model/model.h"
#include "core/stopwatch.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace bitlens::bench {

using bitlens::secondsSince;

inline double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// The median wall-clock seconds of `repeats` calls of `work`.
template <typename Work>
double medianSeconds(int repeats, Work work)
{
    std::vector<double> seconds;
    for (int r = 0; r < repeats; ++r) {
        const auto start = std::chrono::steady_clock::now();
        work();
        seconds.push_back(secondsSince(start));
    }
    return median(seconds);
}

// The demo models, plus the cached ResNet-18 when resources/models/train_resnet18.py made one.
inline std::vector<std::string> benchModels()
{
    const std::filesystem::path dir = demoModelDir();
    std::vector<std::string> models{(dir / "fmnist_cnn.pt").string(), (dir / "fmnist_resnet.pt").string()};
    if (const char* home = std::getenv("HOME")) {
        const std::filesystem::path r18 = std::filesystem::path(home) / ".cache/bitlens/resnet18_fmnist.pt";
        if (std::filesystem::exists(r18))
            models.push_back(r18.string());
    }
    return models;
}

} // namespace bitlens::bench
