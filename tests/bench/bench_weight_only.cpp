// Weight-only analysis of a safetensors checkpoint at LLM scale: writes a synthetic LLaMA-like
// model (embedding, blocks of q/k/v/o and a gated MLP, head; hidden 2048, MLP 5504, vocab 32000 at
// 1 B parameters, all scaled down together for smaller --params) into the temp folder, analyses
// it (statistics + outliers, quantization error), and prints parameters per second per part and
// the peak memory; spectra run on the first --spectra-blocks blocks only (SVD-class cost), in a
// second file holding just those matrices. The file is read from the page cache (just written).
//   bench_weight_only [--params 1e9] [--dtype BF16|F16|F32] [--spectra-blocks 1] [--threads N]

#include <torch/script.h>

#include "bench_common.h"

#include "core/io/safetensors_writer.h"
#include "core/progress.h"
#include "core/runtime.h"
#include "core/stats/sha256.h"
#include "core/stats/weight_only_analysis.h"
#include "tests/support/resident_memory.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>

using namespace bitlens;

namespace {

struct Layout {
    int64_t hidden = 0, mlp = 0, vocab = 0, blocks = 0;

    int64_t blockParams() const { return 4 * hidden * hidden + 3 * hidden * mlp + 2 * hidden; }
    int64_t params() const { return 2 * vocab * hidden + hidden + blocks * blockParams(); }
};

// LLaMA's proportions (MLP 2.6875 × hidden, vocab 15.625 × hidden) at the widest hidden size
// whose embedding, head and one block fit in `params`; as many blocks as then fit.
Layout layoutFor(int64_t params)
{
    Layout l;
    for (int64_t hidden : {2048, 1024, 512, 256, 128}) {
        l = {hidden, hidden * 5504 / 2048, hidden * 32000 / 2048, 1};
        if (l.params() <= params)
            break;
    }
    l.blocks = std::max<int64_t>(1, (params - 2 * l.vocab * l.hidden - l.hidden) / l.blockParams());
    return l;
}

std::vector<SafetensorsTensorSpec> tensorsOf(const Layout& l, int64_t blocks, bool withEnds, const std::string& dtype)
{
    std::vector<SafetensorsTensorSpec> t;
    if (withEnds)
        t.push_back({"model.embed_tokens.weight", dtype, {l.vocab, l.hidden}});
    for (int64_t b = 0; b < blocks; ++b) {
        const std::string p = "model.layers." + std::to_string(b) + ".";
        for (const char* name : {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj"})
            t.push_back({p + name + ".weight", dtype, {l.hidden, l.hidden}});
        t.push_back({p + "mlp.gate_proj.weight", dtype, {l.mlp, l.hidden}});
        t.push_back({p + "mlp.up_proj.weight", dtype, {l.mlp, l.hidden}});
        t.push_back({p + "mlp.down_proj.weight", dtype, {l.hidden, l.mlp}});
        t.push_back({p + "input_layernorm.weight", dtype, {l.hidden}});
        t.push_back({p + "post_attention_layernorm.weight", dtype, {l.hidden}});
    }
    if (withEnds) {
        t.push_back({"model.norm.weight", dtype, {l.hidden}});
        t.push_back({"lm_head.weight", dtype, {l.vocab, l.hidden}});
    }
    return t;
}

// Seeded normal weights (σ 0.02) with a few outlier output channels per matrix; norms of ones.
void writeModel(const std::string& path, const std::vector<SafetensorsTensorSpec>& tensors)
{
    torch::manual_seed(0);
    writeSafetensors(path, tensors, [&](size_t i, float* out) {
        const torch::Tensor t = torch::from_blob(out, tensors[i].shape);
        if (t.dim() == 1) {
            t.fill_(1.0f);
            return;
        }
        t.normal_(0.0, 0.02);
        for (int64_t row : {3, 100, 1000})
            if (row < t.size(0))
                t[row].mul_(12.0f);
    });
}

double fileGB(const std::string& path)
{
    return double(std::filesystem::file_size(path)) / 1e9;
}

} // namespace

int main(int argc, char** argv)
{
    std::map<std::string, std::string> args{{"--params", "1e9"}, {"--dtype", "BF16"}, {"--spectra-blocks", "1"}, {"--threads", "0"}};
    for (int i = 1; i < argc; i += 2) {
        if (!args.count(argv[i]) || i + 1 == argc) {
            std::fprintf(stderr, "usage: bench_weight_only [--params 1e9] [--dtype BF16|F16|F32] [--spectra-blocks 1] [--threads N]\n");
            return 2;
        }
        args[argv[i]] = argv[i + 1];
    }
    const int threads = configureThreads(std::stoi(args["--threads"])); // torch::set_num_threads, 0: one per core
    std::printf("bench_weight_only: %d cores, %d threads\n", coreCount(), threads);
    const Layout l = layoutFor(int64_t(std::stod(args["--params"])));
    const std::string dtype = args["--dtype"];
    const auto folder = std::filesystem::temp_directory_path();
    const std::string path = (folder / ("bitlens_weight_only_" + std::to_string(getpid()) + ".safetensors")).string();
    const std::string spectraPath = (folder / ("bitlens_weight_only_spectra_" + std::to_string(getpid()) + ".safetensors")).string();
    struct Cleanup {
        std::vector<std::string> files;
        ~Cleanup()
        {
            for (const std::string& f : files)
                std::filesystem::remove(f);
        }
    } cleanup{{path, spectraPath}};

    auto start = std::chrono::steady_clock::now();
    writeModel(path, tensorsOf(l, l.blocks, true, dtype));
    const double params = double(l.params());
    std::printf("model: hidden %lld, MLP %lld, vocab %lld, %lld blocks: %.1f M parameters, %s, %.2f GB (written in %.1f s)\n",
                static_cast<long long>(l.hidden), static_cast<long long>(l.mlp), static_cast<long long>(l.vocab),
                static_cast<long long>(l.blocks), params / 1e6, dtype.c_str(), fileGB(path), bench::secondsSince(start));

    // The writer's buffers are gone; the peak from here on is the analysis's.
    if (!testing::resetPeakResident())
        std::printf("(the kernel refused to reset VmHWM: the peak below is the process's, writing included)\n");
    const double baseMiB = testing::statusMiB("VmHWM"), anonBeforeMiB = testing::statusMiB("RssAnon"),
                 fileBeforeMiB = testing::statusMiB("RssFile");
    start = std::chrono::steady_clock::now();
    const std::string digest = sha256File(path);
    const double hashSeconds = bench::secondsSince(start);
    AnalysisOptions options = weightOnlyAnalysisOptions();
    options.spectra = false;
    testing::ResidentMemoryProbe probe;
    start = std::chrono::steady_clock::now();
    const ModelAnalysis a = analyzeSafetensors(path, options, probe);
    const double total = bench::secondsSince(start);
    const double peakMiB = testing::statusMiB("VmHWM");
    int64_t largest = 0;
    for (const LayerInfo& layer : a.layers)
        largest = std::max(largest, layer.weightParams);

    std::printf("%-44s %9s %12s\n", "part", "seconds", "M params/s");
    const auto row = [&](const char* part, double seconds, double count) {
        std::printf("%-44s %9.2f %12.1f\n", part, seconds, count / 1e6 / seconds);
    };
    row("sha256 of the file, alone", hashSeconds, params);
    row("sha256 + read + convert + release (the rest)", total - a.statisticsSeconds - a.quantErrorSeconds, params);
    row("statistics + outliers", a.statisticsSeconds, params);
    row(("quantization error (" + std::to_string(a.quantError.options.size()) + " options)").c_str(), a.quantErrorSeconds, params);
    row("total", total, params);
    std::printf("peak resident (VmHWM) %.0f MiB, %.0f MiB before the analysis; growth between tensors at most %.0f MiB "
                "anonymous, %.0f MiB file-backed; file %.0f MiB; largest tensor %.0f MiB as float32 (sha256 %.12s…)\n",
                peakMiB, baseMiB, double(probe.peakAnonKiB) / 1024.0 - anonBeforeMiB,
                double(probe.peakFileKiB) / 1024.0 - fileBeforeMiB, fileGB(path) * 1e9 / 1048576.0,
                double(largest) * 4 / 1048576.0, digest.c_str());
    std::filesystem::remove(path);

    const int64_t spectraBlocks = std::min<int64_t>(std::stoll(args["--spectra-blocks"]), l.blocks);
    if (spectraBlocks > 0) {
        writeModel(spectraPath, tensorsOf(l, spectraBlocks, false, dtype));
        options = weightOnlyAnalysisOptions();
        options.statistics = options.quantError = false;
        NullProgress quiet;
        const ModelAnalysis s = analyzeSafetensors(spectraPath, options, quiet);
        double matrices = 0;
        for (const LayerInfo& layer : s.layers)
            matrices += double(layer.weightParams);
        row(("spectra, Gram (" + std::to_string(s.layers.size()) + " matrices of " + std::to_string(spectraBlocks)
             + " block(s))").c_str(),
            s.spectraSeconds, matrices);
    }
    return 0;
}
