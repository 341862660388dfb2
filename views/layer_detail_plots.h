#pragma once
// One layer up close: its weight and input histograms against the quantization grid, its
// channels' ranges, its Hessian spectrum, its singular values, ΔLoss against bits by every
// estimator, and the output error against bits by every quantization method. Tabs show a placeholder until a layer is selected and its part was analysed.
// Threading: GUI thread only.

#include "figure_tabs.h"

#include "core/quant/layer_option.h"
#include "core/stats/model_analysis.h"

#include <QHash>

#include <memory>

class QCPAbstractPlottable;
class QCustomPlot;

namespace bitlens::views {

class LayerDetailPlots final : public FigureTabs {
    Q_OBJECT
public:
    explicit LayerDetailPlots(QWidget* parent = nullptr);

    // Keeps the layer when the new analysis still has it, else shows none.
    void setAnalysis(std::shared_ptr<const ModelAnalysis> analysis);
    void setLayer(int layer); // -1: none, every tab says "Select a layer"
    int layer() const;
    // The weight values a quantization option can represent, drawn as thin lines over the weight
    // histogram (not past 512 levels, where they would fill it); empty: none. `optionLabel` is the
    // legend entry, e.g. "w4 per-channel sym grid (widest channel)".
    void setGridLevels(std::vector<double> levels, const QString& optionLabel);
    void setChosenRank(int64_t rank); // 0: full rank, no marker
    // Both of the above from a plan's option for the shown layer: the grid its weight format
    // rounds the layer's widest output channel to (per-tensor: the whole weight), and its rank.
    void setPlanOption(const LayerOption& option);

    // plot(name): "weights", "activations", "channels", "hessian", "spectrum", "deltaloss", "methods".
    // Plottable 0 is always the data, so tests can read what is shown:
    //   weights, activations: 0 QCPBars, one bar per histogram bin (key = bin centre, value = the
    //     raw count, empty bins too, so the values sum to ValueStatistics::count); log y.
    //   channels: 0 QCPBars output abs-max of ordinary channels, 1 of outlier channels (key =
    //     channel), 2 QCPGraph input channel abs-max on the right axis (empty when not measured).
    //   hessian: 0 QCPGraph density at its positive finite grid points; log y.
    //   spectrum: 0 QCPGraph σ against rank 1…n (positive values), 1 cumulative energy (right).
    //   deltaloss: per cost table in table order a QCPGraph named by its estimator (measured:
    //     points; others: the line through the integer options) and, for a table other than
    //     measured with float-format cells (fp8 at 8 bits, fp16/bf16 at 16), one more graph of
    //     those points, not in the legend. Key = bits, value = sign(ΔL)·log10(1 + |ΔL|/scale);
    //     options with a rank part have no place on the bits axis and are left out.
    //   methods: per method in the order of QuantErrorTable::methodOptions a QCPGraph named by it,
    //     key = bits, value = the relative output error (its positive values; log y).
    // Decorations (markers, legend-only entries) follow the data and are not selectable.

private:
    QCustomPlot* addFigure(const QString& key, const QString& tabLabel, const QString& xLabel, const QString& yLabel);
    bool ready(QCustomPlot* plot, bool available, const QString& whatToRun);
    void decorate(QCustomPlot* plot, const QString& title, const QString& suffix);
    void drawWeights();
    void drawActivations();
    void drawChannels();
    void drawHessian();
    void drawSpectrum();
    void drawDeltaLoss();
    void drawMethods();
    QString describeDeltaLoss(QCPAbstractPlottable* graph, int index) const;

    std::shared_ptr<const ModelAnalysis> m_analysis;
    int m_layer = -1;
    std::vector<double> m_gridLevels;
    QString m_gridLabel;
    int64_t m_chosenRank = 0;
    QHash<const QCPAbstractPlottable*, std::vector<size_t>> m_deltaLossOptions; // data index → option
};

} // namespace bitlens::views
