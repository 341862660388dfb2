#pragma once
// Two plans side by side: the layers where they differ (options, bytes, predicted ΔLoss) and their
// totals (size, average bits, predicted ΔLoss, the measured headline when known: top-1, or
// perplexity for a language model). Threading: GUI thread only.

#include "core/alloc/plan_prediction.h"
#include "core/eval/eval_result.h"
#include "core/model/layer_info.h"
#include "core/quant/compression_plan.h"

#include <QString>
#include <QWidget>

#include <optional>
#include <vector>

class QLabel;
class QTableWidget;

namespace bitlens::views {

// Ownership: plain value. Threading: no shared state.
struct ComparedPlan {
    QString label;
    CompressionPlan plan;
    PlanPrediction prediction;          // predictPlan of `plan` on the layers below
    std::optional<EvalResult> measured; // when this very plan was evaluated
};

struct PlanComparison {
    ComparedPlan a;
    ComparedPlan b;
    std::vector<LayerInfo> layers; // the prediction's layers, in its order
    TaskKind task = TaskKind::Classification; // what "measured" means: top-1 or perplexity
};

class PlanCompareView final : public QWidget {
    Q_OBJECT
public:
    // Columns of layerTable().
    enum Column { Layer, OptionA, OptionB, BytesA, BytesB, DeltaLossA, DeltaLossB, ColumnCount };
    // Rows of totalsTable(), whose columns are A, B and B − A.
    enum Total { ModelSize, LayerSize, AverageBits, PredictedDeltaLoss, MeasuredHeadline, TotalCount };

    explicit PlanCompareView(QWidget* parent = nullptr);

    // Drawn now when shown, else when next shown: a hidden view costs nothing per plan edit.
    void setComparison(const PlanComparison& comparison);
    // One row per layer whose option differs, in layer order.
    QTableWidget* layerTable() const { return m_layers; }
    QTableWidget* totalsTable() const { return m_totals; }

protected:
    void showEvent(QShowEvent* event) override;

private:
    void draw();
    void showTotals(const PlanComparison& c);
    void showLayers(const PlanComparison& c);

    PlanComparison m_comparison;
    bool m_stale = false;

    QLabel* m_title;
    QTableWidget* m_totals;
    QLabel* m_differ;
    QTableWidget* m_layers;
};

} // namespace bitlens::views
