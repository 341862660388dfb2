#pragma once
// Allocators from the GUI: the plugins' allocators run on the session's cost tables and pins in the
// background, their plan applied as one undoable edit; the session's Pareto front of the last run
// with the plans measured on it, and the comparison of the current plan with the one before.

#include "session_problem.h"

#include "core/alloc/pareto_front.h"
#include "core/eval/eval_result.h"
#include "core/io/session_state.h"
#include "plugins/plugin_host.h"
#include "views/allocator_panel.h"
#include "views/pareto_plot.h"
#include "views/plan_compare.h"

#include <QObject>

#include <memory>
#include <optional>

namespace bitlens::app {

class JobRunner;
class Session;

// Threading: GUI thread; allocations run on JobRunner's worker (key "allocate").
class AllocationController final : public QObject {
    Q_OBJECT
public:
    // Loads the plugins from PluginHost::defaultFolders() (BITLENS_PLUGIN_PATH among them).
    AllocationController(Session* session, JobRunner* jobs, QObject* parent = nullptr);

    const PluginHost& plugins() const { return m_plugins; }
    std::vector<views::AllocatorChoice> allocators() const;

    // Connects the views both ways and shows them the current state: the panel's Run and Cancel,
    // the plot's clicks, and this controller's results, ranges, front and comparison.
    void attach(views::AllocatorPanel* panel, views::ParetoPlot* plot, views::PlanCompareView* compare);

    // Runs the allocator on the request's table and budget with the session's pins and tie groups,
    // then applies its plan with Session::editPlan ("Allocate: <name> at <budget>") and makes its
    // Pareto front the session's. Errors (no sensitivity analysed, an infeasible budget, …) come
    // out as errorOccurred.
    void run(const views::AllocationRequest& request);
    void cancel();
    bool running() const { return m_running; }

    // The session's front (Session::paretoFront); null before a run, or once the analysis or the
    // pins changed under it.
    std::shared_ptr<const ParetoFront> front() const;
    // Applies the front's plan `index` as one undoable edit.
    void applyFrontPoint(int index);
    // Makes the front's plan `index` the comparison's A (by default the plan before the last
    // allocation, FP32 before any).
    void compareWithFrontPoint(int index);

    views::BudgetRange budgetRange() const { return m_range; }
    views::ParetoPlotData plotData() const;
    views::PlanComparison comparison() const;

signals:
    void runningChanged(bool running);
    void allocated(const views::AllocationSummary& summary);
    void errorOccurred(const QString& message); // one sentence
    void estimatorsChanged(const QStringList& estimators, const QString& current);
    void budgetRangeChanged(const views::BudgetRange& range);
    void plotDataChanged(const views::ParetoPlotData& data);
    void comparisonChanged(const views::PlanComparison& comparison);

private:
    struct Reference {
        QString label;
        CompressionPlan plan;
    };

    void finishRun(const views::AllocationRequest& request, const CompressionPlan& plan, const Allocation& allocation,
                   std::shared_ptr<const AllocationFront> front, const std::map<std::string, LayerOption>& pins);
    void applyPlan(const CompressionPlan& plan, const QString& text);
    void reportError(const QString& message);
    void onAnalysisChanged();
    void scheduleRefresh();
    void refresh();
    QString allocatorName(const QString& id) const;
    QString budgetText(int64_t bytes) const;
    std::optional<EvalResult> measuredFor(const CompressionPlan& plan) const;
    QStringList estimators() const;

    Session* m_session;
    JobRunner* m_jobs;
    PluginHost m_plugins;
    bool m_running = false;
    bool m_refreshPending = false;
    Reference m_reference;
    std::vector<OptionSpan> m_spans;
    views::BudgetRange m_range;
};

} // namespace bitlens::app
