#pragma once
// core-internal: the sensitivity estimators on an existing HessianOperator (its batches, gradient
// and cached graphs).

#include "hessian_analysis.h"
#include "hessian_operator.h"
#include "sensitivity_analysis.h"

namespace bitlens {

// `hessian` supplies the traces hawq needs (Error when hawq is asked for without them). Options
// that cannot apply to a layer (a group size that does not divide it) give NaN cells for it.
// Throws Error for an unknown estimator or option, Cancelled.
SensitivityAnalysis analyzeSensitivity(HessianOperator& op, Model& model, const SampleSet& calibration,
                                       const SensitivityOptions& options, const HessianAnalysis* hessian,
                                       Progress& progress);

} // namespace bitlens
