#pragma once
// Every plan measured so far, as its headline metric (top-1, or perplexity for a language
// model) against size, with the FP32 baseline for reference; clicking a point takes that plan back.

#include "headline_format.h"

#include "core/eval/eval_result.h"

#include <QWidget>

#include <optional>
#include <vector>

class QCustomPlot;

namespace bitlens::views {

struct MeasuredPoint {
    double megabytes = 0.0;
    EvalResult result;     // plotted as its headline with the 95 % interval
    QString label;         // how the plan reads in a tooltip ("4.04 bits/weight")
};

// Threading: GUI thread only.
class MeasuredPlansPlot final : public QWidget {
    Q_OBJECT
public:
    explicit MeasuredPlansPlot(QWidget* parent = nullptr);

    // `baseline`: the FP32 model's, nullopt while not measured. `current` is the index of the
    // current plan's point, -1 none. `task` decides the y axis even before anything was measured;
    // perplexities spanning a decade or more are drawn on a log scale.
    void setPoints(const std::vector<MeasuredPoint>& points, const std::optional<EvalResult>& baseline, int current,
                   TaskKind task);
    QCustomPlot* plot() const { return m_plot; }

signals:
    void pointChosen(int index);

private:
    void fitView();

    QCustomPlot* m_plot;
    std::vector<MeasuredPoint> m_points;
    std::vector<size_t> m_order; // plot data index → index into m_points
    std::optional<EvalResult> m_baseline;
    HeadlineFormat m_headline;
};

} // namespace bitlens::views
