#include "layer_detail_plots.h"

#include "analysis_placeholder.h"
#include "analysis_values.h"
#include "format.h"
#include "plot_decorations.h"
#include "plot_style.h"
#include "symlog.h"

#include "core/quant/layer_option.h"
#include "core/quant/option_spec.h"
#include "core/quant/quantization_grid.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace bitlens::views {
namespace {

constexpr size_t kMaxGridLines = 512;

// How an option stores its weights; FP32 for one with a rank part, which has no single place on a
// bits axis.
WeightQuant optionWeights(const LayerOption& option) { return option.rank > 0 ? WeightQuant{} : option.weight; }

// [lo, hi] of the finite values, widened by 4 % (by 1 when they are all equal).
QCPRange paddedRange(const std::vector<double>& values)
{
    QCPRange range(NAN, NAN);
    for (double v : values)
        if (std::isfinite(v))
            range = std::isfinite(range.lower) ? QCPRange(std::min(range.lower, v), std::max(range.upper, v)) : QCPRange(v, v);
    if (!std::isfinite(range.lower))
        return QCPRange(0, 1);
    const double pad = range.size() > 0 ? 0.04 * range.size() : 1.0;
    return QCPRange(range.lower - pad, range.upper + pad);
}

void addLine(QCustomPlot* plot, QCPAxis* valueAxis, const QString& name, int colour)
{
    QCPGraph* graph = plot->addGraph(plot->xAxis, valueAxis);
    graph->setName(name);
    graph->setPen(QPen(seriesColor(colour), 1.5));
}

// (i + offset, values[i]) for the finite values, only the positive ones for a log axis.
void setIndexedData(QCPAbstractPlottable* graph, const std::vector<double>& values, double offset, bool positive = false)
{
    QVector<double> keys, kept;
    for (size_t i = 0; i < values.size(); ++i)
        if (std::isfinite(values[i]) && (!positive || values[i] > 0)) {
            keys << double(i) + offset;
            kept << values[i];
        }
    qobject_cast<QCPGraph*>(graph)->setData(keys, kept, true);
}

QString binText(QCPAbstractPlottable* plottable, int index)
{
    auto* bars = qobject_cast<QCPBars*>(plottable);
    const QCPBarsData bin = *bars->data()->at(index);
    return LayerDetailPlots::tr("[%1, %2): %3 values")
        .arg(valueText(bin.key - bars->width() / 2), valueText(bin.key + bars->width() / 2))
        .arg(qlonglong(bin.value));
}

// One bar per bin, empty bins included, so that the bars' values sum to the count; the view
// reset shows every bin and every marker position in `xs`.
void showHistogram(QCustomPlot* plot, const Histogram& histogram, std::vector<double> xs)
{
    auto* bars = qobject_cast<QCPBars*>(plot->plottable(0));
    const size_t bins = histogram.edges.empty() ? 0 : std::min(histogram.counts.size(), histogram.edges.size() - 1);
    QVector<double> keys, counts;
    double top = 1.0;
    for (size_t i = 0; i < bins; ++i) {
        keys << 0.5 * (histogram.edges[i] + histogram.edges[i + 1]);
        counts << double(histogram.counts[i]);
        top = std::max(top, counts.back());
    }
    const double width = bins > 0 ? (histogram.edges[bins] - histogram.edges[0]) / double(bins) : 0.0;
    bars->setWidth(width > 0 ? width : 1.0);
    bars->setData(keys, counts, true);
    if (bins > 0)
        xs.insert(xs.end(), {histogram.edges.front(), histogram.edges[bins]});
    const QCPRange x = paddedRange(xs);
    setViewReset(plot, [plot, x, top] {
        plot->xAxis->setRange(x);
        plot->yAxis->setRange(0.5, top * 3.0);
    });
    resetView(plot);
}

} // namespace

LayerDetailPlots::LayerDetailPlots(QWidget* parent) : FigureTabs(parent)
{
    for (const QString& key : {QStringLiteral("weights"), QStringLiteral("activations")}) {
        const bool weights = key == QLatin1String("weights");
        QCustomPlot* plot = addFigure(key, weights ? tr("Weights") : tr("Activations"), weights ? tr("weight value") : tr("input value"),
                                      tr("count (log)"));
        auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
        bars->setName(tr("histogram"));
        bars->setPen(Qt::NoPen);
        bars->setBrush(QColor(0x00, 0x72, 0xB2, 170));
        setLogScale(plot->yAxis);
        installHoverTooltips(plot, binText);
    }

    QCustomPlot* channels = addFigure(QStringLiteral("channels"), tr("Channels"), tr("channel"), tr("weight abs-max"));
    for (int outlier = 0; outlier < 2; ++outlier) {
        auto* bars = new QCPBars(channels->xAxis, channels->yAxis);
        bars->setPen(Qt::NoPen);
        bars->setBrush(seriesColor(outlier));
        bars->setWidth(0.8);
    }
    addLine(channels, channels->yAxis2, tr("input channel abs-max"), 2);
    channels->yAxis2->setLabel(tr("input abs-max"));

    QCustomPlot* hessian = addFigure(QStringLiteral("hessian"), tr("Hessian"), tr("eigenvalue"), tr("density (log)"));
    addLine(hessian, hessian->yAxis, tr("eigenvalue density (SLQ)"), 0);
    setLogScale(hessian->yAxis);

    QCustomPlot* spectrum = addFigure(QStringLiteral("spectrum"), tr("Spectrum"), tr("rank"), tr("singular value (log)"));
    addLine(spectrum, spectrum->yAxis, tr("singular value σ"), 0);
    addLine(spectrum, spectrum->yAxis2, tr("cumulative energy Σσ²"), 1);
    spectrum->yAxis2->setLabel(tr("cumulative energy (fraction)"));
    spectrum->yAxis2->setVisible(true);
    setLogScale(spectrum->yAxis);

    QCustomPlot* deltaLoss = addFigure(QStringLiteral("deltaloss"), tr("ΔLoss"), tr("weight bits"), tr("ΔLoss (nats, symlog)"));
    installHoverTooltips(deltaLoss, [this](QCPAbstractPlottable* graph, int index) { return describeDeltaLoss(graph, index); });

    QCustomPlot* methods = addFigure(QStringLiteral("methods"), tr("Methods"), tr("weight bits"),
                                     tr("relative output error (log)"));
    setLogScale(methods->yAxis);
    installHoverTooltips(methods, [](QCPAbstractPlottable* graph, int index) {
        const auto data = qobject_cast<QCPGraph*>(graph)->data();
        const auto point = data->at(index);
        const std::optional<QuantMethod> method = enumFromName<QuantMethod>(graph->name().toStdString());
        return tr("%1 at %2 bits: relative output error %3\n%4")
            .arg(graph->name())
            .arg(point->key)
            .arg(point->value, 0, 'g', 4)
            .arg(method ? QString::fromUtf8(methodSummary(*method)) : QString());
    });
    setLayer(-1);
}

QCustomPlot* LayerDetailPlots::addFigure(const QString& key, const QString& tabLabel, const QString& xLabel, const QString& yLabel)
{
    QCustomPlot* plot = createFigure(nullptr, tabLabel, key);
    plot->xAxis->setLabel(xLabel);
    plot->yAxis->setLabel(yLabel);
    showLegendAbove(plot);
    addFigureTab(key, plot, plot, tabLabel);
    return plot;
}

void LayerDetailPlots::setAnalysis(std::shared_ptr<const ModelAnalysis> analysis)
{
    m_analysis = std::move(analysis);
    setLayer(m_analysis && m_layer < int(m_analysis->layers.size()) ? m_layer : -1);
}

void LayerDetailPlots::setLayer(int layer)
{
    m_layer = m_analysis && layer >= 0 && layer < int(m_analysis->layers.size()) ? layer : -1;
    drawWeights();
    drawActivations();
    drawChannels();
    drawHessian();
    drawSpectrum();
    drawDeltaLoss();
    drawMethods();
}

int LayerDetailPlots::layer() const
{
    return m_layer;
}

void LayerDetailPlots::setGridLevels(std::vector<double> levels, const QString& optionLabel)
{
    m_gridLevels = std::move(levels);
    m_gridLabel = optionLabel;
    drawWeights();
}

void LayerDetailPlots::setChosenRank(int64_t rank)
{
    m_chosenRank = rank;
    drawSpectrum();
}

void LayerDetailPlots::setPlanOption(const LayerOption& option)
{
    setChosenRank(option.rank);
    const bool perTensor = option.weight.granularity == Granularity::PerTensor;
    const QString label = perTensor ? tr("%1 grid").arg(QString::fromStdString(option.label()))
                                    : tr("%1 grid (widest channel)").arg(QString::fromStdString(option.label()));
    if (!m_analysis || m_layer < 0 || size_t(m_layer) >= m_analysis->weights.size()) {
        setGridLevels({}, label);
        return;
    }
    const WeightStatistics& w = m_analysis->weights[size_t(m_layer)];
    double lo = w.values.min;
    double hi = w.values.max;
    if (!perTensor && !w.outputAbsMax.empty()) {
        const auto widest = size_t(std::max_element(w.outputAbsMax.begin(), w.outputAbsMax.end()) - w.outputAbsMax.begin());
        lo = w.outputMin[widest];
        hi = w.outputMax[widest];
    }
    setGridLevels(quantizationLevels(option.weight, lo, hi), label);
}

// Clears the plot's decorations and says whether to draw: false (showing why) when no layer is
// selected or its part of the analysis is missing.
bool LayerDetailPlots::ready(QCustomPlot* plot, bool available, const QString& whatToRun)
{
    clearDecorations(plot);
    for (int i = 0; i < plot->plottableCount(); ++i)
        if (auto* graph = qobject_cast<QCPGraph*>(plot->plottable(i)))
            graph->data()->clear();
        else if (auto* bars = qobject_cast<QCPBars*>(plot->plottable(i)))
            bars->data()->clear();
    AnalysisPlaceholder* tab = placeholder(plot);
    if (m_layer < 0) {
        tab->showMessage(tr("Select a layer"), tr("Click a layer in the layer table or in an overview plot."));
        return false;
    }
    tab->showContent(available, whatToRun);
    return available;
}

void LayerDetailPlots::decorate(QCustomPlot* plot, const QString& title, const QString& suffix)
{
    const QString name = QString::fromStdString(m_analysis->layers[m_layer].name);
    setFigureTitle(plot, QStringLiteral("%1 — %2").arg(title, name));
    installFigureMenu(plot, name + QLatin1Char('_') + suffix);
}

void LayerDetailPlots::drawWeights()
{
    QCustomPlot* plot = this->plot(QStringLiteral("weights"));
    if (!ready(plot, m_analysis && size_t(m_layer) < m_analysis->weights.size(), tr("Run Analyse with weight statistics enabled.")))
        return;
    const ValueStatistics& v = m_analysis->weights[m_layer].values;
    std::vector<double> xs;
    const auto mark = [&](std::vector<double> at, const QPen& pen, const QString& legend) {
        addVerticalMarkers(plot, at, pen, legend);
        xs.insert(xs.end(), at.begin(), at.end());
    };
    const std::vector<double>& ks = m_analysis->options.statisticsOptions.sigmaMultiples;
    for (size_t i = 0; i < ks.size(); ++i) {
        const QString beyond = i < v.beyondSigma.size() ? percent(v.beyondSigma[i], 3) : tr("–");
        mark({v.mean - ks[i] * v.std, v.mean + ks[i] * v.std}, markerPen(seriesColor(2 + int(i))),
             tr("mean ± %1σ (%2 beyond)").arg(ks[i]).arg(beyond));
    }
    mark({-v.absMax, v.absMax}, markerPen(Qt::black, Qt::DashDotLine), tr("± abs-max = %1").arg(valueText(v.absMax)));
    if (!m_gridLevels.empty()) {
        const bool drawn = m_gridLevels.size() <= kMaxGridLines;
        addVerticalMarkers(plot, drawn ? m_gridLevels : std::vector<double>{}, markerPen(QColor(0xD5, 0x5E, 0x00, 150), Qt::SolidLine, 0.7),
                           (drawn ? tr("%1 (%2 levels)") : tr("%1 (%2 levels, too dense to draw)")).arg(m_gridLabel).arg(m_gridLevels.size()));
    }
    decorate(plot, tr("Weights"), QStringLiteral("weights"));
    showHistogram(plot, v.histogram, xs);
}

void LayerDetailPlots::drawActivations()
{
    QCustomPlot* plot = this->plot(QStringLiteral("activations"));
    if (!ready(plot, m_analysis && size_t(m_layer) < m_analysis->activations.size(),
               tr("Run Analyse with a calibration set to measure the layer inputs.")))
        return;
    const ActivationStatistics& a = m_analysis->activations[m_layer];
    if (!a.measured) {
        placeholder(plot)->showMessage(tr("Integer input"), tr("This layer's input is integer (embedding indices): there is nothing to measure."));
        return;
    }
    const std::vector<double> xs{a.p99, a.p999, a.p9999};
    const QString names[] = {tr("p99"), tr("p99.9"), tr("p99.99")};
    for (size_t i = 0; i < xs.size(); ++i)
        addVerticalMarkers(plot, {xs[i]}, markerPen(seriesColor(2 + int(i))), tr("%1 = %2").arg(names[i], valueText(xs[i])));
    decorate(plot, tr("Layer input"), QStringLiteral("activations"));
    showHistogram(plot, a.values.histogram, xs);
}

void LayerDetailPlots::drawChannels()
{
    QCustomPlot* plot = this->plot(QStringLiteral("channels"));
    if (!ready(plot, m_analysis && size_t(m_layer) < m_analysis->weights.size(), tr("Run Analyse with weight statistics enabled.")))
        return;
    const WeightStatistics& w = m_analysis->weights[m_layer];
    std::vector<bool> outlier(w.outputAbsMax.size(), false);
    for (int64_t c : w.outlierChannels)
        if (c >= 0 && size_t(c) < outlier.size())
            outlier[size_t(c)] = true;
    QVector<double> keys[2], values[2];
    std::vector<double> finiteAbsMax;
    for (size_t c = 0; c < w.outputAbsMax.size(); ++c)
        if (std::isfinite(w.outputAbsMax[c])) {
            keys[outlier[c]] << double(c);
            values[outlier[c]] << w.outputAbsMax[c];
            finiteAbsMax.push_back(w.outputAbsMax[c]);
        }
    for (int i = 0; i < 2; ++i)
        qobject_cast<QCPBars*>(plot->plottable(i))->setData(keys[i], values[i], true);
    plot->plottable(0)->setName(tr("output channel abs-max"));
    plot->plottable(1)->setName(tr("outlier channels (%1)").arg(w.outlierChannels.size()));

    if (!finiteAbsMax.empty()) {
        const auto middle = finiteAbsMax.begin() + std::ptrdiff_t(finiteAbsMax.size() / 2);
        std::nth_element(finiteAbsMax.begin(), middle, finiteAbsMax.end());
        const double factor = m_analysis->options.statisticsOptions.outlierFactor;
        const QPen pen = markerPen(Qt::black);
        addHorizontalLine(plot, factor * *middle, pen);
        addLegendEntry(plot, tr("%1 × median = %2").arg(factor).arg(valueText(factor * *middle)), pen);
    }
    const bool inputs = size_t(m_layer) < m_analysis->activations.size() && m_analysis->activations[m_layer].measured;
    if (inputs)
        setIndexedData(plot->plottable(2), m_analysis->activations[m_layer].channelAbsMax, 0.0);
    plot->plottable(2)->setVisible(inputs);
    if (inputs)
        plot->plottable(2)->addToLegend();
    else
        plot->plottable(2)->removeFromLegend();
    plot->yAxis2->setVisible(inputs);
    decorate(plot, tr("Channel ranges"), QStringLiteral("channels"));
    setViewReset(plot, [plot] {
        plot->rescaleAxes(true);
        plot->xAxis->scaleRange(1.04);
        for (QCPAxis* axis : {plot->yAxis, plot->yAxis2})
            axis->setRange(0, axis->range().upper * 1.1);
    });
    resetView(plot);
}

void LayerDetailPlots::drawHessian()
{
    QCustomPlot* plot = this->plot(QStringLiteral("hessian"));
    const bool running = m_analysis && !m_analysis->hessian.empty();
    const LayerHessian* h = running && size_t(m_layer) < m_analysis->hessian.layers.size() ? &m_analysis->hessian.layers[m_layer] : nullptr;
    if (!ready(plot, h && hessianDone(*h),
               running ? tr("The Hessian analysis has not reached this layer yet.")
                       : tr("Run Analyse with the Hessian enabled (needs a calibration set).")))
        return;
    if (!h->problem.empty()) {
        placeholder(plot)->showMessage(tr("Hessian not finite"), QString::fromStdString(h->problem));
        return;
    }
    QVector<double> grid, density;
    double top = 0.0;
    for (size_t i = 0; i < std::min(h->densityGrid.size(), h->density.size()); ++i)
        if (std::isfinite(h->densityGrid[i]) && std::isfinite(h->density[i]) && h->density[i] > 0) {
            grid << h->densityGrid[i];
            density << h->density[i];
            top = std::max(top, h->density[i]);
        }
    plot->graph(0)->setData(grid, density, true);
    std::vector<double> xs(grid.begin(), grid.end());
    xs.insert(xs.end(), h->topEigenvalues.begin(), h->topEigenvalues.end());
    addVerticalMarkers(plot, h->topEigenvalues, markerPen(seriesColor(1)),
                       tr("top %1 eigenvalues (λ₁ = %2)").arg(h->topEigenvalues.size()).arg(valueText(h->topEigenvalues[0])));
    decorate(plot, tr("Hessian eigenvalue density"), QStringLiteral("hessian"));
    const QCPRange x = paddedRange(xs);
    // The Gaussian broadening's tails reach hundreds of decades down; six are what one can read.
    const QCPRange y = top > 0 ? QCPRange(top * 1e-6, top * 3.0) : QCPRange(1e-6, 1.0);
    setViewReset(plot, [plot, x, y] {
        plot->xAxis->setRange(x);
        plot->yAxis->setRange(y);
    });
    resetView(plot);
}

void LayerDetailPlots::drawSpectrum()
{
    QCustomPlot* plot = this->plot(QStringLiteral("spectrum"));
    if (!ready(plot, m_analysis && size_t(m_layer) < m_analysis->spectra.size(), tr("Run Analyse with weight spectra enabled.")))
        return;
    const WeightSpectrum& s = m_analysis->spectra[m_layer];
    setIndexedData(plot->plottable(0), s.singularValues, 1.0, true);
    setIndexedData(plot->plottable(1), s.energy, 1.0);
    const std::pair<int64_t, int> marks[] = {{s.rank90, 90}, {s.rank95, 95}, {s.rank99, 99}};
    for (size_t i = 0; i < std::size(marks); ++i)
        if (marks[i].first > 0)
            addVerticalMarkers(plot, {double(marks[i].first)}, markerPen(seriesColor(2 + int(i))),
                               tr("rank %1 keeps %2 % of Σσ²").arg(marks[i].first).arg(marks[i].second));
    if (m_chosenRank > 0)
        addVerticalMarkers(plot, {double(m_chosenRank)}, markerPen(Qt::black, Qt::SolidLine, 1.6), tr("chosen rank %1").arg(m_chosenRank));
    decorate(plot, tr("Singular values"), QStringLiteral("spectrum"));
    const double n = double(std::max(s.singularValues.size(), s.energy.size()));
    setViewReset(plot, [plot, n] {
        plot->rescaleAxes(true);
        plot->xAxis->setRange(0.5, n + 0.5);
        plot->yAxis->scaleRange(1.2);
        plot->yAxis2->setRange(0.0, 1.05);
    });
    resetView(plot);
}

void LayerDetailPlots::drawDeltaLoss()
{
    QCustomPlot* plot = this->plot(QStringLiteral("deltaloss"));
    plot->clearPlottables();
    m_deltaLossOptions.clear();
    if (!ready(plot, m_analysis && !m_analysis->sensitivity.empty(), tr("Run Analyse with sensitivity enabled (needs a calibration set).")))
        return;
    const SensitivityAnalysis& sensitivity = m_analysis->sensitivity;
    const auto cell = [&](const CostTable& table, size_t option) { return deltaLossAt(table, size_t(m_layer), option); };
    std::vector<WeightQuant> weights(sensitivity.options.size()); // per option; FP32 when the layer has none
    if (size_t(m_layer) < sensitivity.layerOptions.size())
        for (size_t o = 0; o < weights.size() && o < sensitivity.layerOptions[size_t(m_layer)].size(); ++o)
            weights[o] = optionWeights(sensitivity.layerOptions[size_t(m_layer)][o]);
    const auto bits = [&](size_t o) { return weights[o].format == NumberFormat::Float32 ? 0 : weights[o].bits; };
    const auto isFloat = [&](size_t o) { return weights[o].format != NumberFormat::Int; };
    std::vector<double> all;
    for (const CostTable& table : sensitivity.tables)
        for (size_t o = 0; o < weights.size(); ++o)
            all.push_back(bits(o) > 0 ? cell(table, o) : NAN);
    const SymLog symlog = SymLog::fitting(all);

    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    std::vector<double> xs;
    bool floats = false;
    for (size_t e = 0; e < sensitivity.tables.size(); ++e) {
        const CostTable& table = sensitivity.tables[e];
        const QColor colour = seriesColor(int(e));
        // The ground truth has no trend to draw between its points. Float formats (fp8 at 8 bits,
        // fp16 at 16) are other number formats than the integer line's, so they stand apart too.
        const bool measured = table.estimator == "measured";
        const QCPScatterStyle style = measured ? QCPScatterStyle(QCPScatterStyle::ssDisc, colour, colour, 9)
                                               : seriesMarker(int(e), Qt::white, 6);
        const auto addSeries = [&](std::vector<size_t> options, bool joined) {
            std::stable_sort(options.begin(), options.end(), [&](size_t a, size_t b) { return bits(a) < bits(b); });
            QCPGraph* graph = plot->addGraph();
            graph->setName(QString::fromStdString(table.estimator));
            graph->setPen(QPen(colour, 1.5));
            graph->setLineStyle(joined ? QCPGraph::lsLine : QCPGraph::lsNone);
            graph->setScatterStyle(style);
            QVector<double> keys, values;
            for (size_t o : options) {
                keys << bits(o);
                values << symlog.toAxis(cell(table, o));
                ticker->addTick(bits(o), QString::number(bits(o)));
                xs.push_back(bits(o));
            }
            graph->setData(keys, values, true);
            m_deltaLossOptions.insert(graph, std::move(options));
            return graph;
        };
        std::vector<size_t> line, points;
        for (size_t o = 0; o < weights.size(); ++o)
            if (bits(o) > 0 && std::isfinite(cell(table, o)))
                (measured || isFloat(o) ? points : line).push_back(o);
        floats = floats || std::any_of(points.begin(), points.end(), isFloat);
        addSeries(measured ? points : line, !measured);
        if (!measured && !points.empty())
            addSeries(points, false)->removeFromLegend();
    }
    if (floats)
        addLegendEntry(plot, tr("unjoined points: float formats"), QPen(Qt::NoPen));
    addHorizontalLine(plot, 0.0, markerPen(QColor(120, 120, 120), Qt::SolidLine, 1.0));
    addLegendEntry(plot, tr("y = %1").arg(symlog.formula(tr("ΔL"))), QPen(Qt::NoPen));
    plot->xAxis->setTicker(ticker);
    plot->yAxis->setTicker(symlog.ticker());
    decorate(plot, tr("ΔLoss against weight bits"), QStringLiteral("deltaloss"));
    const QCPRange x = xs.empty() ? QCPRange(1, 9) : QCPRange(*std::min_element(xs.begin(), xs.end()) - 0.5, *std::max_element(xs.begin(), xs.end()) + 0.5);
    setViewReset(plot, [plot, x] {
        plot->rescaleAxes(true);
        QCPRange y = plot->yAxis->range();
        y.expand(0.0);
        plot->yAxis->setRange(y);
        plot->yAxis->scaleRange(1.15);
        plot->xAxis->setRange(x);
    });
    resetView(plot);
}

void LayerDetailPlots::drawMethods()
{
    QCustomPlot* plot = this->plot(QStringLiteral("methods"));
    plot->clearPlottables();
    if (!ready(plot, m_analysis && !m_analysis->quantError.methodOptions.empty(),
               tr("Run Analyse with the output error per method enabled (needs a calibration set).")))
        return;
    const QuantErrorTable& t = m_analysis->quantError;
    // One line per method through its widths, in the order the table lists them.
    std::vector<QuantMethod> methods;
    for (const std::string& spec : t.methodOptions) {
        const QuantMethod m = optionFromSpec(spec).weight.method;
        if (std::find(methods.begin(), methods.end(), m) == methods.end())
            methods.push_back(m);
    }
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (size_t k = 0; k < methods.size(); ++k) {
        QCPGraph* graph = plot->addGraph();
        graph->setName(QString::fromLatin1(nameOf(methods[k])));
        graph->setPen(QPen(seriesColor(int(k)), 1.5));
        graph->setScatterStyle(seriesMarker(int(k), Qt::white, 6));
        QVector<double> keys, values;
        for (size_t o = 0; o < t.methodOptions.size(); ++o) {
            const WeightQuant w = optionFromSpec(t.methodOptions[o]).weight;
            const double e = t.methodOutputError[size_t(m_layer)][o];
            if (w.method != methods[k] || !(e > 0))
                continue;
            keys << w.bits;
            values << e;
            ticker->addTick(w.bits, QString::number(w.bits));
        }
        graph->setData(keys, values, true);
    }
    plot->xAxis->setTicker(ticker);
    decorate(plot, tr("‖(Ŵ − W)·X‖² / ‖W·X‖² on the calibration inputs"), QStringLiteral("methods"));
    setViewReset(plot, [plot] {
        plot->rescaleAxes(true);
        plot->xAxis->scaleRange(1.15);
        plot->yAxis->scaleRange(1.3);
    });
    resetView(plot);
}

QString LayerDetailPlots::describeDeltaLoss(QCPAbstractPlottable* graph, int index) const
{
    const auto options = m_deltaLossOptions.constFind(graph);
    const CostTable* table = m_analysis ? m_analysis->sensitivity.table(graph->name().toStdString()) : nullptr;
    if (options == m_deltaLossOptions.cend() || !table || size_t(index) >= options->size())
        return {};
    return deltaLossText(*m_analysis, *table, size_t(m_layer), (*options)[size_t(index)]);
}

} // namespace bitlens::views
