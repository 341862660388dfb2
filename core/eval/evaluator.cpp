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

// One batch's forward pass and scores, added to a copy of `before`: the whole step either fits in
// memory or leaves nothing behind (scoring a language model's logits needs as much again).
class BatchStep {
public:
    BatchStep(const ForwardFn& forward, const std::string& modelPath, const SampleSet& data)
        : m_forward(forward), m_modelPath(modelPath), m_data(data), m_task(taskFor(data))
    {
    }

    EvalResult operator()(int64_t begin, int64_t end, EvalResult before) const
    {
        c10::IValue raw;
        try {
            raw = m_forward(inputBatch(m_data, begin, end));
        } catch (const std::exception& e) {
            if (isOutOfMemory(e))
                throw;
            throw EvalError(m_modelPath + ": forward fails on a batch from " + m_data.source + " (" + torchErrorSummary(e) + ")");
        }
        // Logits in float32 where they are (a bfloat16 model's too), the targets moved to them.
        const torch::Tensor outputs = outputTensor(raw, m_modelPath).to(torch::kFloat32);
        const torch::Tensor targets = labelBatch(m_data, begin, end).to(outputs.device());
        if (begin == 0)
            m_task.checkOutputs(outputs, targets, m_modelPath);
        m_task.accumulate(outputs, targets, before);
        return before;
    }

    // The largest batch from `begin` that fits, halving `tried` (which did not) until one runs;
    // 0 when not even one sample does.
    int64_t batchThatFits(int64_t begin, int64_t tried, const EvalResult& before) const
    {
        return largestThatFits(tried, [&](int64_t size) { (*this)(begin, begin + size, before); });
    }

private:
    const ForwardFn& m_forward;
    const std::string& m_modelPath;
    const SampleSet& m_data;
    const Task& m_task;
};

} // namespace

EvalResult runEvaluation(const ForwardFn& forward, const std::string& modelPath, const SampleSet& data,
                         const EvalOptions& options, Progress& progress)
{
    if (options.batchSize <= 0)
        throw EvalError("the batch size must be positive, not " + std::to_string(options.batchSize));
    EvalResult result;
    result.task = taskFor(data).kind();
    result.total = options.limit > 0 ? std::min(options.limit, data.count()) : data.count();
    if (result.total == 0)
        throw EvalError(data.source + ": no samples to evaluate");

    const auto start = std::chrono::steady_clock::now();
    torch::NoGradGuard noGrad;
    const BatchStep step(forward, modelPath, data);
    int64_t batch = options.batchSize;
    for (int64_t begin = 0; begin < result.total; begin += batch) {
        progress.checkCancelled();
        int64_t end = std::min(begin + batch, result.total);
        try {
            result = step(begin, end, result);
        } catch (const std::exception& e) {
            if (!isOutOfMemory(e))
                throw;
            const int64_t fits = step.batchThatFits(begin, end - begin, result);
            const std::string where = nameOf(options.compute.device);
            if (fits == 0)
                throw EvalError(modelPath + ": out of memory on " + where + " even for one sample");
            if (!options.autoBatch)
                throw EvalError(modelPath + ": out of memory on " + where + " with batches of " + std::to_string(end - begin)
                                + (data.tokens() ? " windows" : " samples") + "; batches of " + std::to_string(fits)
                                + " fit (--batch " + std::to_string(fits) + ", or --batch auto)");
            batch = fits;
            end = begin + std::min(batch, result.total - begin);
            result = step(begin, end, result);
        }
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
