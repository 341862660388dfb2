#include "file_readers.h"

#include "core/data/dataset.h"
#include "core/data/idx_reader.h"
#include "core/data/sample_set.h"
#include "core/errors.h"
#include "core/io/analysis_bundle.h"
#include "core/io/model_sidecar.h"
#include "core/io/packed_weights.h"
#include "core/io/safetensors_file.h"
#include "core/model/model.h"
#include "core/model/safetensors_layers.h"
#include "core/progress.h"
#include "core/quant/compression_plan.h"
#include "core/stats/model_analysis.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace bitlens::fuzz {
namespace {

// A folder of this process's own, removed at exit; files in it are rewritten per input.
const std::filesystem::path& scratchFolder()
{
    static const std::filesystem::path folder = [] {
        const std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
        std::filesystem::path f = base / ("bitlens-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(f);
        std::atexit([] { std::error_code ec; std::filesystem::remove_all(scratchFolder(), ec); });
        return f;
    }();
    return folder;
}

std::string writeInput(const std::string& name, const uint8_t* data, size_t size)
{
    const std::filesystem::path path = scratchFolder() / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return path.string();
}

// Both IDX files in one input: its first two bytes say where the images end.
void idxPair(const uint8_t* data, size_t size)
{
    if (size < 2)
        return;
    const size_t split = std::min<size_t>(size - 2, size_t(data[0]) << 8 | data[1]);
    const std::string images = writeInput("images-idx3-ubyte", data + 2, split);
    const std::string labels = writeInput("labels-idx1-ubyte", data + 2 + split, size - 2 - split);
    readIdxPair(images, labels, "train");
}

// /inputs + /labels, /train and /test groups, or token streams, through loadDataset.
void hdf5Dataset(const uint8_t* data, size_t size)
{
    DatasetOptions options;
    options.calibrationSize = 8;
    options.contextLength = 4;
    NullProgress progress;
    loadDataset(writeInput("data.h5", data, size), options, progress);
}

// A language model's text: read, split and cut into windows (short ones, so a few bytes make some).
void tokenCorpus(const uint8_t* data, size_t size)
{
    DatasetOptions options;
    options.calibrationSize = 8;
    options.contextLength = size > 0 ? 1 + data[0] % 16 : 4;
    NullProgress progress;
    loadDataset(writeInput("corpus.txt", data, size), options, progress);
}

// An analysis bundle and the session saved in it: each read is refused on its own.
void bundle(const uint8_t* data, size_t size)
{
    const std::string path = writeInput("analysis.h5", data, size);
    isAnalysisBundle(path);
    try {
        readAnalysisBundle(path);
    } catch (const Error&) {
    }
    readSessionState(path);
}

// A plan file, which must also write back (a plan that loads but cannot be saved is lost work),
// and one option's JSON as a bundle stores it.
void plan(const uint8_t* data, size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        planToJson(planFromJson(text, "plan.json"));
    } catch (const Error&) {
    }
    optionFromJsonText(text, "option");
}

// The sidecar read whenever a model opens, from next to the model.
void sidecar(const uint8_t* data, size_t size)
{
    writeInput("model.json", data, size);
    readSidecar((scratchFolder() / "model.pt").string());
}

// Header, tensor table, the layers found, and every tensor converted as the weight-only analysis does.
void safetensors(const uint8_t* data, size_t size)
{
    const SafetensorsFile file(writeInput("model.safetensors", data, size));
    safetensorsLayers(file);
    std::vector<float> values;
    for (const SafetensorsTensor& t : file.tensors()) {
        if (!t.convertible())
            continue;
        values.resize(static_cast<size_t>(t.elements()));
        file.readFloat32(t, values.data());
        file.release(t);
    }
}

void packedWeights(const uint8_t* data, size_t size)
{
    readPackedWeights(writeInput("weights.h5", data, size));
}

// Eight floats per sample: what the TorchScript seeds take (make_seeds.py); a damaged model may
// want anything else, which profile() refuses.
SampleSet probe()
{
    SampleSet s;
    s.source = "probe";
    s.split = "calibration";
    s.sampleShape = {8};
    s.type = SampleType::Float32;
    s.data.assign(2 * 8 * sizeof(float), 0);
    s.labels = {0, 1};
    return s;
}

// LibTorch's zip reader and unpickler, layer discovery, and one forward, as opening a model runs.
void torchScript(const uint8_t* data, size_t size)
{
    static const SampleSet sample = probe();
    Model::load(writeInput("model.pt", data, size))->profile(sample);
}

} // namespace

const std::vector<FileReader>& fileReaders()
{
    static const std::vector<FileReader> readers{
        {"fuzz_idx", "IDX images and labels", idxPair},
        {"fuzz_hdf5_dataset", "HDF5 dataset", hdf5Dataset},
        {"fuzz_token_corpus", "text corpus", tokenCorpus},
        {"fuzz_bundle", "analysis bundle and session", bundle},
        {"fuzz_plan", "plan JSON", plan},
        {"fuzz_sidecar", "model sidecar JSON", sidecar},
        {"fuzz_safetensors", "safetensors checkpoint", safetensors},
        {"fuzz_packed_weights", "packed weights", packedWeights},
        {"fuzz_torchscript", "TorchScript archive", torchScript},
    };
    return readers;
}

ByteReader readerFor(const std::string& target)
{
    for (const FileReader& r : fileReaders()) {
        if (target == r.target)
            return r.read;
    }
    throw std::invalid_argument("no file reader named " + target);
}

} // namespace bitlens::fuzz
