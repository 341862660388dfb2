#pragma once
// The Pareto front of an allocation: every optimal plan's predicted ΔLoss against its size, the
// current plan and the budget on it, and the measured headline (top-1, or perplexity for a
// language model) of plans the user evaluated on a right axis. Clicking an optimal plan asks for it. Threading: GUI thread only.

#include "budget_range.h"
#include "headline_format.h"

#include "core/alloc/pareto_front.h"
#include "core/eval/eval_result.h"

#include <QPointer>
#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

class QCPAbstractPlottable;
class QCPGraph;
class QCustomPlot;

namespace bitlens::views {

class AnalysisPlaceholder;

// A plan measured on the evaluation set, drawn as its headline with the 95 % interval.
struct MeasuredPlanPoint {
    int64_t bytes = 0; // of the compressible layers, as the front counts them
    EvalResult result;
};

struct PlanMarker {
    int64_t bytes = 0;
    double deltaLoss = 0.0;
};

// Ownership: plain value; the front is shared, so handing the data out on every plan edit is cheap.
struct ParetoPlotData {
    std::shared_ptr<const ParetoFront> front; // null or empty: no allocator has run on this table
    QString estimator;                        // the cost table of the front's ΔLoss
    BitsPerWeight scale;                      // for the top axis and tooltips
    std::optional<PlanMarker> current;        // the plan being edited, by the same table
    int64_t budgetBytes = 0;                  // of the run that made the front; 0: none
    std::vector<MeasuredPlanPoint> measured;
    std::optional<EvalResult> baseline;       // the FP32 model's
    TaskKind task = TaskKind::Classification; // what the right axis shows
};

class ParetoPlot final : public QWidget {
    Q_OBJECT
public:
    explicit ParetoPlot(QWidget* parent = nullptr);

    void setData(const ParetoPlotData& data);
    QCustomPlot* plot() const;
    // One data point per front point, in the front's order (key MB, value ΔLoss on the y axis's
    // scale: symmetric log when the values cross zero, linear otherwise); null without a front.
    QCPGraph* frontGraph() const;

signals:
    void pointChosen(int index);   // a click on a front point: apply its plan
    void pointCompared(int index); // a Ctrl+click: compare its plan with the current one

private:
    QString describe(QCPAbstractPlottable* plottable, int index) const;
    void drawMeasured();
    void resetRanges();

    ParetoPlotData m_data;
    Qt::KeyboardModifiers m_pressModifiers;
    std::optional<double> m_symlogScale; // of the y axis drawn; none: linear
    QCustomPlot* m_plot;
    AnalysisPlaceholder* m_placeholder;
    QPointer<QCPGraph> m_front;
    QPointer<QCPGraph> m_current;
    QPointer<QCPGraph> m_measured;
};

} // namespace bitlens::views
