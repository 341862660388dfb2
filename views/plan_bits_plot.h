#pragma once
// A plan at a glance: the bits per weight every layer is stored with, as bars coloured by number
// format, and the model's average as a line. Threading: GUI thread only.

#include "core/quant/memory_cost.h"

class QCustomPlot;
class QWidget;

namespace bitlens::views {

// Bars are LayerCost::bitsPerWeight (scales and zero-points included; a factored layer's stored
// values over its original weight count, so low rank shows as fewer bits). Plottables: 0 integer
// layers, 1 float-format layers (fp16, bf16, fp8), 2 FP32 layers; key = layer index.
QCustomPlot* createPlanBitsPlot(const std::vector<LayerInfo>& layers, const CompressionPlan& plan, const PlanCost& cost,
                                QWidget* parent = nullptr);

} // namespace bitlens::views
