#pragma once
// How far each sensitivity estimator can be trusted: its predicted ΔLoss against the measured
// one for every (layer, option) cell, with its rank correlation in the legend. Threading: GUI
// thread only.

#include "core/stats/model_analysis.h"

#include <QHash>
#include <QPointer>
#include <QWidget>

#include <memory>

class QCPAbstractPlottable;
class QCPCurve;
class QCustomPlot;

namespace bitlens::views {

class AnalysisPlaceholder;

class EstimatorTrustPlot final : public QWidget {
    Q_OBJECT
public:
    explicit EstimatorTrustPlot(QWidget* parent = nullptr);

    // One point per cell finite in both tables, for every table but `measured`; a placeholder
    // when there is no measured table or nothing to compare with it.
    void setAnalysis(std::shared_ptr<const ModelAnalysis> analysis);
    void setSelectedLayer(int layer); // outlines that layer's points; -1 none; emits nothing
    // Plottables: one QCPCurve per estimator in table order (key = measured, value = predicted,
    // both as sign(ΔL)·log10(1 + |ΔL|/scale) with one scale), then the selection outline.
    QCustomPlot* plot() const;

signals:
    void layerSelected(int layer); // the user clicked one of its points
    void analyseRequested();

private:
    struct Cell {
        size_t layer;
        size_t option;
    };
    struct Series {
        size_t table;            // in sensitivity.tables
        std::vector<Cell> cells; // by data index
    };
    QString availability() const;
    void drawSelection();
    QString describe(QCPAbstractPlottable* curve, int index) const;

    std::shared_ptr<const ModelAnalysis> m_analysis;
    int m_selected = -1;
    QCustomPlot* m_plot;
    AnalysisPlaceholder* m_placeholder;
    QHash<const QCPAbstractPlottable*, Series> m_series;
    QPointer<QCPCurve> m_outline;
};

} // namespace bitlens::views
