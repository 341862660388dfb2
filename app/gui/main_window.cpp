#include "main_window.h"

#include "analysis_controller.h"
#include "export_controller.h"
#include "job_runner.h"
#include "recent_files.h"
#include "session.h"
#include "session_controller.h"
#include "workspace_controller.h"

#include "core/errors.h"
#include "core/io/analysis_bundle.h"
#include "views/analyse_dialog.h"
#include "views/bar_delegate.h"
#include "views/estimator_trust_plot.h"
#include "views/layer_detail_plots.h"
#include "views/layer_table_model.h"
#include "views/model_summary_panel.h"
#include "views/overview_plots.h"
#include "views/task_progress_widget.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QScreen>
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
      m_analysis(new AnalysisController(m_session, m_jobs, this)),
      m_sessionFiles(new SessionController(m_session, m_jobs, m_workspace, this)),
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
    m_table->setTextElideMode(Qt::ElideMiddle); // "transformer.…c_proj": a transformer's names differ at the end
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    // Numbers and shapes take what they need, the name column the rest. Fitted when the rows or the analysis change, not on every plan edit: ResizeToContents would
    // lay out every cell's text again after each slider step (tens of ms at 1,000 layers).
    m_table->horizontalHeader()->setResizeContentsPrecision(200);
    m_table->horizontalHeader()->setSectionResizeMode(views::LayerTableModel::Name, QHeaderView::Stretch);
    const auto fitColumns = [this] {
        for (int c = views::LayerTableModel::Kind; c < views::LayerTableModel::ColumnCount; ++c)
            m_table->resizeColumnToContents(c);
    };
    connect(m_layerModel, &QAbstractItemModel::modelReset, this, fitColumns);
    connect(m_session, &Session::analysisChanged, this, fitColumns);
    m_table->setObjectName(QStringLiteral("layerTable"));
    m_table->setItemDelegate(new views::BarDelegate(views::LayerTableModel::BarRole, m_table));
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
        m_session->setSelectedLayer(current.isValid() ? m_proxy->mapToSource(current).row() : -1);
    });
    m_filter->setPlaceholderText(tr("Filter layers by name…"));
    m_filter->setObjectName(QStringLiteral("layerFilter"));
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
    connect(m_session, &Session::analysisChanged, this, &MainWindow::onAnalysisChanged);
    connect(m_session, &Session::predictionChanged, this, [this] {
        m_layerModel->setPlan(m_session->plan(), m_session->prediction());
    });
    connect(m_session, &Session::planChanged, this, &MainWindow::updateLayerDetail);
    connect(m_session, &Session::selectedLayerChanged, this, &MainWindow::onSelectedLayerChanged);
    connect(m_workspace, &WorkspaceController::errorOccurred, this, &MainWindow::showError);
    connect(m_sessionFiles, &SessionController::errorOccurred, this, &MainWindow::showError);
    connect(m_sessionFiles, &SessionController::warning, this, &MainWindow::showError);
    connect(m_sessionFiles, &SessionController::sessionSaved, this,
            [this](const QString& path) { statusBar()->showMessage(tr("Saved %1").arg(path), 5000); });
    m_sessionFiles->setModelLocator([this](const QString& bundle, const QString& missing) {
        QMessageBox::information(this, tr("Model moved"),
                                 tr("%1 analysed %2, which is no longer there. Please locate the model file.").arg(bundle, missing));
        return QFileDialog::getOpenFileName(this, tr("Locate %1").arg(QFileInfo(missing).fileName()), {},
                                            tr("TorchScript models (*.pt *.pth);;All files (*)"));
    });
    connect(m_workspace, &WorkspaceController::fileOpened, this, [this](const QString& path, bool isModel) {
        RecentFiles::add(isModel ? QStringLiteral("models") : QStringLiteral("datasets"), path);
        rebuildRecentMenus();
    });

    createDocks();
    createEditingDocks();
    createAllocationDocks();
    createGraphDock();
    createMenus();
    // The default size, within the screen (a 1280 × 800 laptop shows the whole window).
    const QSize available = screen() ? screen()->availableGeometry().size() : QSize(1500, 950);
    resize(QSize(1500, 950).boundedTo(available));
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
}

MainWindow::~MainWindow()
{
    // Jobs post to the Session and controllers, which die with this window: stop them first.
    m_jobs->shutdown();
}

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
    file->addAction(tr("Open &Session…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open session"), {}, tr("BitLens bundles (*.h5);;All files (*)"));
        if (!path.isEmpty())
            m_sessionFiles->openSession(path);
    });
    file->addAction(tr("&Save Session"), QKeySequence::Save, this, [this] {
        if (m_session->bundlePath().isEmpty())
            saveSessionAs();
        else
            m_sessionFiles->saveSession(m_session->bundlePath());
    });
    file->addAction(tr("Save Session &As…"), QKeySequence::SaveAs, this, &MainWindow::saveSessionAs);
    file->addAction(tr("Open &Plan…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open plan"), {}, tr("Plans (*.json);;All files (*)"));
        if (!path.isEmpty())
            openPlan(path);
    });
    file->addAction(tr("&Export…"), QKeySequence(Qt::CTRL | Qt::Key_E), this, [this] {
        if (!m_session->model())
            return showError(tr("Open a model first: there is nothing to export."));
        const QString base = m_session->bundlePath().isEmpty() ? QFileInfo(m_session->modelPath()).absolutePath()
                                                               : QFileInfo(m_session->bundlePath()).absolutePath();
        auto* dialog = new views::ExportDialog(QDir(base).filePath(QFileInfo(m_session->modelPath()).completeBaseName()
                                                                   + QStringLiteral("_compressed")), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &QDialog::accepted, this, [this, dialog] { m_export->exportAll(dialog->request()); });
        dialog->open();
    });
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
    QMenu* analysis = menuBar()->addMenu(tr("&Analysis"));
    analysis->addAction(tr("&Analyse…"), QKeySequence(Qt::CTRL | Qt::Key_R), this, &MainWindow::showAnalyseDialog);
    menuBar()->addMenu(m_viewMenu);
    model->addAction(tr("&Cancel Running Task"), QKeySequence(Qt::Key_Escape), m_jobs, qOverload<>(&JobRunner::cancel));
}

void MainWindow::rebuildRecentMenus()
{
    for (auto [menu, kind] : {std::pair{m_recentModels, QStringLiteral("models")},
                              std::pair{m_recentDatasets, QStringLiteral("datasets")}}) {
        menu->clear();
        const QStringList paths = RecentFiles::list(kind);
        for (const QString& path : paths)
            menu->addAction(path, this, [this, path] { openPath(path); });
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
    if (m_session->sidecar() && m_session->sidecar()->testSamples > 0) {
        facts.referenceAccuracy = m_session->sidecar()->testAccuracy;
        facts.referenceLoss = m_session->sidecar()->testLoss;
    }
    m_summary->setModel(facts);
    m_layerModel->setLayers(m_session->layers());
}

void MainWindow::openPath(const QString& path)
{
    if (isAnalysisBundle(path.toStdString()))
        m_sessionFiles->openSession(path);
    else
        m_workspace->openPath(path);
}

void MainWindow::openPlan(const QString& path)
{
    try {
        CompressionPlan plan = readPlanFile(path.toStdString());
        validatePlan(plan, m_session->layers(), path.toStdString());
        m_session->setPlan(plan);
    } catch (const Error& e) {
        showError(QString::fromStdString(e.what()));
    }
}

void MainWindow::saveSessionAs()
{
    QString path = QFileDialog::getSaveFileName(this, tr("Save session"), m_session->bundlePath(), tr("BitLens bundles (*.h5)"));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".h5");
    m_sessionFiles->saveSession(path);
}

void MainWindow::showAnalyseDialog()
{
    if (!m_session->model()) {
        showError(tr("Open a model first: there is nothing to analyse."));
        return;
    }
    views::AnalysisCostBasis basis;
    basis.layers = m_session->layers();
    basis.calibrationAvailable = m_session->dataset() ? m_session->dataset()->calibration.count() : 0;
    basis.tokenWindows = m_session->dataset() && m_session->dataset()->tokens();
    if (const auto& b = m_session->baseline())
        basis.forwardSamplesPerSecond = b->samplesPerSecond();
    auto* dialog = new views::AnalyseDialog(basis, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (m_analysis->hasLastRequest())
        dialog->setRequest(m_analysis->lastRequest());
    connect(dialog, &QDialog::accepted, this, [this, dialog] { m_analysis->analyse(dialog->request()); });
    dialog->open();
}

void MainWindow::onAnalysisChanged()
{
    const auto analysis = m_session->analysis();
    m_layerModel->setAnalysis(analysis);
    m_overview->setAnalysis(analysis);
    m_session->setEstimator(m_overview->estimator()); // the overview picks one the analysis has
    m_trust->setAnalysis(analysis);
    m_detail->setAnalysis(analysis);
    updateLayerDetail();
}

void MainWindow::onSelectedLayerChanged(int layer)
{
    // Mirror the choice in the table without echoing it back.
    const QModelIndex source = layer >= 0 ? m_layerModel->index(layer, 0) : QModelIndex();
    const QModelIndex row = m_proxy->mapFromSource(source);
    if (m_table->selectionModel()->currentIndex().row() != row.row() || !row.isValid()) {
        QSignalBlocker block(m_table->selectionModel());
        m_table->selectionModel()->setCurrentIndex(row, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        if (row.isValid())
            m_table->scrollTo(row);
    }
    m_overview->setSelectedLayer(layer);
    m_trust->setSelectedLayer(layer);
    updateLayerDetail();
}

void MainWindow::updateLayerDetail()
{
    const int layer = m_session->selectedLayer();
    m_detail->setLayer(layer);
    if (layer >= 0 && size_t(layer) < m_session->layers().size())
        m_detail->setPlanOption(m_session->plan().optionFor(m_session->layers()[size_t(layer)].name));
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
            openPath(url.toLocalFile());
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
