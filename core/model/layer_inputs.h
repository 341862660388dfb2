#pragma once
// core-internal: every compressible layer's input on a sample set, batch by batch, from one
// captured forward pass per batch. Callers fold the inputs into bounded summaries (ranges,
// histograms, moments); no input tensor outlives its batch.

#include "model_impl.h"

#include <functional>

namespace bitlens {

class Progress;
struct SampleSet;

// Reports progress over [from, to] with `what`; throws Cancelled between batches.
void forEachLayerInput(Model::Impl& model, const SampleSet& data, Progress& progress, double from, double to,
                       const std::string& what, const std::function<void(size_t layer, const torch::Tensor& input)>& perInput);

} // namespace bitlens
