#include "cli_commands.h"
#include "cli_support.h"

#include "core/eval/applied_plan.h"
#include "core/eval/eval_result_json.h"
#include "core/eval/evaluator.h"
#include "core/io/model_sidecar.h"
#include "core/runtime.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace bitlens::cli {

using nlohmann::json;

// --batch auto's first try on a GPU; halved while it does not fit.
constexpr int64_t kAutoBatchStart = 1024;

void printUsage()
{
    std::cout << "usage: bitlens-cli COMMAND [options]\n\n"
                 "commands:\n"
                 "  info MODEL                           compressible layers (name, kind, shape, params, MACs, uses)\n"
                 "  eval MODEL [--plan PLAN.json]        loss, top-1, top-5 on the evaluation split (perplexity and\n"
                 "                                       next-token accuracy for a language model); with a plan,\n"
                 "                                       of the compressed model, plus bytes, bits and BOPs\n"
                 "  plan MODEL --uniform SPEC [--rank F] --out PLAN.json\n"
                 "                                       write a uniform plan, e.g. SPEC w4:per-channel,a8 or\n"
                 "                                       w3:group64:gptq (methods: README \"Methods\")\n"
                 "  eval, export: --sequential           GPTQ/AWQ/... calibrate each layer on the inputs the\n"
                 "                                       compressed layers before it give (default: FP32 inputs)\n"
                 "  export MODEL --plan PLAN.json --out DIR\n"
                 "                                       write model.pt, weights.h5, plan.json, encodings.json\n"
                 "                                       (MODEL.safetensors: weights.h5 and plan.json)\n"
                 "  analyze MODEL --out BUNDLE.h5 [--stats] [--activations] [--spectra] [--quant-error]\n"
                 "                                       per-layer weight and input statistics, SVD spectra,\n"
                 "                                       quantization error into an HDF5 bundle (all when none named);\n"
                 "                                       --sigmas 3,6 sets the k of the beyond-k·σ fractions;\n"
                 "         [--method-error]              each layer's output error at 2/3/4/8 bits by rtn, gptq,\n"
                 "                                       awq, hadamard (not part of \"all\": GPTQ and AWQ per layer)\n"
                 "         [--hessian] [--sensitivity]   Hessian top eigenvalues, traces, densities; predicted and\n"
                 "                                       measured ΔLoss per layer and option, with\n"
                 "                                       --estimators measured,hawq,llc,input-noise,fisher (default),\n"
                 "                                       weight-error, or a plugin's (plugins/, BITLENS_PLUGIN_PATH)\n"
                 "                                       --candidates w2,w4,w8,fp8_e4m3,rank0.5,w3:gptq (SPEC[+rankF])\n"
                 "                                       --hessian-samples N (512) --hessian-batches B (4) --top-k K (3)\n"
                 "                                       --layers REGEX: the Hessian of the layers it matches (whole names)\n"
                 "  eval, analyze: --device cpu|cuda[:N] (cpu) --precision fp32|tf32|bf16 (fp32): where and how the\n"
                 "                                       forward passes and Hessian products run (a CUDA LibTorch)\n"
                 "  analyze MODEL.safetensors --out BUNDLE.h5 [--stats] [--spectra] [--quant-error]\n"
                 "                                       weights only (F32/F16/BF16), streamed tensor by tensor, with\n"
                 "                                       the weight-error cost table (‖Q(W) − W‖²) for allocate\n"
                 "  show BUNDLE.h5                       a bundle's per-layer summary\n"
                 "  merge A.h5 B.h5 ... --out M.h5       one bundle from the Hessians of disjoint layer subsets\n"
                 "                                       (analyze --hessian --layers), same calibration batches\n"
                 "  allocate --bundle B.h5 --budget 4bits|1.5MB --out PLAN.json [--bops N]\n"
                 "         [--allocator knapsack|two-constraint|greedy-hull|lossless|evolutionary]\n"
                 "         [--estimator measured|hawq|llc|input-noise|fisher|weight-error] [--pin L=OPT,...] [--tie A,B;C,D]\n"
                 "         [--dump-problem FILE]         a plan from the bundle's cost table under the budget;\n"
                 "                                       evolutionary: --evaluations N (200) --fitness-samples N (512)\n"
                 "  pareto --bundle B.h5 --out FRONT.csv  every optimal plan, smallest to largest\n"
                 "  graph MODEL --out FILE[,FILE...] [--bundle B.h5] [--plan PLAN.json] [--color FIGURE]\n"
                 "         [--aggregate max|sum|mean] [--expand none|auto|all] [--estimator E]\n"
                 "                                       the model's graph folded by modules, coloured by a per-layer\n"
                 "                                       figure (lambda_max, trace, weight_kurtosis, input_kurtosis,\n"
                 "                                       outlier_percent, alpha, delta_loss, bits, rank, bytes, method):\n"
                 "                                       .svg, .pdf, .dot, .json (Model Explorer node data),\n"
                 "                                       .metrics.json (Netron attachment)\n"
                 "  report --bundle B.h5 --plan PLAN.json --out DIR [--estimator E]\n"
                 "                                       a folder for a paper: every figure (PNG, PDF), CSV tables,\n"
                 "                                       report.json, index.html, the plan's measured accuracy;\n"
                 "                                       runs bitlens-report (the Qt part) from this folder\n\n"
                 "options:\n"
                 "  --data PATH    IDX folder/file, HDF5 file, or for a language model a text file, a folder of\n"
                 "                 text files or an HDF5 file of /tokens (default: the dataset the model's\n"
                 "                 sidecar names, else Debian's Fashion-MNIST)\n"
                 "  --context T    tokens per language-model window (default: the sidecar's, else 128)\n"
                 "  --calib N      calibration samples drawn from the training split (default 1024)\n"
                 "  --seed N       seed of the calibration subset (default 0)\n"
                 "  --limit N      evaluate only the first N samples\n"
                 "  --batch N|auto evaluation batch size (default 500); auto: on a GPU from 1024, halved while\n"
                 "                 a batch does not fit its free memory (the CPU starts at the default)\n"
                 "  --threads N    compute threads (default: one per core not busy with other work)\n"
                 "  --json         one JSON object on stdout instead of text\n"
                 "  --quiet        no progress on stderr (default: a bar at a terminal, else a line every 5 s)\n";
}

int runInfo(const CliArgs& args)
{
    TerminalProgress progress(args);
    const Workspace w = openWorkspace(args, progress);
    const std::string& modelPath = w.modelPath;
    const Model* model = w.model.get();
    const DatasetSplits& data = w.data;
    const auto sidecar = readSidecar(modelPath);

    int64_t compressible = 0;
    for (const LayerInfo& l : model->layers())
        compressible += l.params();

    if (args.has("json")) {
        json layers = json::array();
        for (const LayerInfo& l : model->layers()) {
            layers.push_back({{"name", l.name}, {"kind", kindName(l.kind)}, {"shape", l.weightShape},
                              {"params", l.params()}, {"weight_params", l.weightParams},
                              {"bias_params", l.biasParams}, {"macs", l.macsPerSample}, {"calls", l.calls}});
        }
        json out = {{"model", modelPath}, {"data", data.path}, {"layers", layers},
                    {"layer_count", model->layers().size()}, {"total_params", model->totalParams()},
                    {"compressible_params", compressible}, {"total_macs", model->totalMacs()},
                    {"input_shape", data.evaluation.sampleShape}, {"output_shape", model->outputShape()},
                    {"sidecar", sidecar ? json::parse(sidecar->json) : json(nullptr)}};
        std::cout << out.dump() << "\n";
        return 0;
    }

    std::printf("%s: %zu compressible layers, %s parameters (%s compressible), %s MACs per sample\n",
                modelPath.c_str(), model->layers().size(), humanCount(double(model->totalParams())).c_str(),
                humanCount(double(compressible)).c_str(), humanCount(double(model->totalMacs())).c_str());
    std::printf("%-28s %-9s %-14s %10s %12s %5s\n", "name", "kind", "shape", "params", "MACs", "uses");
    for (const LayerInfo& l : model->layers()) {
        std::printf("%-28s %-9s %-14s %10lld %12lld %5d%s\n", l.name.c_str(), kindName(l.kind),
                    shapeString(l.weightShape).c_str(), static_cast<long long>(l.params()),
                    static_cast<long long>(l.macsPerSample), l.calls, l.calls > 1 ? " (tied)" : "");
    }
    std::printf("%-28s %-9s %-14s %10lld %12lld\n", "total", "", "", static_cast<long long>(compressible),
                static_cast<long long>(model->totalMacs()));
    if (sidecar && sidecar->testSamples > 0)
        std::printf("sidecar %s: test accuracy %.4f, test loss %.4f\n", sidecar->path.c_str(),
                    sidecar->testAccuracy, sidecar->testLoss);
    return 0;
}

int runEval(const CliArgs& args)
{
    TerminalProgress progress(args);
    Workspace w = openWorkspace(args, progress);
    const DatasetSplits& data = w.data;
    EvalOptions options;
    options.limit = args.integer("limit", 0, 1);
    options.compute = computeOptions(args);
    options.autoBatch = args.value("batch", "") == "auto";
    if (options.autoBatch && options.compute.device.cuda)
        options.batchSize = kAutoBatchStart;
    else if (!options.autoBatch)
        options.batchSize = args.integer("batch", options.batchSize, 1);

    const std::string planPath = args.value("plan", "");
    if (!planPath.empty() && !options.compute.onCpuInFp32())
        throw UsageError("a plan is evaluated on the CPU in fp32 for now: leave out --device and --precision with --plan");
    std::unique_ptr<AppliedPlan> applied;
    if (!planPath.empty())
        applied = AppliedPlan::apply(*w.model, readPlanFor(*w.model, planPath), data.calibration, progress,
                                     args.has("sequential") ? MethodInputs::Sequential : MethodInputs::Independent);
    const EvalResult r = applied ? applied->evaluate(data.evaluation, options, progress)
                                 : evaluate(*w.model, data.evaluation, options, progress);
    const Interval ci = top1Interval(r);
    const Interval pci = perplexityInterval(r);
    const PlanCost cost = planCost(w.model->layers(), w.model->totalParams(), applied ? applied->plan() : CompressionPlan{});

    if (args.has("json")) {
        json out = {{"model", w.modelPath}, {"data", data.path}, {"split", data.evaluation.split},
                    {"seconds", r.seconds}, {"samples_per_second", r.samplesPerSecond()}, {"threads", threadCount()},
                    {"device", nameOf(options.compute.device)}, {"precision", nameOf(options.compute.precision)},
                    {"batch", r.batchSize}};
        out.update(evalResultJson(r));
        if (r.languageModel())
            out["tokens_per_second"] = r.predictionsPerSecond();
        if (applied) {
            out["plan"] = planPath;
            out.update(planCostJson(cost));
            out["apply_seconds"] = applied->applySeconds();
            out["calibration_seconds"] = applied->calibrationSeconds();
        }
        std::cout << out.dump() << "\n";
        return 0;
    }
    const std::string count = std::to_string(r.samples)
                              + (r.languageModel() ? " windows of " + std::to_string(data.evaluation.sampleElements()) + " tokens"
                                                   : " samples");
    std::printf("%s%s%s on %s (%s split, %s)\n", w.modelPath.c_str(), applied ? " with " : "", planPath.c_str(),
                data.path.c_str(), data.evaluation.split.c_str(), count.c_str());
    if (r.languageModel())
        std::printf("loss %.6f per token  perplexity %.4f (95%% CI %.4f-%.4f)  next-token top-1 %.4f  top-5 %.4f  "
                    "%.2f s (%.0f tokens/s, %d threads)\n",
                    r.loss(), r.perplexity(), pci.low, pci.high, r.top1(), r.top5(), r.seconds, r.predictionsPerSecond(),
                    threadCount());
    else
        std::printf("loss %.6f  top-1 %.4f (95%% CI %.4f-%.4f)  top-5 %.4f  %.2f s (%.0f samples/s, %d threads)\n",
                    r.loss(), r.top1(), ci.low, ci.high, r.top5(), r.seconds, r.samplesPerSecond(), threadCount());
    if (applied) {
        std::printf("%s bytes (fp32 %s, %.2fx smaller), %.3f bits per weight, %s BOPs per sample\n",
                    humanCount(double(cost.totalBytes)).c_str(), humanCount(double(cost.fp32Bytes)).c_str(),
                    cost.compressionRatio, cost.averageBits, humanCount(double(cost.bops)).c_str());
    }
    return 0;
}

} // namespace bitlens::cli
