#pragma once
// core-internal: how far each quantization method moves every layer's output on the calibration
// inputs, ‖(Ŵ − W)·X‖² / ‖W·X‖² from XᵀX, per method and width: the figure GPTQ and AWQ minimise,
// so a user sees per layer what a method saves where round-to-nearest loses.

#include "model_analysis.h"

namespace bitlens {

class Model;
class Progress;
struct SampleSet;

// "w2:per-channel:rtn" ... "w8:per-channel:hadamard": 2, 3, 4, 8 bits × rtn, gptq, awq, hadamard.
std::vector<std::string> methodErrorOptions();

// Fills table.methodOptions and table.methodOutputError ([layer][option], NaN where a method
// cannot apply: embeddings, grouped convolutions). Throws Cancelled.
void appendMethodErrors(Model& model, const SampleSet& calibration, QuantErrorTable& table, Progress& progress);

} // namespace bitlens
