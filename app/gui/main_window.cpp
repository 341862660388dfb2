#include "main_window.h"

#include "job_runner.h"
#include "recent_files.h"
#include "session.h"
#include "workspace_controller.h"

#include "views/layer_table_model.h"
#include "views/model_summary_panel.h"
#include "views/task_progress_widget.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTableView>
#include <QUndoStack>
#include <QVBoxLayout>

namespace bitlens::app {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      m_session(new Session(this)),
      m_jobs(new JobRunner(this)),
      m_workspace(new WorkspaceController(m_session, m_jobs, this)),
      m_summary(new views::ModelSummaryPanel),
      m_layerModel(new views::LayerTableModel(this)),
      m_proxy(new QSortFilterProxyModel(this)),
      m_table(new QTableView),
      m_filter(new QLineEdit),
      m_progress(new views::TaskProgressWidget)
{
    setWindowTitle(tr("BitLens"));
    setAcceptDrops(true);

    m_proxy->setSourceModel(m_layerModel);
    m_proxy->setSortRole(views::LayerTableModel::SortRole);
    m_proxy->setFilterKeyColumn(views::LayerTableModel::Name);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder); // model order until the user picks a column
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    // Numbers and shapes take what they need; the name column gets the rest.
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(views::LayerTableModel::Name, QHeaderView::Stretch);
    m_table->setObjectName(QStringLiteral("layerTable"));
    m_filter->setPlaceholderText(tr("Filter layers by name…"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);

    auto* central = new QWidget;
    auto* layout = new QVBoxLayout(central);
    layout->addWidget(m_summary);
    layout->addWidget(m_filter);
    layout->addWidget(m_table, 1);
    setCentralWidget(central);

    statusBar()->addPermanentWidget(m_progress);
    connect(m_progress, &views::TaskProgressWidget::cancelRequested, m_jobs, qOverload<>(&JobRunner::cancel));
    connect(m_jobs, &JobRunner::started, m_progress, &views::TaskProgressWidget::begin);
    connect(m_jobs, &JobRunner::progressChanged, m_progress, &views::TaskProgressWidget::setProgress);
    connect(m_jobs, &JobRunner::finished, this, [this] {
        if (m_jobs->idle())
            m_progress->end();
    });
    connect(m_jobs, &JobRunner::cancelled, this,
            [this](const QString& title) { statusBar()->showMessage(tr("%1: cancelled").arg(title), 5000); });

    connect(m_session, &Session::modelChanged, this, &MainWindow::onModelChanged);
    connect(m_session, &Session::layersChanged, this, [this] {
        m_layerModel->setLayers(m_session->layers());
        onModelChanged();
    });
    connect(m_session, &Session::datasetChanged, this, [this] { m_summary->setDataset(*m_session->dataset()); });
    connect(m_session, &Session::baselineChanged, this, &MainWindow::onBaselineChanged);
    connect(m_workspace, &WorkspaceController::errorOccurred, this, &MainWindow::showError);
    connect(m_workspace, &WorkspaceController::fileOpened, this, [this](const QString& path, bool isModel) {
        RecentFiles::add(isModel ? QStringLiteral("models") : QStringLiteral("datasets"), path);
        rebuildRecentMenus();
    });

    createMenus();
    resize(1280, 800);
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
}

MainWindow::~MainWindow() = default;

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("Open &Model…"), QKeySequence::Open, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open TorchScript model"), {},
                                                          tr("TorchScript models (*.pt *.pth);;All files (*)"));
        if (!path.isEmpty())
            m_workspace->openModel(path);
    });
    file->addAction(tr("Open &Dataset File…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open dataset"), {},
                                                          tr("Datasets (*.h5 *.hdf5 *-idx3-ubyte *-idx3-ubyte.gz);;All files (*)"));
        if (!path.isEmpty())
            m_workspace->openDataset(path);
    });
    file->addAction(tr("Open Dataset &Folder…"), this, [this] {
        const QString path = QFileDialog::getExistingDirectory(this, tr("Open IDX dataset folder"));
        if (!path.isEmpty())
            m_workspace->openDataset(path);
    });
    file->addSeparator();
    m_recentModels = file->addMenu(tr("Recent Models"));
    m_recentDatasets = file->addMenu(tr("Recent Datasets"));
    rebuildRecentMenus();
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = m_session->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = m_session->undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    edit->addAction(undo);
    edit->addAction(redo);

    QMenu* model = menuBar()->addMenu(tr("&Model"));
    model->addAction(tr("Measure &Baseline"), this, [this] { m_workspace->evaluateBaseline(); });
    model->addAction(tr("&Cancel Running Task"), QKeySequence(Qt::Key_Escape), m_jobs, qOverload<>(&JobRunner::cancel));
}

void MainWindow::rebuildRecentMenus()
{
    for (auto [menu, kind] : {std::pair{m_recentModels, QStringLiteral("models")},
                              std::pair{m_recentDatasets, QStringLiteral("datasets")}}) {
        menu->clear();
        const QStringList paths = RecentFiles::list(kind);
        for (const QString& path : paths)
            menu->addAction(path, this, [this, path] { m_workspace->openPath(path); });
        menu->setEnabled(!paths.isEmpty());
    }
}

void MainWindow::showError(const QString& message)
{
    statusBar()->showMessage(message, 15000);
    // Non-blocking, so background work and tests carry on while it is shown.
    auto* box = new QMessageBox(QMessageBox::Warning, tr("BitLens"), message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::onModelChanged()
{
    if (!m_session->model()) {
        setWindowTitle(tr("BitLens"));
        return;
    }
    setWindowTitle(tr("%1 — BitLens").arg(QFileInfo(m_session->modelPath()).fileName()));
    views::ModelFacts facts;
    facts.path = m_session->modelPath();
    facts.layers = m_session->layers();
    facts.totalParams = m_session->totalParams();
    facts.totalMacs = m_session->totalMacs();
    if (m_session->sidecar())
        facts.referenceAccuracy = m_session->sidecar()->testAccuracy;
    m_summary->setModel(facts);
    m_layerModel->setLayers(m_session->layers());
}

void MainWindow::onBaselineChanged()
{
    if (const auto& b = m_session->baseline())
        m_summary->setBaseline(*b, m_session->baselineRunning());
    else
        m_summary->clearBaseline(m_session->model() && m_session->dataset() ? tr("Measuring…") : tr("Not evaluated yet."));
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    for (const QUrl& url : event->mimeData()->urls()) {
        if (url.isLocalFile())
            m_workspace->openPath(url.toLocalFile());
    }
    event->acceptProposedAction();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    m_jobs->shutdown();
    event->accept();
}

} // namespace bitlens::app
