#include "evaluator.h"

#include "../data/batch_tensor.h"
#include "../errors.h"
#include "../model/model_impl.h"
#include "../progress.h"
#include "../stopwatch.h"
#include "../torch_error.h"
#include "evaluation_loop.h"
#include "task.h"

#include <chrono>

namespace bitlens {

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
    for (int64_t begin = 0; begin < result.total; begin += options.batchSize) {
        progress.checkCancelled();
        const int64_t end = std::min(begin + options.batchSize, result.total);
        const torch::Tensor targets = labelBatch(data, begin, end);
        c10::IValue raw;
        try {
            raw = forward(inputBatch(data, begin, end));
        } catch (const std::exception& e) {
            throw EvalError(modelPath + ": forward fails on a batch from " + data.source + " ("
                            + torchErrorSummary(e) + ")");
        }
        const torch::Tensor outputs = outputTensor(raw, modelPath);
        if (begin == 0)
            task.checkOutputs(outputs, targets, modelPath);
        task.accumulate(outputs, targets, result);
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
    return runEvaluation([&m](const torch::Tensor& input) { return m.module.forward({input}); }, m.path, data,
                         options, progress);
}

} // namespace bitlens
