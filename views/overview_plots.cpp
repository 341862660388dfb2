#include "overview_plots.h"

#include "analysis_placeholder.h"
#include "analysis_values.h"
#include "format.h"
#include "plot_decorations.h"
#include "plot_style.h"
#include "symlog.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <utility>

namespace bitlens::views {
namespace {

QCPGraph* addPoints(QCustomPlot* plot, QCPAxis* valueAxis, const QString& name, int colour, QCPScatterStyle::ScatterShape shape)
{
    QCPGraph* graph = plot->addGraph(plot->xAxis, valueAxis);
    graph->setName(name);
    graph->setLineStyle(QCPGraph::lsNone);
    graph->setScatterStyle(QCPScatterStyle(shape, seriesColor(colour), seriesColor(colour), 7));
    graph->setPen(QPen(seriesColor(colour)));
    return graph;
}

QCPErrorBars* addErrorBars(QCPGraph* graph)
{
    auto* bars = new QCPErrorBars(graph->keyAxis(), graph->valueAxis());
    bars->setDataPlottable(graph);
    bars->setErrorType(QCPErrorBars::etValueError);
    bars->setPen(QPen(graph->pen().color(), 1.0));
    bars->setSelectable(QCP::stNone);
    bars->removeFromLegend();
    return bars;
}

// The statistics' k·σ fraction closest to the customary 3σ (the first one when 3 is not asked).
size_t sigmaIndex(const ModelAnalysis& analysis)
{
    const std::vector<double>& ks = analysis.options.statisticsOptions.sigmaMultiples;
    const auto three = std::find(ks.begin(), ks.end(), 3.0);
    return three == ks.end() ? 0 : size_t(three - ks.begin());
}

double sigmaMultiple(const ModelAnalysis& analysis)
{
    const std::vector<double>& ks = analysis.options.statisticsOptions.sigmaMultiples;
    return ks.empty() ? 3.0 : ks[sigmaIndex(analysis)];
}

double beyondSigmaPercent(const ValueStatistics& values, size_t index)
{
    return index < values.beyondSigma.size() ? 100.0 * values.beyondSigma[index] : NAN;
}

void scaleValueAxes(QCustomPlot* plot, int layers)
{
    plot->rescaleAxes(true);
    plot->xAxis->setRange(-0.5, layers - 0.5);
    plot->yAxis->scaleRange(1.15);
    plot->yAxis2->scaleRange(1.15);
}

} // namespace

OverviewPlots::OverviewPlots(QWidget* parent) : FigureTabs(parent)
{
    QCustomPlot* hessian = addLayerFigure(QStringLiteral("hessian"), tr("Hessian"), tr("Loss curvature per layer"),
                                          &OverviewPlots::describeHessian);
    setLogScale(hessian->yAxis);
    hessian->yAxis->setLabel(tr("eigenvalue (log)"));
    addErrorBars(addPoints(hessian, hessian->yAxis, tr("top eigenvalue λ₁ ± spread over batches"), 0, QCPScatterStyle::ssDisc));
    addErrorBars(addPoints(hessian, hessian->yAxis, tr("trace ± Hutchinson std. error"), 1, QCPScatterStyle::ssSquare));

    QCustomPlot* outliers = addLayerFigure(QStringLiteral("outliers"), tr("Outliers"), tr("Heavy tails per layer"),
                                           &OverviewPlots::describeOutliers);
    outliers->yAxis->setLabel(tr("excess kurtosis"));
    outliers->yAxis2->setVisible(true);
    addPoints(outliers, outliers->yAxis, tr("weight kurtosis"), 0, QCPScatterStyle::ssDisc);
    addPoints(outliers, outliers->yAxis, tr("input kurtosis"), 1, QCPScatterStyle::ssDisc);
    addPoints(outliers, outliers->yAxis2, tr("weights beyond 3σ (%)"), 0, QCPScatterStyle::ssTriangle);
    addPoints(outliers, outliers->yAxis2, tr("inputs beyond 3σ (%)"), 1, QCPScatterStyle::ssTriangle);

    QCustomPlot* spectra = addLayerFigure(QStringLiteral("spectra"), tr("Spectra"), tr("Weight spectra per layer"),
                                          &OverviewPlots::describeSpectrum);
    spectra->yAxis->setLabel(tr("power-law α of the ESD"));
    spectra->yAxis2->setVisible(true);
    spectra->yAxis2->setLabel(tr("stable rank Σσ²/σ₁²"));
    addPoints(spectra, spectra->yAxis, tr("α (valid fits)"), 0, QCPScatterStyle::ssDisc);
    addPoints(spectra, spectra->yAxis2, tr("stable rank"), 1, QCPScatterStyle::ssSquare);

    addSensitivityTab();
    setAnalysis(nullptr);
}

QCustomPlot* OverviewPlots::addLayerFigure(const QString& key, const QString& tabLabel, const QString& title,
                                           QString (OverviewPlots::*describe)(int layer) const)
{
    QCustomPlot* plot = createFigure(nullptr, title, key + QStringLiteral("_overview"), [this, describe](QCPAbstractPlottable* p, int index) {
        const int layer = layerOfKey(p, index);
        return layer >= 0 && layer < layerCount() ? (this->*describe)(layer) : QString();
    });
    plot->xAxis->setLabel(tr("layer"));
    showLegendAbove(plot);
    installClickPicking(plot, [this](const PlotHit& hit) { pick(hit); });
    setViewReset(plot, [plot, this] { scaleValueAxes(plot, layerCount()); });
    m_highlights.insert(plot, addLayerHighlight(plot, false));
    addFigureTab(key, plot, plot, tabLabel);
    return plot;
}

void OverviewPlots::addSensitivityTab()
{
    auto* content = new QWidget;
    m_estimators = new QComboBox;
    m_colourNote = new QLabel;
    m_colourNote->setWordWrap(true);
    QCustomPlot* plot = createFigure(nullptr, tr("Sensitivity: ΔLoss per layer and option"), QStringLiteral("sensitivity_heatmap"),
                                     [this](QCPAbstractPlottable*, int index) { return describeCell(index); });
    plot->xAxis->setLabel(tr("layer"));
    plot->yAxis->setLabel(tr("option"));
    m_heatmap = new QCPColorMap(plot->xAxis, plot->yAxis);
    m_heatmap->setInterpolate(false);
    m_colourScale = new QCPColorScale(plot);
    plot->plotLayout()->addElement(1, 1, m_colourScale);
    styleAxis(m_colourScale->axis());
    m_colourScale->setGradient(divergingGradient()); // blue where the loss falls, red where it rises
    m_heatmap->setColorScale(m_colourScale);
    auto* margins = new QCPMarginGroup(plot);
    plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_colourScale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    installClickPicking(plot, [this](const PlotHit& hit) { pick(hit); });
    m_highlights.insert(plot, addLayerHighlight(plot, true));

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Estimator:")));
    controls->addWidget(m_estimators);
    controls->addWidget(m_colourNote, 1);
    auto* layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(plot, 1);
    connect(m_estimators, &QComboBox::currentTextChanged, this, [this](const QString& name) {
        m_estimator = name;
        drawSensitivity();
        emit estimatorChanged(name);
    });
    addFigureTab(QStringLiteral("sensitivity"), plot, content, tr("Sensitivity"));
}

void OverviewPlots::setAnalysis(std::shared_ptr<const ModelAnalysis> analysis)
{
    m_analysis = std::move(analysis);
    if (m_selected >= layerCount())
        m_selected = -1;
    const QString shown = m_estimator;
    const QSignalBlocker blocker(m_estimators);
    m_estimators->clear();
    if (m_analysis)
        for (const CostTable& table : m_analysis->sensitivity.tables)
            m_estimators->addItem(QString::fromStdString(table.estimator));
    if (m_estimators->findText(m_estimator) >= 0)
        m_estimators->setCurrentText(m_estimator);
    else if (m_estimators->count() > 0)
        m_estimator = m_estimators->itemText(0);

    std::vector<std::string> names;
    for (size_t i = 0; m_analysis && i < m_analysis->layers.size(); ++i)
        names.push_back(m_analysis->layers[i].name);
    for (auto it = m_highlights.cbegin(); it != m_highlights.cend(); ++it) // one per plot
        setLayerTicks(it.key()->xAxis, names);
    drawHessian();
    drawOutliers();
    drawSpectra();
    drawSensitivity();
    setSelectedLayer(m_selected);
    if (m_estimator != shown)
        emit estimatorChanged(m_estimator);
}

void OverviewPlots::setSelectedLayer(int layer)
{
    m_selected = layer >= 0 && layer < layerCount() ? layer : -1;
    for (auto it = m_highlights.cbegin(); it != m_highlights.cend(); ++it) {
        placeLayerHighlight(it.value(), m_selected);
        it.key()->replot(QCustomPlot::rpQueuedReplot);
    }
}

QString OverviewPlots::estimator() const
{
    return m_estimator;
}

void OverviewPlots::setEstimator(const QString& estimator)
{
    if (m_estimators->count() == 0)
        m_estimator = estimator; // for the first analysis to come
    else if (m_estimators->findText(estimator) >= 0)
        m_estimators->setCurrentText(estimator); // redraws through currentTextChanged
}

int OverviewPlots::layerCount() const
{
    return m_analysis ? int(m_analysis->layers.size()) : 0;
}

void OverviewPlots::pick(const PlotHit& hit)
{
    const int layer = hit.plottable == m_heatmap ? hit.dataIndex % std::max(layerCount(), 1) : layerOfKey(hit.plottable, hit.dataIndex);
    if (layer >= 0 && layer < layerCount())
        emit layerSelected(layer);
}

void OverviewPlots::drawHessian()
{
    QCustomPlot* plot = this->plot(QStringLiteral("hessian"));
    QVector<double> lambdaKeys, lambdas, spreads, traceKeys, traces, traceErrors;
    bool available = false;
    int hiddenLambdas = 0, hiddenTraces = 0;
    const size_t layers = m_analysis ? std::min(m_analysis->hessian.layers.size(), m_analysis->layers.size()) : 0;
    for (size_t i = 0; i < layers; ++i) {
        const LayerHessian& layer = m_analysis->hessian.layers[i];
        available = available || hessianDone(layer);
        // A log axis has no place for non-positive curvature: counted in the legend instead.
        if (hessianDone(layer) && std::isfinite(layer.topEigenvalues[0])) {
            if (layer.topEigenvalues[0] <= 0) {
                ++hiddenLambdas;
            } else {
                lambdaKeys << double(i);
                lambdas << layer.topEigenvalues[0];
                spreads << (std::isfinite(layer.topEigenvalueSpread) ? layer.topEigenvalueSpread : 0.0);
            }
        }
        if (traceDone(layer)) {
            if (layer.trace <= 0) {
                ++hiddenTraces;
            } else {
                traceKeys << double(i);
                traces << layer.trace;
                traceErrors << (std::isfinite(layer.traceStdErr) ? layer.traceStdErr : 0.0);
            }
        }
    }
    qobject_cast<QCPGraph*>(plot->plottable(0))->setData(lambdaKeys, lambdas, true);
    qobject_cast<QCPErrorBars*>(plot->plottable(1))->setData(spreads);
    qobject_cast<QCPGraph*>(plot->plottable(2))->setData(traceKeys, traces, true);
    qobject_cast<QCPErrorBars*>(plot->plottable(3))->setData(traceErrors);
    const auto hidden = [this](int count) { return count > 0 ? tr(" (%n ≤ 0 not shown)", nullptr, count) : QString(); };
    plot->plottable(0)->setName(tr("top eigenvalue λ₁ ± spread over batches") + hidden(hiddenLambdas));
    plot->plottable(2)->setName(tr("trace ± Hutchinson std. error") + hidden(hiddenTraces));
    placeholder(plot)->showContent(available, tr("Run Analyse with the Hessian enabled (needs a calibration set)."));
    resetView(plot);
}

void OverviewPlots::drawOutliers()
{
    QCustomPlot* plot = this->plot(QStringLiteral("outliers"));
    QVector<double> keys[4], values[4];
    const auto add = [&](int series, size_t layer, double value) {
        if (std::isfinite(value)) {
            keys[series] << double(layer);
            values[series] << value;
        }
    };
    const size_t sigma = m_analysis ? sigmaIndex(*m_analysis) : 0;
    for (size_t i = 0; m_analysis && i < m_analysis->weights.size(); ++i) {
        add(0, i, m_analysis->weights[i].values.kurtosis);
        add(2, i, beyondSigmaPercent(m_analysis->weights[i].values, sigma));
    }
    for (size_t i = 0; m_analysis && i < m_analysis->activations.size(); ++i)
        if (m_analysis->activations[i].measured) {
            add(1, i, m_analysis->activations[i].values.kurtosis);
            add(3, i, beyondSigmaPercent(m_analysis->activations[i].values, sigma));
        }
    for (int s = 0; s < 4; ++s)
        qobject_cast<QCPGraph*>(plot->plottable(s))->setData(keys[s], values[s], true);
    const QString k = QString::number(m_analysis ? sigmaMultiple(*m_analysis) : 3.0);
    plot->plottable(2)->setName(tr("weights beyond %1σ (%)").arg(k));
    plot->plottable(3)->setName(tr("inputs beyond %1σ (%)").arg(k));
    plot->yAxis2->setLabel(tr("beyond %1σ (%)").arg(k));
    const bool available = m_analysis && (!m_analysis->weights.empty() || !m_analysis->activations.empty());
    placeholder(plot)->showContent(available, tr("Run Analyse with weight statistics (and a calibration set for the inputs)."));
    resetView(plot);
}

void OverviewPlots::drawSpectra()
{
    QCustomPlot* plot = this->plot(QStringLiteral("spectra"));
    QVector<double> alphaKeys, alphas, rankKeys, ranks;
    for (size_t i = 0; m_analysis && i < m_analysis->spectra.size(); ++i) {
        const WeightSpectrum& spectrum = m_analysis->spectra[i];
        if (spectrum.alpha.valid && std::isfinite(spectrum.alpha.alpha)) {
            alphaKeys << double(i);
            alphas << spectrum.alpha.alpha;
        }
        if (std::isfinite(spectrum.stableRank)) {
            rankKeys << double(i);
            ranks << spectrum.stableRank;
        }
    }
    qobject_cast<QCPGraph*>(plot->plottable(0))->setData(alphaKeys, alphas, true);
    qobject_cast<QCPGraph*>(plot->plottable(1))->setData(rankKeys, ranks, true);
    placeholder(plot)->showContent(m_analysis && !m_analysis->spectra.empty(), tr("Run Analyse with weight spectra enabled."));
    resetView(plot);
}

void OverviewPlots::drawSensitivity()
{
    QCustomPlot* plot = this->plot(QStringLiteral("sensitivity"));
    const CostTable* table = m_analysis ? m_analysis->sensitivity.table(m_estimator.toStdString()) : nullptr;
    const int layers = layerCount();
    const int options = m_analysis ? int(m_analysis->sensitivity.options.size()) : 0;
    placeholder(plot)->showContent(table && layers > 0 && options > 0,
                                    tr("Run Analyse with sensitivity enabled (needs a calibration set)."));
    if (!table || layers == 0 || options == 0)
        return;

    std::vector<double> all;
    for (const std::vector<double>& row : table->deltaLoss)
        all.insert(all.end(), row.begin(), row.end());
    const SymLog symlog = SymLog::fitting(all);
    double extent = 1e-12;
    QCPColorMapData* data = m_heatmap->data();
    data->setSize(layers, options);
    // The ranges span the cell centres; a single cell is drawn over its range instead.
    const auto centres = [](int n) { return n > 1 ? QCPRange(0, n - 1) : QCPRange(-0.5, 0.5); };
    data->setRange(centres(layers), centres(options));
    for (int l = 0; l < layers; ++l)
        for (int o = 0; o < options; ++o) {
            const double dl = deltaLossAt(*table, size_t(l), size_t(o));
            const double t = std::isfinite(dl) ? symlog.toAxis(dl) : NAN;
            extent = std::isfinite(t) ? std::max(extent, std::abs(t)) : extent;
            data->setCell(l, o, t);
        }
    // Symmetric, so white is always "no change" and the colours mean the same for every estimator.
    m_colourScale->setDataRange(QCPRange(-extent, extent));
    m_colourScale->axis()->setTicker(symlog.ticker());
    m_colourScale->axis()->setLabel(tr("ΔLoss (nats, symlog)"));
    m_colourNote->setText(tr("Colour: %1 — blue: the loss falls, red: it rises, grey: not defined.").arg(symlog.formula(tr("ΔL"))));
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (int o = 0; o < options; ++o)
        ticker->addTick(o, QString::fromStdString(m_analysis->sensitivity.options[o]));
    plot->yAxis->setTicker(ticker);
    setFigureTitle(plot, tr("Sensitivity: ΔLoss per layer and option (%1)").arg(m_estimator));
    installFigureMenu(plot, QStringLiteral("sensitivity_%1").arg(m_estimator));
    setViewReset(plot, [plot, layers, options] {
        plot->xAxis->setRange(-0.5, layers - 0.5);
        plot->yAxis->setRange(-0.5, options - 0.5);
    });
    resetView(plot);
}

QString OverviewPlots::describeHessian(int layer) const
{
    QString text = QString::fromStdString(m_analysis->layers[layer].name);
    if (size_t(layer) >= m_analysis->hessian.layers.size() || !hessianDone(m_analysis->hessian.layers[layer]))
        return text + tr("\nHessian: pending");
    const LayerHessian& h = m_analysis->hessian.layers[layer];
    text += tr("\nλ₁ = %1 ± %2 (spread over %3 batches)")
                .arg(valueText(h.topEigenvalues[0]), valueText(h.topEigenvalueSpread, 2))
                .arg(h.topEigenvalueBatches.size());
    for (size_t k = 1; k < h.topEigenvalues.size(); ++k)
        text += tr("\nλ%1 = %2").arg(k < 9 ? QString(QChar(0x2081 + int(k))) : QString::number(k + 1), valueText(h.topEigenvalues[k]));
    text += traceDone(h) ? tr("\ntrace = %1 ± %2 (%3 Hutchinson samples)")
                               .arg(valueText(h.trace), valueText(h.traceStdErr, 2))
                               .arg(h.traceSamples)
                         : tr("\ntrace: pending");
    if (!h.problem.empty())
        text += tr("\nproblem: %1").arg(QString::fromStdString(h.problem));
    return text;
}

QString OverviewPlots::describeOutliers(int layer) const
{
    QString text = QString::fromStdString(m_analysis->layers[layer].name);
    const size_t sigma = sigmaIndex(*m_analysis);
    const QString k = QString::number(sigmaMultiple(*m_analysis));
    const auto describe = [&](const QString& what, const ValueStatistics& v) {
        return tr("\n%1: kurtosis %2, %3 % beyond %4σ, abs-max/σ %5")
            .arg(what, valueText(v.kurtosis, 3), valueText(beyondSigmaPercent(v, sigma), 3), k, valueText(v.absMaxOverStd, 3));
    };
    if (size_t(layer) < m_analysis->weights.size()) {
        text += describe(tr("weights"), m_analysis->weights[layer].values);
        text += tr(", %1 outlier channels").arg(m_analysis->weights[layer].outlierChannels.size());
    }
    if (size_t(layer) < m_analysis->activations.size())
        text += m_analysis->activations[layer].measured ? describe(tr("inputs"), m_analysis->activations[layer].values)
                                                        : tr("\ninputs: integer, not measured");
    return text;
}

QString OverviewPlots::describeSpectrum(int layer) const
{
    QString text = QString::fromStdString(m_analysis->layers[layer].name);
    if (size_t(layer) >= m_analysis->spectra.size())
        return text;
    const WeightSpectrum& s = m_analysis->spectra[layer];
    text += s.alpha.valid ? tr("\nα = %1 (xmin %2, %3 eigenvalues in the tail, KS %4)")
                                .arg(valueText(s.alpha.alpha, 3), valueText(s.alpha.xmin, 3))
                                .arg(s.alpha.tailCount)
                                .arg(valueText(s.alpha.ksDistance, 2))
                          : tr("\nα: no power-law fit (too few eigenvalues)");
    text += tr("\nstable rank %1, effective rank %2").arg(valueText(s.stableRank, 3), valueText(s.effectiveRank, 3));
    text += tr("\nrank for 90 / 95 / 99 % energy: %1 / %2 / %3 of %4")
                .arg(s.rank90)
                .arg(s.rank95)
                .arg(s.rank99)
                .arg(s.singularValues.size());
    return text;
}

QString OverviewPlots::describeCell(int index) const
{
    const CostTable* table = m_analysis ? m_analysis->sensitivity.table(m_estimator.toStdString()) : nullptr;
    const int layers = layerCount();
    if (!table || layers == 0)
        return {};
    return deltaLossText(*m_analysis, *table, size_t(index % layers), size_t(index / layers));
}

} // namespace bitlens::views
