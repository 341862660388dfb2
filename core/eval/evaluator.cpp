#include "evaluator.h"

#include "../data/batch_tensor.h"
#include "../errors.h"
#include "../model/compat_ops.h"
#include "../model/device_module.h"
#include "../model/model_impl.h"
#include "../progress.h"
#include "../stopwatch.h"
#include "../torch_error.h"
#include "evaluation_loop.h"
#include "task.h"

#include <chrono>

namespace bitlens {

namespace {

// The largest batch of the samples from `begin` that fits, halving `tried` (which did not) until
// one runs; 0 when not even one sample does.
int64_t batchThatFits(const ForwardFn& forward, const SampleSet& data, int64_t begin, int64_t tried)
{
    for (int64_t size = tried / 2; size >= 1; size /= 2) {
        try {
            forward(inputBatch(data, begin, begin + size));
            return size;
        } catch (const std::exception& e) {
            if (!isOutOfMemory(e))
                throw;
        }
    }
    return 0;
}

} // namespace

EvalResult runEvaluation(const ForwardFn& forward, const std::string& modelPath, const SampleSet& data,
                         const EvalOptions& options, Progress& progress)
{
    if (options.batchSize <= 0)
        throw EvalError("the batch size must be positive, not " + std::to_string(options.batchSize));
    const Task& task = taskFor(data);
    EvalResult result;
    result.task = task.kind();
    result.total = options.limit > 0 ? std::min(options.limit, data.count()) : data.count();
    if (result.total == 0)
        throw EvalError(data.source + ": no samples to evaluate");

    const auto start = std::chrono::steady_clock::now();
    torch::NoGradGuard noGrad;
    int64_t batch = options.batchSize;
    for (int64_t begin = 0; begin < result.total; begin += batch) {
        progress.checkCancelled();
        int64_t end = std::min(begin + batch, result.total);
        c10::IValue raw;
        try {
            raw = forward(inputBatch(data, begin, end));
        } catch (const std::exception& e) {
            if (!isOutOfMemory(e))
                throw EvalError(modelPath + ": forward fails on a batch from " + data.source + " ("
                                + torchErrorSummary(e) + ")");
            const int64_t fits = batchThatFits(forward, data, begin, end - begin);
            const std::string where = nameOf(options.compute.device);
            if (fits == 0)
                throw EvalError(modelPath + ": out of memory on " + where + " even for one sample");
            if (!options.autoBatch)
                throw EvalError(modelPath + ": out of memory on " + where + " with batches of " + std::to_string(end - begin)
                                + (data.tokens() ? " windows" : " samples") + "; batches of " + std::to_string(fits)
                                + " fit (--batch " + std::to_string(fits) + ", or --batch auto)");
            batch = fits;
            end = begin + std::min(batch, result.total - begin);
            raw = forward(inputBatch(data, begin, end));
        }
        // Logits in float32 where they are (a bfloat16 model's too), the targets moved to them.
        const torch::Tensor outputs = outputTensor(raw, modelPath).to(torch::kFloat32);
        const torch::Tensor targets = labelBatch(data, begin, end).to(outputs.device());
        if (begin == 0)
            task.checkOutputs(outputs, targets, modelPath);
        task.accumulate(outputs, targets, result);
        result.batchSize = batch;
        result.seconds = secondsSince(start);
        progress.report(static_cast<double>(end) / static_cast<double>(result.total),
                        "Evaluated " + std::to_string(end) + " of " + std::to_string(result.total)
                            + (data.tokens() ? " windows" : " samples"));
        if (options.onBatch)
            options.onBatch(result);
    }
    return result;
}

EvalResult evaluate(Model& model, const SampleSet& data, const EvalOptions& options, Progress& progress)
{
    Model::Impl& m = model.impl();
    DeviceModule there(m, options.compute);
    return runEvaluation(there.forward(m.layerGraph()), m.path, data, options, progress);
}

} // namespace bitlens
