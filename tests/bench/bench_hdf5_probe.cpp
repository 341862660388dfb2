// What reading HDF5 files in a child process first costs (core/io/hdf5_probe.h): for datasets
// and bundles, the whole open (probe + read in-process) beside the probe alone (fork, the child's
// read, its exit). Prints medians of 5 runs.
#include "bench_common.h"

#include "core/data/dataset.h"
#include "core/io/analysis_bundle.h"
#include "core/io/hdf5_probe.h"
#include "core/progress.h"
#include "core/runtime.h"
#include "core/stats/model_analysis.h"

#include <H5Cpp.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

using namespace bitlens;

namespace {

// 60,000 images of 28 x 28 bytes, as Fashion-MNIST's training split in one HDF5 file.
std::string writeImages(const std::string& path)
{
    std::vector<uint8_t> pixels(size_t(60000) * 28 * 28);
    std::mt19937 rng(1);
    for (uint8_t& p : pixels)
        p = uint8_t(rng());
    std::vector<int64_t> labels(60000);
    for (size_t i = 0; i < labels.size(); ++i)
        labels[i] = int64_t(i % 10);
    H5::H5File file(path, H5F_ACC_TRUNC);
    const hsize_t dims[3] = {60000, 28, 28};
    file.createDataSet("inputs", H5::PredType::NATIVE_UINT8, H5::DataSpace(3, dims)).write(pixels.data(), H5::PredType::NATIVE_UINT8);
    file.createDataSet("labels", H5::PredType::NATIVE_INT64, H5::DataSpace(1, dims)).write(labels.data(), H5::PredType::NATIVE_INT64);
    return path;
}

void row(const std::string& what, const std::string& path, const std::function<void()>& open, const std::function<void()>& read)
{
    const double whole = bench::medianSeconds(5, open);
    const double probe = bench::medianSeconds(5, [&] { probeHdf5File(path, read); });
    std::printf("%-44s %9.1f KB  open %8.2f ms  of which the child %8.2f ms (%4.1f %%)\n", what.c_str(),
                double(std::filesystem::file_size(path)) / 1e3, whole * 1e3, probe * 1e3, 100.0 * probe / whole);
}

} // namespace

int main()
{
    configureThreads(0);
    std::printf("bench_hdf5_probe: %u cores\n", std::thread::hardware_concurrency());
    const std::string zoo = std::string(BITLENS_SOURCE_DIR) + "/tests/data/zoo/";
    const std::string images = writeImages((std::filesystem::temp_directory_path() / "bitlens_probe_images.h5").string());
    DatasetOptions options;
    NullProgress quiet;
    for (const std::string& path : {zoo + "images.h5", zoo + "tokens.h5", images}) {
        const auto load = [&] { loadDataset(path, options, quiet); };
        row("dataset " + std::filesystem::path(path).filename().string(), path, load, load);
    }
    const std::string bundle = std::string(BITLENS_SOURCE_DIR) + "/tests/fuzz/corpus/fuzz_bundle/hessian.h5";
    const auto read = [&] { readAnalysisBundle(bundle); };
    row("analysis bundle (Hessian + sensitivity)", bundle, read, read);
    std::filesystem::remove(images);
}
