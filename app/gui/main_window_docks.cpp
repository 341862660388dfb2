// MainWindow's dock panels: the analysis plots, the layer editor and undo history, the measured
// plans, the allocator with its Pareto front and plan comparison, and how they are wired to the
// Session and the controllers.

#include "main_window.h"

#include "allocation_controller.h"
#include "export_controller.h"
#include "graph_controller.h"
#include "plan_editor.h"
#include "preview_controller.h"
#include "session.h"

#include "views/allocator_panel.h"
#include "views/estimator_trust_plot.h"
#include "views/graph_panel.h"
#include "views/layer_detail_plots.h"
#include "views/layer_editor.h"
#include "views/layer_table_model.h"
#include "views/measured_plans_plot.h"
#include "views/model_summary_panel.h"
#include "views/overview_plots.h"
#include "views/pareto_plot.h"
#include "views/plan_compare.h"

#include <QDockWidget>
#include <QMenu>
#include <QScreen>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTableView>
#include <QUndoView>

namespace bitlens::app {

QDockWidget* MainWindow::addDock(QWidget* content, const QString& title, const QString& name, Qt::DockWidgetArea area)
{
    auto* d = new QDockWidget(title, this);
    d->setObjectName(name); // saveState/restoreState find docks by name
    d->setWidget(content);
    addDockWidget(area, d);
    m_viewMenu->addAction(d->toggleViewAction());
    return d;
}

void MainWindow::createDocks()
{
    m_viewMenu = new QMenu(tr("&View"), this);
    m_measuredPlans = new views::MeasuredPlansPlot;
    m_overview = new views::OverviewPlots;
    m_detail = new views::LayerDetailPlots;
    m_trust = new views::EstimatorTrustPlot;
    // The table spans the width (it has many columns); the plots share the bottom half.
    QDockWidget* overview = addDock(m_overview, tr("Overview"), QStringLiteral("overviewDock"), Qt::BottomDockWidgetArea);
    QDockWidget* detail = addDock(m_detail, tr("Layer detail"), QStringLiteral("detailDock"), Qt::BottomDockWidgetArea);
    QDockWidget* trust = addDock(m_trust, tr("Estimator trust"), QStringLiteral("trustDock"), Qt::BottomDockWidgetArea);
    QDockWidget* measured = addDock(m_measuredPlans, tr("Measured plans"), QStringLiteral("measuredDock"), Qt::BottomDockWidgetArea);
    splitDockWidget(overview, detail, Qt::Horizontal);
    tabifyDockWidget(detail, trust);
    tabifyDockWidget(trust, measured);
    detail->raise();
    resizeDocks({overview}, {480}, Qt::Vertical);

    const auto select = [this](int layer) { m_session->setSelectedLayer(layer); };
    connect(m_overview, &views::OverviewPlots::layerSelected, this, select);
    connect(m_trust, &views::EstimatorTrustPlot::layerSelected, this, select);
    connect(m_overview, &views::OverviewPlots::estimatorChanged, m_session, &Session::setEstimator);
    connect(m_session, &Session::estimatorChanged, m_overview, &views::OverviewPlots::setEstimator);
    connect(m_overview, &views::OverviewPlots::analyseRequested, this, &MainWindow::showAnalyseDialog);
    connect(m_detail, &views::LayerDetailPlots::analyseRequested, this, &MainWindow::showAnalyseDialog);
    connect(m_trust, &views::EstimatorTrustPlot::analyseRequested, this, &MainWindow::showAnalyseDialog);
}

void MainWindow::createEditingDocks()
{
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_layerEditor = new views::LayerEditor;
    m_planEditor = new PlanEditor(m_session, m_layerEditor, m_table->selectionModel(), m_proxy, this);
    connect(m_layerModel, &views::LayerTableModel::optionEditRequested, this,
            [this](int row, views::OptionField field, const LayerOption& option) { m_planEditor->apply(field, option, row); });
    auto* history = new QUndoView(m_session->undoStack());
    history->setEmptyLabel(tr("<opened plan>"));
    QDockWidget* editor = addDock(m_layerEditor, tr("Edit layers"), QStringLiteral("editorDock"), Qt::RightDockWidgetArea);
    QDockWidget* undo = addDock(history, tr("Undo history"), QStringLiteral("undoDock"), Qt::RightDockWidgetArea);
    splitDockWidget(editor, undo, Qt::Vertical);
    resizeDocks({editor}, {330}, Qt::Horizontal);

    m_preview = new PreviewController(m_session, m_jobs, this);
    connect(m_session, &Session::predictionChanged, this, &MainWindow::updatePlanSummary);
    connect(m_preview, &PreviewController::measuredChanged, this, &MainWindow::updatePlanSummary);
    connect(m_session, &Session::measuredPlansChanged, this, &MainWindow::updatePlanSummary);
    connect(m_session, &Session::measuredPlansChanged, this, &MainWindow::updateMeasuredPlans);
    connect(m_session, &Session::baselineChanged, this, &MainWindow::updateMeasuredPlans);
    connect(m_session, &Session::planChanged, this, &MainWindow::updateMeasuredPlans); // the current plan's ring
    connect(m_measuredPlans, &views::MeasuredPlansPlot::pointChosen, this, [this](int i) {
        const std::vector<MeasuredPlan>& measured = m_session->measuredPlans();
        if (i >= 0 && size_t(i) < measured.size())
            m_session->editPlan({measured[size_t(i)].plan, m_session->pinned()}, tr("Take back a measured plan"));
    });
    updatePlanSummary();

    m_export = new ExportController(m_session, m_jobs, this);
    connect(m_export, &ExportController::progressChanged, this, [this](const QString& m) { statusBar()->showMessage(m); });
    connect(m_export, &ExportController::errorOccurred, this, &MainWindow::showError);
    connect(m_export, &ExportController::finished, this, [this](const QString& folder, const QStringList& files) {
        statusBar()->showMessage(tr("Exported %1 files to %2").arg(files.size()).arg(folder), 15000);
    });
}

void MainWindow::createAllocationDocks()
{
    m_allocation = new AllocationController(m_session, m_jobs, this);
    auto* panel = new views::AllocatorPanel;
    auto* pareto = new views::ParetoPlot;
    auto* compare = new views::PlanCompareView;
    m_allocation->attach(panel, pareto, compare);
    connect(m_allocation, &AllocationController::errorOccurred, this, &MainWindow::showError);
    QDockWidget* allocate = addDock(panel, tr("Allocate"), QStringLiteral("allocateDock"), Qt::RightDockWidgetArea);
    tabifyDockWidget(findChild<QDockWidget*>(QStringLiteral("editorDock")), allocate);
    QDockWidget* front = addDock(pareto, tr("Pareto front"), QStringLiteral("paretoDock"), Qt::BottomDockWidgetArea);
    QDockWidget* plans = addDock(compare, tr("Compare plans"), QStringLiteral("compareDock"), Qt::BottomDockWidgetArea);
    QDockWidget* measured = findChild<QDockWidget*>(QStringLiteral("measuredDock"));
    tabifyDockWidget(measured, front);
    tabifyDockWidget(front, plans);
    findChild<QDockWidget*>(QStringLiteral("detailDock"))->raise();
    findChild<QDockWidget*>(QStringLiteral("editorDock"))->raise();
}

void MainWindow::createGraphDock()
{
    m_graphPanel = new views::GraphPanel;
    m_graph = new GraphController(m_session, m_jobs, m_graphPanel, this);
    // A model graph is a tall chain: the left column, full height, beside the table and the plots.
    // A screen narrower than the window's default has no room for a third column: there the graph
    // is a tab beside the layer editor.
    const bool wide = !screen() || screen()->availableGeometry().width() >= 1500;
    if (wide) {
        setCorner(Qt::TopLeftCorner, Qt::LeftDockWidgetArea);
        setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    }
    QDockWidget* dock = addDock(m_graphPanel, tr("Graph"), QStringLiteral("graphDock"),
                                wide ? Qt::LeftDockWidgetArea : Qt::RightDockWidgetArea);
    if (wide)
        resizeDocks({dock}, {330}, Qt::Horizontal);
    else
        tabifyDockWidget(findChild<QDockWidget*>(QStringLiteral("allocateDock")), dock);
    findChild<QDockWidget*>(QStringLiteral("editorDock"))->raise();
    connect(m_graphPanel, &views::GraphPanel::layersChosen, this, &MainWindow::selectLayers);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        std::vector<int> layers;
        for (const QModelIndex& row : m_table->selectionModel()->selectedRows())
            layers.push_back(m_proxy->mapToSource(row).row());
        m_graphPanel->setSelection(layers, m_session->selectedLayer());
    });
}

void MainWindow::selectLayers(const std::vector<int>& layers, int current)
{
    m_session->setSelectedLayer(current);
    QItemSelection rows;
    for (int layer : layers) {
        const QModelIndex row = m_proxy->mapFromSource(m_layerModel->index(layer, 0));
        if (row.isValid())
            rows.select(row, row);
    }
    // The graph's choice replaces the table's selection (the current row stays the chosen layer).
    m_table->selectionModel()->select(rows, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_graphPanel->setSelection(layers, current);
}

void MainWindow::updatePlanSummary()
{
    m_summary->setPlan(m_session->prediction(), m_preview->predictedHeadline(m_session->prediction()));
    m_summary->setMeasured(m_preview->measured(), m_preview->running());
}

void MainWindow::updateMeasuredPlans()
{
    std::vector<views::MeasuredPoint> points;
    int current = -1;
    for (const MeasuredPlan& m : m_session->measuredPlans()) {
        if (m.plan == m_session->plan())
            current = int(points.size());
        points.push_back({double(m.bytes) / 1e6, m.result,
                          tr("%1 bits/weight, predicted ΔLoss %2").arg(m.averageBits, 0, 'f', 2).arg(m.predictedDeltaLoss, 0, 'g', 3)});
    }
    const auto& baseline = m_session->baseline();
    m_measuredPlans->setPoints(points, baseline && baseline->complete() ? baseline : std::nullopt, current, m_session->task());
}

} // namespace bitlens::app
