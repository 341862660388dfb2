// Quantization methods beside round-to-nearest on the demo models: fortunes_lm perplexity at w4
// per-channel, w3 and w2 group64 (and w8 with 8-bit inputs), fmnist_resnet top-1 at w3 and w2
// per-channel, the seconds each method takes per layer, xint's K terms of b bits beside one
// K·b-bit term at (nearly) equal bytes, and one 4096 x 4096 layer quantized by GPTQ from 2,048
// calibration tokens.

#include <torch/script.h>

#include "bench_common.h"

#include "core/data/dataset.h"
#include "core/eval/applied_plan.h"
#include "core/eval/evaluator.h"
#include "core/progress.h"
#include "core/quant/compression_plan.h"
#include "core/quant/layer_compressor.h"
#include "core/quant/memory_cost.h"
#include "core/quant/option_spec.h"
#include "core/runtime.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

using namespace bitlens;

namespace {

const std::vector<std::string> kMethods{"rtn", "gptq", "gptq_act", "awq", "hadamard", "lwc", "sqllm", "sqllm0.5", "smoothquant"};

// A demo model, its data and FP32 figure: perplexity for the language model, else top-1 %.
struct Demo {
    DatasetSplits data;
    std::unique_ptr<Model> model;
    bool language = false;
    double fp32 = 0;

    Demo(const char* name, int64_t calibration, bool isLanguage) : language(isLanguage)
    {
        const std::string path = (std::filesystem::path(demoModelDir()) / name).string();
        NullProgress progress;
        DatasetOptions dataOptions = defaultDatasetOptionsFor(path);
        dataOptions.calibrationSize = calibration;
        data = loadDataset(defaultDatasetFor(path), dataOptions, progress);
        model = Model::load(path);
        model->profile(data.evaluation);
        fp32 = figure(evaluate(*model, data.evaluation, {}, progress));
        std::printf("\n%s: %zu layers, %lld calibration samples, %lld evaluation samples; FP32 %s %.4f\n", name,
                    model->layers().size(), static_cast<long long>(data.calibration.count()),
                    static_cast<long long>(data.evaluation.count()), language ? "perplexity" : "top-1 %", fp32);
    }
    double figure(const EvalResult& r) const { return language ? r.perplexity() : 100.0 * r.top1(); }
    // How much worse than FP32 (perplexity up, accuracy down).
    double gap(double value) const { return language ? value - fp32 : fp32 - value; }
};

// Every method at each spec: the figure evaluation gives, and the seconds applying took.
void compare(const char* name, const std::vector<const char*>& specs, int64_t calibration, bool language,
             const std::vector<std::string>& methods)
{
    const Demo demo(name, calibration, language);
    Model* m = demo.model.get();
    const DatasetSplits& data = demo.data;
    NullProgress progress;
    const size_t layers = m->layers().size();
    std::printf("%-26s %-12s %12s %14s %16s %14s\n", "spec", "method", language ? "perplexity" : "top-1 %",
                "gap to FP32", "apply s (1st)", "s per layer");
    for (const char* spec : specs) {
        double rtnGap = 0;
        for (const std::string& method : methods) {
            std::string full = spec;
            const size_t comma = full.find(',');
            full.insert(comma == std::string::npos ? full.size() : comma, std::string(":") + method);
            const bool inputs = comma != std::string::npos;
            if ((method == "smoothquant") != inputs && method != "rtn" && method != "hadamard")
                continue; // SmoothQuant is for plans that quantize inputs; the others for weights
            if (method.rfind("sqllm", 0) == 0 && full.find("group") != std::string::npos)
                continue; // one codebook per output channel
            const auto start = std::chrono::steady_clock::now();
            const auto applied = AppliedPlan::apply(*m, uniformPlan(full, m->layers()), data.calibration, progress);
            const double applySeconds = bench::secondsSince(start);
            const EvalResult r = applied->evaluate(data.evaluation, {}, progress);
            const double gap = demo.gap(demo.figure(r));
            if (method == "rtn")
                rtnGap = gap;
            std::printf("%-26s %-12s %12.4f %9.4f (%3.0f%%) %16.2f %14.3f\n", spec, method.c_str(), demo.figure(r), gap,
                        rtnGap != 0 ? 100.0 * gap / rtnGap : 100.0, applySeconds, applied->applySeconds() / double(layers));
        }
    }
}

// xint's K terms of b bits beside one term of K·b bits (rtn and gptq), each with its average bits
// per weight (scales included, so K terms of b bits store K sets of scales).
void xintAtEqualBytes(const char* name, const std::vector<std::pair<const char*, const char*>>& pairs,
                      int64_t calibration, bool language)
{
    const Demo demo(name, calibration, language);
    Model& m = *demo.model;
    NullProgress progress;
    std::printf("%-28s %14s %12s %12s\n", "spec", "bits / weight", language ? "perplexity" : "top-1 %", "gap to FP32");
    for (const auto& [xint, wide] : pairs) {
        for (const std::string spec : {std::string(xint), std::string(wide), std::string(wide) + ":gptq"}) {
            const CompressionPlan plan = uniformPlan(spec, m.layers());
            const auto applied = AppliedPlan::apply(m, plan, demo.data.calibration, progress);
            const double value = demo.figure(applied->evaluate(demo.data.evaluation, {}, progress));
            std::printf("%-28s %14.3f %12.4f %12.4f\n", spec.c_str(), planCost(m.layers(), m.totalParams(), plan).averageBits,
                        value, demo.gap(value));
        }
    }
}

// One 4096 x 4096 layer and 2,048 calibration tokens: XᵀX, then GPTQ and RTN at w4 group128.
void bigLayer()
{
    torch::manual_seed(0);
    const torch::Tensor w = torch::randn({4096, 4096}) * 0.02;
    const torch::Tensor x = torch::randn({2048, 4096});
    LayerStatistics stats;
    stats.channels = 4096;
    stats.rows = 2048;
    auto start = std::chrono::steady_clock::now();
    const torch::Tensor x64 = x.to(torch::kFloat64);
    stats.gram = x64.t().matmul(x64);
    stats.channelMeanAbs = x64.abs().mean(0);
    stats.channelMaxAbs = std::get<0>(x64.abs().max(0));
    const double gramSeconds = bench::secondsSince(start);
    std::printf("\n4096 x 4096 layer, 2048 calibration tokens: XᵀX (float64) %.2f s\n", gramSeconds);
    for (const char* spec : {"w4:group128", "w4:group128:gptq", "w4:group128:gptq_act", "w4:group128:awq"}) {
        start = std::chrono::steady_clock::now();
        const CompressedWeight c = compressWeight(w, optionFromSpec(spec), &stats);
        const double seconds = bench::secondsSince(start);
        const double error = torch::matmul(x, (c.effective - w).t()).square().sum().item<double>()
                             / torch::matmul(x, w.t()).square().sum().item<double>();
        std::printf("  %-22s %7.2f s   relative output error %.4e\n", spec, seconds, error);
    }
}

} // namespace

// bench_methods [all|layer|methods [M,M,...]|xint]: everything (the default), the 4096 x 4096
// layer alone, the methods on the demos (all, or the comma-separated ones), or xint at equal bytes.
int main(int argc, char** argv)
{
    configureThreads();
    std::printf("bench_methods: %d cores\n", coreCount());
    const std::string part = argc > 1 ? argv[1] : "all";
    if (part == "all" || part == "layer")
        bigLayer();
    if (part == "all" || part == "methods") {
        std::vector<std::string> methods;
        std::stringstream listed(argc > 2 ? argv[2] : "");
        for (std::string m; std::getline(listed, m, ',');)
            methods.push_back(m);
        if (methods.empty())
            methods = kMethods;
        compare("fortunes_lm.pt", {"w4:per-channel", "w3:per-channel", "w3:group64", "w2:group64", "w8:per-channel,a8"}, 256,
                true, methods);
        compare("fmnist_resnet.pt", {"w3:per-channel", "w2:per-channel"}, 1024, false, methods);
    }
    if (part == "all" || part == "xint") {
        const std::vector<std::pair<const char*, const char*>> lm{
            {"w2x2:group64:xint", "w4:group64"}, {"w3x2:group64:xint", "w6:group64"}, {"w2x4:group64:xint", "w8:group64"}};
        xintAtEqualBytes("fortunes_lm.pt", lm, 256, true);
        const std::vector<std::pair<const char*, const char*>> cnn{
            {"w2x2:per-channel:xint", "w4:per-channel"}, {"w3x2:per-channel:xint", "w6:per-channel"}};
        xintAtEqualBytes("fmnist_resnet.pt", cnn, 1024, false);
    }
}
