#include "evaluator.h"

#include "../data/batch_tensor.h"
#include "../errors.h"
#include "../model/device_module.h"
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
        c10::IValue raw;
        try {
            raw = forward(inputBatch(data, begin, end));
        } catch (const std::exception& e) {
            throw EvalError(modelPath + ": forward fails on a batch from " + data.source + " ("
                            + torchErrorSummary(e) + ")");
        }
        // Logits in float32 where they are (a bfloat16 model's too), the targets moved to them.
        const torch::Tensor outputs = outputTensor(raw, modelPath).to(torch::kFloat32);
        const torch::Tensor targets = labelBatch(data, begin, end).to(outputs.device());
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
    DeviceModule there(m, options.compute);
    return runEvaluation(there.forward(m.layerGraph()), m.path, data, options, progress);
}

} // namespace bitlens
