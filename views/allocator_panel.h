#pragma once
// The allocator panel: which allocator, which cost table, what budget (average bits per weight or
// megabytes, optionally BOPs), Run and Cancel, and what the last run gave. Plain data in, a request
// out; the app runs it. Threading: GUI thread only.

#include "budget_range.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;

namespace bitlens::views {

// One allocator a plugin offers.
struct AllocatorChoice {
    QString id;          // what the plugin host runs ("knapsack")
    QString name;        // for the menu
    QString description; // one sentence
};

struct AllocationRequest {
    QString allocator;
    QString estimator;
    int64_t budgetBytes = 0;         // of the compressible layers
    std::optional<double> budgetBops; // per sample
};

// What the last run gave, for the status line.
struct AllocationSummary {
    QString allocator; // display name
    QString estimator;
    int64_t bytes = 0;
    double averageBits = 0.0;
    double predictedDeltaLoss = 0.0;
    double gap = 0.0; // above the optimum at most; +inf when the allocator knows no bound
    double seconds = 0.0;
};

enum class BudgetUnit { BitsPerWeight, Megabytes };

class AllocatorPanel final : public QWidget {
    Q_OBJECT
public:
    explicit AllocatorPanel(QWidget* parent = nullptr);

    void setAllocators(const std::vector<AllocatorChoice>& allocators);
    // The cost tables the analysis has; `current` is selected when listed. Empty: Run is disabled.
    void setEstimators(const QStringList& estimators, const QString& current);
    // The budget stays where it was, clamped into the new range.
    void setBudgetRange(const BudgetRange& range);
    void selectAllocator(const QString& id);
    void setBudget(double value, BudgetUnit unit);
    void setRunning(bool running);
    void showResult(const AllocationSummary& summary);
    void showError(const QString& message);

    // What Run would ask for now.
    AllocationRequest request() const;
    QString statusText() const;

signals:
    void runRequested(const bitlens::views::AllocationRequest& request);
    void cancelRequested();

private:
    BudgetUnit unit() const;
    double valueAt(int64_t bytes) const; // in the current unit
    void showBudgetRange();
    void showDescription();
    void onUnitChanged();
    void onSpinChanged(double value);
    void onSliderMoved(int position);
    void updateState();

    BudgetRange m_range;
    double m_bopsScale = 1.0; // BOPs per unit the BOPs spin box shows
    bool m_running = false;
    QComboBox* m_allocator;
    QLabel* m_description;
    QComboBox* m_estimator;
    QSlider* m_slider;
    QDoubleSpinBox* m_budget;
    QComboBox* m_unit;
    QLabel* m_rangeText;
    QCheckBox* m_useBops;
    QDoubleSpinBox* m_bops;
    QPushButton* m_run;
    QPushButton* m_cancel;
    QLabel* m_status;
};

} // namespace bitlens::views
