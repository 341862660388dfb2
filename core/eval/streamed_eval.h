#pragma once
// How BitLens evaluates while a window is open (the baseline, the measured preview, the report's
// measurements): in batches small enough to stream figures and honour a cancel within seconds.

#include "../data/sample_set.h"
#include "evaluator.h"

namespace bitlens {

// A batch of 500 images takes well under a second; 500 token windows are 64,000 next-token
// predictions, a minute and gigabytes of activations on two cores. So token windows go 32 at a
// time (4,096 predictions, a few seconds).
inline EvalOptions streamedEvalOptions(const SampleSet& data)
{
    EvalOptions options;
    if (data.tokens())
        options.batchSize = 32;
    return options;
}

} // namespace bitlens
