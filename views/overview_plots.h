#pragma once
// Every layer side by side: Hessian curvature, outliers, weight spectra and the sensitivity
// heatmap of one estimator, one tab each. Each tab shows an "Analyse…" placeholder while its part
// of the analysis is missing, and draws partial results (a Hessian run in progress) as they come.
// Threading: GUI thread only.

#include "figure_tabs.h"

#include "core/stats/model_analysis.h"

#include <QHash>

#include <memory>

class QComboBox;
class QCPColorMap;
class QCPColorScale;
class QCPErrorBars;
class QCPGraph;
class QCPItemRect;
class QCustomPlot;
class QLabel;

namespace bitlens::views {

struct PlotHit;

class OverviewPlots final : public FigureTabs {
    Q_OBJECT
public:
    explicit OverviewPlots(QWidget* parent = nullptr);

    // Redraws every tab, one queued replot each. Tolerates any part being empty or partial.
    void setAnalysis(std::shared_ptr<const ModelAnalysis> analysis);
    // Highlights the layer in every tab; -1 for none. Does not emit layerSelected.
    void setSelectedLayer(int layer);

    // plot(name): "hessian", "outliers", "spectra", "sensitivity". Plottables: hessian 0 λ₁, 1
    // its error bars, 2 trace, 3 its error bars (keys are layer indices, only finite positive
    // values); outliers 0/1 weight/input kurtosis, 2/3 weight/input % beyond 3σ (right axis);
    // spectra 0 α (valid fits), 1 stable rank (right axis); sensitivity 0 the QCPColorMap, key =
    // layer, value = option, cell = sign(ΔL)·log10(1 + |ΔL|/scale).

    // The sensitivity tab's estimator ("measured", "hawq", …). setEstimator is ignored when the
    // analysis has no such table; before any analysis it picks the one to show first.
    QString estimator() const;
    void setEstimator(const QString& estimator);

signals:
    void layerSelected(int layer); // the user clicked a point, bar or cell of that layer
    // The sensitivity tab shows another estimator: the user's or setEstimator's choice, or a new
    // analysis without the one shown before.
    void estimatorChanged(const QString& estimator);

private:
    QCustomPlot* addLayerFigure(const QString& key, const QString& tabLabel, const QString& title,
                                QString (OverviewPlots::*describe)(int layer) const);
    void addSensitivityTab();
    void drawHessian();
    void drawOutliers();
    void drawSpectra();
    void drawSensitivity();
    void pick(const PlotHit& hit);
    QString describeHessian(int layer) const;
    QString describeOutliers(int layer) const;
    QString describeSpectrum(int layer) const;
    QString describeCell(int index) const;
    int layerCount() const;

    std::shared_ptr<const ModelAnalysis> m_analysis;
    int m_selected = -1;
    QString m_estimator = QStringLiteral("measured");
    QHash<QCustomPlot*, QCPItemRect*> m_highlights;
    QComboBox* m_estimators = nullptr;
    QLabel* m_colourNote = nullptr;
    QCPColorMap* m_heatmap = nullptr;
    QCPColorScale* m_colourScale = nullptr;
};

} // namespace bitlens::views
