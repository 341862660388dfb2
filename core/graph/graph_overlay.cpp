#include "graph_overlay.h"

#include "../alloc/plan_prediction.h"
#include "../errors.h"
#include "../quant/memory_cost.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace bitlens {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const std::vector<EnumName<FigureAggregate>> kAggregateNames{
    {FigureAggregate::Max, "max"}, {FigureAggregate::Sum, "sum"}, {FigureAggregate::Mean, "mean"}};

// Per layer from the analysis, NaN where a part was not analysed.
double analysedFigure(LayerFigure figure, const ModelAnalysis& a, size_t i)
{
    switch (figure) {
    case LayerFigure::TopEigenvalue:
        return i < a.hessian.layers.size() && !a.hessian.layers[i].topEigenvalues.empty()
                   ? a.hessian.layers[i].topEigenvalues.front() : kNaN;
    case LayerFigure::HessianTrace:
        return i < a.hessian.layers.size() && a.hessian.layers[i].analysed() ? a.hessian.layers[i].trace : kNaN;
    case LayerFigure::WeightKurtosis: return i < a.weights.size() ? a.weights[i].values.kurtosis : kNaN;
    case LayerFigure::InputKurtosis:
        return i < a.activations.size() && a.activations[i].measured ? a.activations[i].values.kurtosis : kNaN;
    case LayerFigure::OutlierPercent:
        return i < a.weights.size() && !a.weights[i].values.beyondSigma.empty()
                   ? 100.0 * a.weights[i].values.beyondSigma.front() : kNaN;
    case LayerFigure::Alpha: return i < a.spectra.size() && a.spectra[i].alpha.valid ? a.spectra[i].alpha.alpha : kNaN;
    default: return kNaN;
    }
}

// Viridis at five evenly spaced stops; linear in between is within a few levels of the real map.
const Rgb kViridis[] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
const Rgb kDiverging[] = {{33, 102, 172}, {247, 247, 247}, {178, 24, 43}};
// Okabe-Ito (distinguishable with the common colour-vision deficiencies), then grey: one colour
// per quantization method.
const Rgb kCategories[] = {{230, 159, 0}, {86, 180, 233}, {0, 158, 115}, {240, 228, 66}, {0, 114, 178},
                           {213, 94, 0},  {204, 121, 167}, {0, 0, 0},    {153, 153, 153}};

Rgb mix(const Rgb* stops, size_t count, double t)
{
    t = std::clamp(t, 0.0, 1.0) * static_cast<double>(count - 1);
    const size_t i = std::min(static_cast<size_t>(t), count - 2);
    const double f = t - static_cast<double>(i);
    const auto lerp = [f](uint8_t a, uint8_t b) { return static_cast<uint8_t>(std::lround(a + (b - a) * f)); };
    return {lerp(stops[i].r, stops[i + 1].r), lerp(stops[i].g, stops[i + 1].g), lerp(stops[i].b, stops[i + 1].b)};
}

} // namespace

const std::vector<LayerFigureInfo>& layerFigures()
{
    using K = ColorScaleKind;
    using A = FigureAggregate;
    static const std::vector<LayerFigureInfo> table{
        {LayerFigure::TopEigenvalue, "lambda_max", "λ₁ (top Hessian eigenvalue)", K::Sequential, A::Max},
        {LayerFigure::HessianTrace, "trace", "Tr(H) (Hessian trace)", K::Sequential, A::Sum},
        {LayerFigure::WeightKurtosis, "weight_kurtosis", "Weight kurtosis", K::Sequential, A::Max},
        {LayerFigure::InputKurtosis, "input_kurtosis", "Input kurtosis", K::Sequential, A::Max},
        {LayerFigure::OutlierPercent, "outlier_percent", "Weight outliers (% beyond 3σ)", K::Sequential, A::Max},
        {LayerFigure::Alpha, "alpha", "α (weight spectrum power law)", K::Sequential, A::Mean},
        {LayerFigure::DeltaLoss, "delta_loss", "Predicted ΔLoss at the plan's option", K::Diverging, A::Sum},
        {LayerFigure::Bits, "bits", "Weight bits (plan)", K::Sequential, A::Mean},
        {LayerFigure::Rank, "rank", "Rank (plan; full = NaN)", K::Sequential, A::Mean},
        {LayerFigure::Bytes, "bytes", "Bytes (plan)", K::Sequential, A::Sum},
        {LayerFigure::Method, "method", "Quantization method (plan)", K::Categorical, A::Max},
    };
    return table;
}

const LayerFigureInfo& figureInfo(LayerFigure figure)
{
    for (const LayerFigureInfo& info : layerFigures())
        if (info.figure == figure)
            return info;
    return layerFigures().front();
}

LayerFigure layerFigureFromId(const std::string& id)
{
    std::string known;
    for (const LayerFigureInfo& info : layerFigures()) {
        if (id == info.id)
            return info.figure;
        known += (known.empty() ? "" : ", ") + std::string(info.id);
    }
    throw Error("unknown figure \"" + id + "\" (one of " + known + ")");
}

const char* aggregateName(FigureAggregate aggregate)
{
    for (const auto& n : kAggregateNames)
        if (n.value == aggregate)
            return n.name;
    return "max";
}

LayerFigure defaultFigure(const FigureSource& source)
{
    for (LayerFigure f : {LayerFigure::TopEigenvalue, LayerFigure::DeltaLoss, LayerFigure::WeightKurtosis}) {
        const std::vector<double> v = layerFigureValues(f, source);
        if (std::any_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); }))
            return f;
    }
    return LayerFigure::Bits;
}

std::vector<std::string> methodNames()
{
    std::vector<std::string> names;
    for (const auto& n : nameTable<QuantMethod>())
        names.push_back(n.name);
    return names;
}

std::vector<double> layerFigureValues(LayerFigure figure, const FigureSource& source)
{
    const std::vector<LayerInfo>& layers = *source.layers;
    std::vector<double> values(layers.size(), kNaN);
    const CompressionPlan plan = source.plan ? *source.plan : CompressionPlan{};
    if (figure == LayerFigure::DeltaLoss) {
        if (!source.analysis || source.analysis->sensitivity.empty())
            return values;
        return predictPlan(plan, layers, source.totalParams, source.analysis->sensitivity, source.estimator).layerDeltaLoss;
    }
    for (size_t i = 0; i < layers.size(); ++i) {
        const LayerOption& option = plan.optionFor(layers[i].name);
        switch (figure) {
        case LayerFigure::Bits: values[i] = option.weight.bits * option.weight.terms; break;
        case LayerFigure::Rank: values[i] = option.rank > 0 ? option.rank : kNaN; break;
        case LayerFigure::Bytes: values[i] = static_cast<double>(layerCost(layers[i], option).bytes); break;
        case LayerFigure::Method: values[i] = static_cast<double>(option.weight.method); break;
        default:
            if (source.analysis && source.analysis->layers.size() == layers.size())
                values[i] = analysedFigure(figure, *source.analysis, i);
        }
    }
    return values;
}

std::string Rgb::hex() const
{
    char text[8];
    std::snprintf(text, sizeof text, "#%02x%02x%02x", r, g, b);
    return text;
}

ColorScale ColorScale::fit(ColorScaleKind kind, const std::vector<double>& values)
{
    ColorScale s;
    s.kind = kind;
    double low = std::numeric_limits<double>::infinity();
    double high = -low;
    for (double v : values)
        if (std::isfinite(v)) {
            low = std::min(low, v);
            high = std::max(high, v);
        }
    if (!std::isfinite(low))
        return s;
    if (kind == ColorScaleKind::Diverging) {
        const double m = std::max(std::abs(low), std::abs(high));
        s.low = -m;
        s.high = m;
    } else {
        s.low = low;
        s.high = high;
        s.logarithmic = kind == ColorScaleKind::Sequential && low > 0 && high > 100 * low;
    }
    return s;
}

double ColorScale::valueAt(double t) const
{
    return logarithmic ? std::exp(std::log(low) + t * (std::log(high) - std::log(low))) : low + t * (high - low);
}

double ColorScale::position(double value) const
{
    if (kind == ColorScaleKind::Categorical || high <= low)
        return 0.5;
    if (logarithmic)
        return std::clamp((std::log(std::max(value, low)) - std::log(low)) / (std::log(high) - std::log(low)), 0.0, 1.0);
    return std::clamp((value - low) / (high - low), 0.0, 1.0);
}

Rgb ColorScale::color(double value) const
{
    if (!std::isfinite(value))
        return kMissingColor;
    switch (kind) {
    case ColorScaleKind::Categorical:
        return kCategories[static_cast<size_t>(std::max(0.0, value)) % (sizeof kCategories / sizeof *kCategories)];
    case ColorScaleKind::Diverging: return mix(kDiverging, 3, position(value));
    default: return mix(kViridis, 5, position(value));
    }
}

GraphColoring colorGraph(const ModelGraph& graph, LayerFigure figure, FigureAggregate aggregate,
                         std::vector<double> layerValues)
{
    GraphColoring c;
    c.figure = figure;
    c.aggregate = aggregate;
    c.layerValues = std::move(layerValues);
    const ColorScaleKind kind = figureInfo(figure).scale;
    c.scale = ColorScale::fit(kind, c.layerValues);
    if (kind == ColorScaleKind::Categorical)
        c.categories = methodNames();
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
        double value = kNaN;
        std::vector<double> finite;
        for (int layer : graph.layersUnder(static_cast<int>(n)))
            if (layer < static_cast<int>(c.layerValues.size()) && std::isfinite(c.layerValues[static_cast<size_t>(layer)]))
                finite.push_back(c.layerValues[static_cast<size_t>(layer)]);
        if (!finite.empty()) {
            if (kind == ColorScaleKind::Categorical) // a group shows its layers' method when they share one
                value = std::all_of(finite.begin(), finite.end(), [&](double v) { return v == finite[0]; }) ? finite[0] : kNaN;
            else if (aggregate == FigureAggregate::Max)
                value = *std::max_element(finite.begin(), finite.end());
            else {
                double sum = 0.0;
                for (double v : finite)
                    sum += v;
                value = aggregate == FigureAggregate::Sum ? sum : sum / static_cast<double>(finite.size());
            }
        }
        c.nodeValues.push_back(value);
        // A summed group outgrows the layers' scale: it takes the scale's top colour.
        c.nodeColors.push_back(c.scale.color(value));
    }
    return c;
}

GraphColoring colorGraph(const ModelGraph& graph, LayerFigure figure, FigureAggregate aggregate,
                         const FigureSource& source)
{
    GraphColoring c = colorGraph(graph, figure, aggregate, layerFigureValues(figure, source));
    c.badges = layerBadges(graph, source);
    return c;
}

std::vector<std::string> layerBadges(const ModelGraph& graph, const FigureSource& source)
{
    std::vector<std::string> badges(graph.nodes.size());
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
        const GraphNode& node = graph.nodes[n];
        if (node.kind != GraphNodeKind::Layer || !source.layers || size_t(node.layer) >= source.layers->size())
            continue;
        const std::string& name = (*source.layers)[size_t(node.layer)].name;
        std::string b;
        if (source.pinned && source.pinned->count(name))
            b += "pin";
        if (source.tieGroups)
            for (size_t t = 0; t < source.tieGroups->size(); ++t) {
                const auto& group = (*source.tieGroups)[t];
                if (std::find(group.begin(), group.end(), name) != group.end())
                    b += (b.empty() ? "" : " ") + std::string("tie ") + std::to_string(t + 1);
            }
        if (graph.layerNodes(node.layer).size() > 1)
            b += (b.empty() ? "" : " ") + std::string("shared");
        badges[n] = b;
    }
    return badges;
}

} // namespace bitlens
