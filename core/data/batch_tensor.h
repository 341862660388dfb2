#pragma once
// core-internal: a slice of a SampleSet as the float tensor a model takes, and its labels.

#include "sample_set.h"

namespace bitlens {

// Samples [begin, end) as float32 [n, sampleShape...]; uint8 samples are scaled to [0, 1]. Token
// windows give int64 [n, T] inputs and their next tokens, int64 [n, T], as labels.
torch::Tensor inputBatch(const SampleSet& set, int64_t begin, int64_t end);
torch::Tensor labelBatch(const SampleSet& set, int64_t begin, int64_t end);

} // namespace bitlens
