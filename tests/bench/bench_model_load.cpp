// Model load + layer discovery time, and profiling (one captured forward for MACs).

#include "bench_common.h"

#include "core/data/dataset.h"
#include "core/progress.h"
#include "core/runtime.h"

#include <cstdio>

using namespace bitlens;

int main()
{
    const int threads = configureThreads();
    std::printf("bench_model_load: %d cores, %d LibTorch threads\n", coreCount(), threads);
    NullProgress progress;
    DatasetOptions options;
    options.calibrationSize = 16;
    const DatasetSplits data = loadDataset(defaultDatasetPath(), options, progress);

    std::printf("%-44s %7s %14s %14s\n", "model", "layers", "load+discover", "profile");
    for (const std::string& path : bench::benchModels()) {
        std::vector<double> load, profile;
        size_t layers = 0;
        for (int rep = 0; rep < 7; ++rep) {
            auto start = std::chrono::steady_clock::now();
            auto model = Model::load(path);
            load.push_back(bench::secondsSince(start));
            start = std::chrono::steady_clock::now();
            model->profile(data.evaluation);
            profile.push_back(bench::secondsSince(start));
            layers = model->layers().size();
        }
        std::printf("%-44s %7zu %11.1f ms %11.1f ms   (median of 7)\n", path.c_str(), layers,
                    1e3 * bench::median(load), 1e3 * bench::median(profile));
    }
    return 0;
}
