#pragma once
// core-internal: the /hessian and /sensitivity groups of the analysis bundle (layout in README).

#include "../analysis/hessian_analysis.h"
#include "../analysis/sensitivity_analysis.h"
#include "../model/layer_info.h"

#include <H5Cpp.h>

namespace bitlens {

void writeHessian(H5::H5File& file, const HessianAnalysis& h, const std::vector<std::string>& layers);
void writeSensitivity(H5::H5File& file, const SensitivityAnalysis& s);
// Throw Error when a dataset's shape disagrees with the layer count.
HessianAnalysis readHessian(const H5::H5File& file, const std::vector<std::string>& layers);
// Bundles before version 2 hold no layer options: they are resolved from the option names.
SensitivityAnalysis readSensitivity(const H5::H5File& file, const std::vector<LayerInfo>& layers, int version);

} // namespace bitlens
