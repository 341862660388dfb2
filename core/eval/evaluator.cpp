#include "evaluator.h"

#include "../data/batch_tensor.h"
#include "../errors.h"
#include "../model/model_impl.h"
#include "../progress.h"
#include "../torch_error.h"
#include "task.h"

#include <chrono>

namespace bitlens {

EvalResult evaluate(Model& model, const SampleSet& data, const EvalOptions& options, Progress& progress)
{
    if (options.batchSize <= 0)
        throw EvalError("the batch size must be positive, not " + std::to_string(options.batchSize));
    const ClassificationTask task;
    Model::Impl& m = model.impl();
    EvalResult result;
    result.total = options.limit > 0 ? std::min(options.limit, data.count()) : data.count();
    if (result.total == 0)
        throw EvalError(data.source + ": no samples to evaluate");

    const auto start = std::chrono::steady_clock::now();
    torch::NoGradGuard noGrad;
    for (int64_t begin = 0; begin < result.total; begin += options.batchSize) {
        progress.checkCancelled();
        const int64_t end = std::min(begin + options.batchSize, result.total);
        const torch::Tensor input = inputBatch(data, begin, end);
        const torch::Tensor targets = labelBatch(data, begin, end);
        torch::Tensor outputs;
        try {
            outputs = m.forward(input);
        } catch (const EvalError&) {
            throw;
        } catch (const std::exception& e) {
            throw EvalError(m.path + ": forward fails on a batch from " + data.source + " ("
                            + torchErrorSummary(e) + ")");
        }
        if (begin == 0)
            task.checkOutputs(outputs, targets, m.path);
        task.accumulate(outputs, targets, result);
        result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        progress.report(static_cast<double>(end) / static_cast<double>(result.total),
                        "Evaluated " + std::to_string(end) + " of " + std::to_string(result.total) + " samples");
        if (options.onBatch)
            options.onBatch(result);
    }
    return result;
}

} // namespace bitlens
