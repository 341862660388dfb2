#pragma once
// Measures a model on a SampleSet, batch by batch, reporting running figures as it goes.

#include "../compute_device.h"
#include "eval_result.h"

#include <cstdint>
#include <functional>

namespace bitlens {

class Model;
class Progress;
struct SampleSet;

struct EvalOptions {
    ComputeOptions compute;  // where the forward passes run (the CPU in float32 by default)
    int64_t batchSize = 500;
    // Size batches to the device's free memory: start at batchSize and halve it while a batch
    // runs out of memory. Without it, running out is an EvalError naming the batch that fits.
    bool autoBatch = false;
    int64_t limit = 0; // evaluate the first `limit` samples; 0 = all
    // Called after every batch with the running result (on the evaluating thread).
    std::function<void(const EvalResult&)> onBatch;
};

// Threading: runs on the calling thread and uses `model` exclusively until it returns.
// Throws Cancelled between batches when progress.cancelled(); EvalError on unusable outputs and
// when a batch does not fit in memory (without autoBatch).
EvalResult evaluate(Model& model, const SampleSet& data, const EvalOptions& options, Progress& progress);

} // namespace bitlens
