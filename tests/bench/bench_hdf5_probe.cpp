// What reading HDF5 files in a child process first costs (core/io/hdf5_probe.h): the whole open
// (the child's read, then the read in-process) beside the read alone (hdf5_reader.h's unprobed
// split reader) and a child that reads nothing (fork, exit, wait). Medians of 5 runs.
#include "bench_common.h"

#include "core/data/dataset.h"
#include "core/data/hdf5_reader.h"
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

void row(const std::string& what, const std::string& path, const std::function<void()>& open,
         const std::function<void()>& readAlone)
{
    const double whole = bench::medianSeconds(5, open);
    const double empty = bench::medianSeconds(5, [&] { probeHdf5File(path, [] {}); });
    std::printf("%-40s %9.1f KB  open %8.2f ms", what.c_str(), double(std::filesystem::file_size(path)) / 1e3, whole * 1e3);
    if (readAlone)
        std::printf("  read alone %8.2f ms", bench::medianSeconds(5, readAlone) * 1e3);
    std::printf("  empty child %6.2f ms\n", empty * 1e3);
}

} // namespace

int main()
{
    configureThreads(0);
    std::printf("bench_hdf5_probe: %u cores\n", std::thread::hardware_concurrency());
    const std::string zoo = std::string(BITLENS_SOURCE_DIR) + "/tests/data/zoo/";
    const std::string images = writeImages((std::filesystem::temp_directory_path() / "bitlens_probe_images.h5").string());
    DatasetOptions options;
    options.contextLength = 16; // the zoo's token file is short
    NullProgress quiet;
    for (const std::string& path : {zoo + "images.h5", images}) {
        row("dataset " + std::filesystem::path(path).filename().string(), path, [&] { loadDataset(path, options, quiet); },
            [&] {
                for (const std::string& split : hdf5Splits(path))
                    readHdf5Split(path, split);
            });
    }
    const std::string bundle = std::string(BITLENS_SOURCE_DIR) + "/tests/fuzz/corpus/fuzz_bundle/hessian.h5";
    row("analysis bundle (Hessian + sensitivity)", bundle, [&] { readAnalysisBundle(bundle); }, {});
    std::filesystem::remove(images);
}
