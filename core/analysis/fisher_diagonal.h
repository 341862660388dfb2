#pragma once
// core-internal: the empirical Fisher diagonal of every layer's weight on a calibration set, what
// sqllm weighs its codebooks with. One backward pass per sample, so it is computed once per
// calibration set and cached in the model, as the methods' input statistics are.

#include <vector>

namespace bitlens {

class Model;
class Progress;
struct SampleSet;

// Samples per batch of the Hessian operator the diagonal comes from: the first
// ⌊n / kFisherBatch⌋ · kFisherBatch calibration samples count (all of them when n is smaller).
constexpr int64_t kFisherBatch = 16;

// Per layer, flat float64 in the weight's shape: the mean over the calibration samples of the
// squared per-sample gradient. Threading: uses `model` exclusively while it runs. Throws Error (a
// model the Hessian operator cannot differentiate, naming why), Cancelled.
const std::vector<torch::Tensor>& cachedFisherDiagonal(Model& model, const SampleSet& calibration, Progress& progress);

} // namespace bitlens
