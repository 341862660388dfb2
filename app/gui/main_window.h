#pragma once
// BitLens's main window: what is open, the layer table, and the running task.

#include <QMainWindow>

class QLineEdit;
class QMenu;
class QSortFilterProxyModel;
class QTableView;

namespace bitlens::views {
class LayerTableModel;
class ModelSummaryPanel;
class TaskProgressWidget;
}

namespace bitlens::app {

class JobRunner;
class Session;
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
    QTableView* layerTable() const { return m_table; }
    views::ModelSummaryPanel* summary() const { return m_summary; }

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void createMenus();
    void rebuildRecentMenus();
    void showError(const QString& message);
    void onModelChanged();
    void onBaselineChanged();

    Session* m_session;
    JobRunner* m_jobs;
    WorkspaceController* m_workspace;
    views::ModelSummaryPanel* m_summary;
    views::LayerTableModel* m_layerModel;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_table;
    QLineEdit* m_filter;
    views::TaskProgressWidget* m_progress;
    QMenu* m_recentModels = nullptr;
    QMenu* m_recentDatasets = nullptr;
};

} // namespace bitlens::app
