#pragma once
// BitLens's main window: the layer table in the middle, the analysis plots in dock panels around
// it, and the running task in the status bar. Choosing a layer anywhere selects it everywhere.

#include <QMainWindow>

class QDockWidget;
class QLineEdit;
class QMenu;
class QSortFilterProxyModel;
class QTableView;

namespace bitlens::views {
class EstimatorTrustPlot;
class GraphPanel;
class LayerEditor;
class MeasuredPlansPlot;
class LayerDetailPlots;
class LayerTableModel;
class ModelSummaryPanel;
class OverviewPlots;
class TaskProgressWidget;
}

namespace bitlens::app {

class AllocationController;
class AnalysisController;
class ExportController;
class GraphController;
class JobRunner;
class PlanEditor;
class PreviewController;
class Session;
class SessionController;
class WorkspaceController;

// Threading: GUI thread. Owns the Session, the job runner and the controllers.
class MainWindow final : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    Session* session() const { return m_session; }
    JobRunner* jobs() const { return m_jobs; }
    WorkspaceController* workspace() const { return m_workspace; }
    AnalysisController* analysis() const { return m_analysis; }
    SessionController* sessionFiles() const { return m_sessionFiles; }
    QTableView* layerTable() const { return m_table; }
    views::LayerTableModel* layerModel() const { return m_layerModel; }
    views::ModelSummaryPanel* summary() const { return m_summary; }
    views::OverviewPlots* overview() const { return m_overview; }
    views::LayerDetailPlots* detail() const { return m_detail; }
    views::EstimatorTrustPlot* trust() const { return m_trust; }
    views::LayerEditor* layerEditor() const { return m_layerEditor; }
    PlanEditor* planEditor() const { return m_planEditor; }
    PreviewController* preview() const { return m_preview; }
    ExportController* exporter() const { return m_export; }
    AllocationController* allocation() const { return m_allocation; }
    views::MeasuredPlansPlot* measuredPlans() const { return m_measuredPlans; }
    views::GraphPanel* graphPanel() const { return m_graphPanel; }
    GraphController* graph() const { return m_graph; }

    // The Analyse dialog, prefilled with the last request; runs what the user accepts.
    void showAnalyseDialog();
    // A saved session (analysis bundle) opens as one; anything else as WorkspaceController::openPath.
    void openPath(const QString& path);
    // Reads a plan JSON and makes it the session's plan; errors name the file.
    void openPlan(const QString& path);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void createDocks();
    void createMenus();
    void rebuildRecentMenus();
    void showError(const QString& message);
    void onModelChanged();
    void onBaselineChanged();
    void onAnalysisChanged();
    void onSelectedLayerChanged(int layer);
    void updateLayerDetail();
    void saveSessionAs();
    void createEditingDocks();
    void createAllocationDocks();
    void createGraphDock();
    // The graph chose layers: select their rows, `current` the one every plot shows.
    void selectLayers(const std::vector<int>& layers, int current);
    QDockWidget* addDock(QWidget* content, const QString& title, const QString& name, Qt::DockWidgetArea area);
    void updatePlanSummary();
    void updateMeasuredPlans();

    Session* m_session;
    JobRunner* m_jobs;
    WorkspaceController* m_workspace;
    AnalysisController* m_analysis;
    SessionController* m_sessionFiles;
    views::ModelSummaryPanel* m_summary;
    views::LayerTableModel* m_layerModel;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_table;
    QLineEdit* m_filter;
    views::TaskProgressWidget* m_progress;
    views::OverviewPlots* m_overview = nullptr;
    views::LayerDetailPlots* m_detail = nullptr;
    views::EstimatorTrustPlot* m_trust = nullptr;
    views::LayerEditor* m_layerEditor = nullptr;
    views::MeasuredPlansPlot* m_measuredPlans = nullptr;
    PlanEditor* m_planEditor = nullptr;
    PreviewController* m_preview = nullptr;
    ExportController* m_export = nullptr;
    AllocationController* m_allocation = nullptr;
    views::GraphPanel* m_graphPanel = nullptr;
    GraphController* m_graph = nullptr;
    QMenu* m_recentModels = nullptr;
    QMenu* m_recentDatasets = nullptr;
    QMenu* m_viewMenu = nullptr;
};

} // namespace bitlens::app
