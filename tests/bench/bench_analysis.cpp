// Wall time and the analysis's own peak memory (VmHWM reset before it, and its growth over the
// resident size it started from) of the layer analysis: everything for the demo models (calibration
// 1,024 samples), and weight statistics + spectra for a synthetic 100 M-parameter linear stack.

#include "bench_common.h"

#include "core/data/dataset.h"
#include "core/progress.h"
#include "core/runtime.h"
#include "core/stats/model_analysis.h"
#include "tests/support/fixtures.h"
#include "tests/support/resident_memory.h"

#include <cstdio>
#include <cstring>

using namespace bitlens;

namespace {

// The analysis's own peak: VmHWM reset just before it, and the resident size it started from.
struct PeakMemory {
    double beforeMiB = testing::statusMiB("VmRSS");
    bool reset = testing::resetPeakResident();
};

void report(const char* label, const ModelAnalysis& a, double total, const PeakMemory& memory)
{
    const double peak = testing::statusMiB("VmHWM");
    std::printf("%-34s %8.3f %8.3f %8.3f %8.3f %8.3f %10.0f %10.0f %10.0f%s\n", label, a.statisticsSeconds,
                a.activationSeconds, a.spectraSeconds, a.quantErrorSeconds, total, memory.beforeMiB, peak,
                peak - memory.beforeMiB, memory.reset ? "" : " (process peak: VmHWM could not be reset)");
}

} // namespace

int main(int argc, char** argv)
{
    const bool skipLarge = argc > 1 && std::strcmp(argv[1], "--no-large") == 0;
    configureThreads();
    std::printf("bench_analysis: %d cores, %d threads\n", coreCount(), threadCount());
    NullProgress progress;
    const DatasetSplits data = loadDataset(defaultDatasetPath(), {}, progress);
    // Resident memory in MiB: before the analysis, its peak (VmHWM reset at its start), and the
    // growth (peak − before), which is what the analysis itself needed.
    std::printf("%-34s %8s %8s %8s %8s %8s %10s %10s %10s\n", "model", "weights", "inputs", "spectra", "q.error",
                "total s", "RSS before", "peak", "growth");
    for (const std::string& path : bench::benchModels()) {
        auto model = Model::load(path);
        model->profile(data.evaluation);
        const PeakMemory memory;
        const auto start = std::chrono::steady_clock::now();
        const ModelAnalysis a = analyzeModel(*model, {}, &data.calibration, progress);
        report(std::filesystem::path(path).filename().c_str(), a, bench::secondsSince(start), memory);
    }
    if (skipLarge)
        return 0;
    const std::string stack = (std::filesystem::temp_directory_path() / "bitlens_linear_stack.pt").string();
    testing::writeLinearStack(stack, 4096, 6);
    auto model = Model::load(stack);
    AnalysisOptions options;
    options.activations = false;
    options.quantError = false;
    const PeakMemory memory;
    const auto start = std::chrono::steady_clock::now();
    const ModelAnalysis a = analyzeModel(*model, options, nullptr, progress);
    report("linear stack 6 x 4096^2 (100.7 M)", a, bench::secondsSince(start), memory);
    std::filesystem::remove(stack);
    return 0;
}
