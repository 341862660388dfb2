#pragma once
// The layer table: one row per compressible layer — its facts, the plan's option for it, and what
// the analysis found (curvature, outliers, predicted ΔLoss at that option).

#include "core/model/layer_info.h"
#include "core/alloc/plan_prediction.h"
#include "core/quant/compression_plan.h"
#include "core/stats/model_analysis.h"
#include "layer_editor.h"

#include <QAbstractTableModel>

#include <memory>
#include <vector>

namespace bitlens::views {

// Threading: GUI thread only. Holds its own copy of the rows, so the model it came from may be
// busy on a worker meanwhile.
class LayerTableModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Name, Kind, Shape, Params, Macs, Bits, Rank, Method,
        TopEigenvalue, Trace, Kurtosis, OutlierPercent, InputAbsMax, PredictedDeltaLoss,
        ColumnCount
    };
    // Numbers sort as numbers, not as the text shown; missing figures sort first.
    static constexpr int SortRole = Qt::UserRole + 1;
    // The cell's value as a fraction of its column's largest magnitude, for the bar drawn
    // behind it; invalid for columns without bars and for missing figures.
    static constexpr int BarRole = Qt::UserRole + 2;

    using QAbstractTableModel::QAbstractTableModel;

    void setLayers(std::vector<LayerInfo> layers);
    const std::vector<LayerInfo>& layers() const { return m_layers; }
    void setAnalysis(std::shared_ptr<const ModelAnalysis> analysis);
    // The plan and what it is predicted to cost (the ΔLoss column reads the prediction's cells).
    void setPlan(const CompressionPlan& plan, const PlanPrediction& prediction);
    QString estimator() const { return QString::fromStdString(m_prediction.estimator); }

    // The figure a numeric column shows for a row: NaN when not analysed (yet).
    double value(int row, int column) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    // Bits and Rank cells are editable (a spin box); an edit asks for the change, which the app
    // makes on every selected layer as one undoable step.
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role) override;

signals:
    void optionEditRequested(int row, bitlens::views::OptionField field, const bitlens::LayerOption& option);

private:
    void refreshDerived();
    QString missingReason(int column) const;

    std::vector<LayerInfo> m_layers;
    std::shared_ptr<const ModelAnalysis> m_analysis;
    CompressionPlan m_plan;
    PlanPrediction m_prediction;
    std::vector<double> m_columnScale;  // per column: largest finite |value|
};

} // namespace bitlens::views
