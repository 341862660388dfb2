#pragma once
// Every plan measured so far, as accuracy against size, with the FP32 baseline for reference;
// clicking a point takes that plan back.

#include <QWidget>

#include <vector>

class QCustomPlot;

namespace bitlens::views {

struct MeasuredPoint {
    double megabytes = 0.0;
    double top1 = 0.0;     // fraction
    double low = 0.0;      // 95 % interval of top1
    double high = 0.0;
    QString label;         // how the plan reads in a tooltip ("4.04 bits/weight")
};

// Threading: GUI thread only.
class MeasuredPlansPlot final : public QWidget {
    Q_OBJECT
public:
    explicit MeasuredPlansPlot(QWidget* parent = nullptr);

    // `baselineTop1` < 0: not measured. `current` is the index of the current plan's point, -1 none.
    void setPoints(const std::vector<MeasuredPoint>& points, double baselineTop1, int current);
    QCustomPlot* plot() const { return m_plot; }

signals:
    void pointChosen(int index);

private:
    QCustomPlot* m_plot;
    std::vector<MeasuredPoint> m_points;
    std::vector<size_t> m_order; // plot data index → index into m_points
};

} // namespace bitlens::views
