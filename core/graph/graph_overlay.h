#pragma once
// Colouring a ModelGraph by a per-layer figure: the figures (one name table), their values per
// layer from the analysis and the plan, a group's aggregate of its layers, and the colour scale.
// Shared by the graph dock and `bitlens-cli graph`, so both colour a model the same way.

#include "model_graph.h"

#include "../quant/compression_plan.h"
#include "../stats/model_analysis.h"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace bitlens {

enum class LayerFigure {
    TopEigenvalue, HessianTrace, WeightKurtosis, InputKurtosis, OutlierPercent, Alpha,
    DeltaLoss, Bits, Rank, Bytes, Method
};
enum class FigureAggregate { Max, Sum, Mean };
enum class ColorScaleKind { Sequential, Diverging, Categorical };

struct LayerFigureInfo {
    LayerFigure figure;
    const char* id;   // for the command line and files: "lambda_max"
    const char* name; // for people: "λ₁ (top Hessian eigenvalue)"
    ColorScaleKind scale;
    FigureAggregate aggregate; // what a group shows by default
};
const std::vector<LayerFigureInfo>& layerFigures();
const LayerFigureInfo& figureInfo(LayerFigure figure);
// Throws Error listing the ids when `id` is none of them.
LayerFigure layerFigureFromId(const std::string& id);
const char* aggregateName(FigureAggregate aggregate); // "max", "sum", "mean"

// What the figures are read from; analysis may be null (only the plan's figures then).
struct FigureSource {
    const std::vector<LayerInfo>* layers = nullptr;
    int64_t totalParams = 0;
    const ModelAnalysis* analysis = nullptr;
    const CompressionPlan* plan = nullptr;
    std::string estimator; // ΔLoss's cost table; "" for the first
    const std::set<std::string>* pinned = nullptr;                   // layers allocators keep; may be null
    const std::vector<std::vector<std::string>>* tieGroups = nullptr; // layers given one option; may be null
};
// One value per layer, NaN where the figure was not analysed. Method gives the QuantMethod's index.
std::vector<double> layerFigureValues(LayerFigure figure, const FigureSource& source);
// The figure a graph shows until one is chosen: the first with values of λ₁, the predicted ΔLoss,
// weight kurtosis and the plan's bits (always there).
LayerFigure defaultFigure(const FigureSource& source);
// The names of Method's values ("rtn", "gptq", ...), by index.
std::vector<std::string> methodNames();

struct Rgb {
    uint8_t r = 0, g = 0, b = 0;
    std::string hex() const; // "#21918c"
    bool operator==(const Rgb& o) const { return r == o.r && g == o.g && b == o.b; }
};

// Maps values to colours: viridis for sequential figures (log-spaced when all are positive and
// span more than 100x), blue-white-red around 0 for diverging ones, a palette for categories.
struct ColorScale {
    ColorScaleKind kind = ColorScaleKind::Sequential;
    double low = 0.0;
    double high = 1.0;
    bool logarithmic = false;
    static ColorScale fit(ColorScaleKind kind, const std::vector<double>& values);
    Rgb color(double value) const; // NaN: grey
    double position(double value) const; // 0..1 along the scale
    double valueAt(double t) const;      // the inverse: the value at t in 0..1
};
constexpr Rgb kMissingColor{224, 224, 224};

// Every node's value (a leaf: its layer's; a group: the aggregate of its layers; NaN for nodes
// without layers or figures) and colour.
struct GraphColoring {
    LayerFigure figure = LayerFigure::TopEigenvalue;
    FigureAggregate aggregate = FigureAggregate::Max;
    std::vector<double> layerValues;
    std::vector<double> nodeValues;
    std::vector<Rgb> nodeColors;
    ColorScale scale; // fitted to the layers' values
    std::vector<std::string> categories; // Categorical: the name of each value
    std::vector<std::string> badges;     // per graph node: "pin", "tie 2", "shared" marks, or ""
};
GraphColoring colorGraph(const ModelGraph& graph, LayerFigure figure, FigureAggregate aggregate,
                         std::vector<double> layerValues);
// The same from `source`: the figure's values per layer and the badges (layerBadges).
GraphColoring colorGraph(const ModelGraph& graph, LayerFigure figure, FigureAggregate aggregate,
                         const FigureSource& source);
// Marks Layer nodes: "pin" for a pinned layer, "tie K" for the K-th tie group (from 1), "shared"
// for a weight several nodes use (a tied head); joined by spaces.
std::vector<std::string> layerBadges(const ModelGraph& graph, const FigureSource& source);

} // namespace bitlens
