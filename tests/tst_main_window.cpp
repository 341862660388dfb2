// The GUI shell, offscreen: opens the demo model, fills the table, measures the baseline in the
// background, sorts, filters, reports bad files and cancels.

#include "app/gui/job_runner.h"
#include "app/gui/main_window.h"
#include "app/gui/recent_files.h"
#include "app/gui/session.h"
#include "app/gui/workspace_controller.h"
#include "core/data/dataset.h"
#include "core/io/model_sidecar.h"
#include "core/model/model.h"
#include "core/progress.h"
#include "core/runtime.h"
#include "test_paths.h"
#include "views/figure_export.h"
#include "views/layer_table_model.h"
#include "views/overview_plots.h"
#include "views/plot_style.h"
#include "views/model_summary_panel.h"

#include <QElapsedTimer>
#include <QMenu>
#include <QMenuBar>
#include <QMimeData>
#include <QHeaderView>
#include <QLineEdit>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>
#include <QToolButton>
#include <QtTest>

using namespace bitlens;

class TstMainWindow : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<app::MainWindow> m_window;

    bool baselineDone() const
    {
        const auto& b = m_window->session()->baseline();
        return b && b->complete() && m_window->jobs()->idle();
    }

    // The Params column as shown, top to bottom.
    std::vector<qlonglong> shownParams() const
    {
        const QAbstractItemModel* m = m_window->layerTable()->model();
        std::vector<qlonglong> v;
        for (int r = 0; r < m->rowCount(); ++r)
            v.push_back(m->index(r, views::LayerTableModel::Params).data(views::LayerTableModel::SortRole).toLongLong());
        return v;
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        configureThreads();
        m_window = std::make_unique<app::MainWindow>();
        m_window->resize(1400, 900);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void cleanupTestCase() { m_window.reset(); }

    void opensDemoModelAndMeasuresBaseline()
    {
        // The GUI thread must keep serving events while loading and evaluation run elsewhere.
        qint64 longestStall = 0;
        QElapsedTimer sinceTick;
        sinceTick.start();
        QTimer ticker;
        connect(&ticker, &QTimer::timeout, this, [&] {
            longestStall = std::max(longestStall, sinceTick.restart());
        });
        ticker.start(5);

        m_window->workspace()->openDataset(testing::fashionMnistDir());
        m_window->workspace()->openModel(testing::demoModel("fmnist_resnet"));
        QTRY_VERIFY_WITH_TIMEOUT(m_window->session()->baselineRunning(), 60000);
        QTRY_VERIFY_WITH_TIMEOUT(baselineDone(), 180000);
        ticker.stop();
        // A figure, not a bound (a loaded machine stalls longer): tests/bench/bench_gui_stall.
        qInfo("longest event-loop stall while loading and evaluating: %lld ms", longestStall);

        const auto sidecar = readSidecar(testing::demoModel("fmnist_resnet").toStdString());
        QVERIFY(sidecar);
        QCOMPARE(m_window->session()->baseline()->correctTop1, sidecar->testCorrect);
        const QString text = m_window->summary()->baselineText();
        QVERIFY2(text.contains(QString::number(100.0 * sidecar->testAccuracy, 'f', 2) + " %"), qPrintable(text));

        const QAbstractItemModel* table = m_window->layerTable()->model();
        QCOMPARE(table->rowCount(), int(m_window->session()->layers().size()));
        QVERIFY(table->rowCount() >= 12);
        for (int r = 0; r < table->rowCount(); ++r)
            QVERIFY(table->index(r, views::LayerTableModel::Macs).data(views::LayerTableModel::SortRole).toLongLong() > 0);
        QVERIFY(m_window->windowTitle().contains("fmnist_resnet.pt"));

        const QImage shot = m_window->grab().toImage();
        QVERIFY(shot.save(QDir(testing::testOutputDir()).filePath("main_window.png")));
        QVERIFY(shot.width() >= 1000);
    }

    // A plot opens large in a window of its own and comes back to its tab when it closes.
    void figureOpensInAWindowAndComesBack()
    {
        QCustomPlot* plot = m_window->overview()->plot(QStringLiteral("hessian"));
        QVERIFY(plot);
        QWidget* home = plot->parentWidget();
        QWidget* window = views::openFigureInWindow(plot);
        QVERIFY(window);
        QVERIFY(QTest::qWaitForWindowExposed(window));
        QCOMPARE(plot->window(), window);
        QVERIFY(plot->width() > 1000);
        QCOMPARE(views::openFigureInWindow(plot), window); // once
        window->close();
        QTRY_COMPARE(plot->window(), static_cast<QWidget*>(m_window.get()));
        QCOMPARE(plot->parentWidget(), home);
    }

    // Per-layer axes shorten names to the space they get: leading modules to their initials.
    void layerNamesShortenToTheirSpace()
    {
        QCOMPARE(views::compactLayerName("layer1.conv1", 18), QString("layer1.conv1"));
        QCOMPARE(views::compactLayerName("layer2.downsample.0", 18), QString("l2.downsample.0"));
        QCOMPARE(views::compactLayerName("layer2.downsample.0", 8), QString("l2.d.0"));
        QCOMPARE(views::compactLayerName("transformer.h.11.attn.c_proj", 12), QString("…11.a.c_proj"));
    }

    void sortsByClickingHeader()
    {
        QHeaderView* header = m_window->layerTable()->horizontalHeader();
        const int x = header->sectionViewportPosition(views::LayerTableModel::Params) + header->sectionSize(views::LayerTableModel::Params) / 2;
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
        std::vector<qlonglong> first = shownParams();
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
        std::vector<qlonglong> second = shownParams();
        QVERIFY(std::is_sorted(first.begin(), first.end()) || std::is_sorted(first.rbegin(), first.rend()));
        std::reverse(second.begin(), second.end());
        QCOMPARE(first, second); // the second click reverses the order
        QVERIFY(first.front() != first.back());
    }

    void filtersByName()
    {
        auto* filter = m_window->findChild<QLineEdit*>(QStringLiteral("layerFilter"));
        QVERIFY(filter);
        QTest::keyClicks(filter, "layer4");
        const QAbstractItemModel* table = m_window->layerTable()->model();
        QCOMPARE(table->rowCount(), 3); // conv1, conv2, downsample.0
        for (int r = 0; r < table->rowCount(); ++r)
            QVERIFY(table->index(r, 0).data().toString().startsWith("layer4."));
        filter->clear();
        QCOMPARE(table->rowCount(), int(m_window->session()->layers().size()));
    }

    void badModelIsReportedAndKeepsCurrentOne()
    {
        QTemporaryDir tmp;
        const QString bad = tmp.filePath("weights.pt");
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a model");
        f.close();
        QSignalSpy errors(m_window->workspace(), &app::WorkspaceController::errorOccurred);
        m_window->workspace()->openModel(bad);
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, 30000);
        const QString message = errors.first().first().toString();
        QVERIFY2(message.contains(bad) && message.contains("not a TorchScript archive"), qPrintable(message));
        QVERIFY(m_window->session()->modelPath().endsWith("fmnist_resnet.pt"));
        QTRY_VERIFY(m_window->jobs()->idle());
    }

    void droppedModelOpensAndIsRemembered()
    {
        const QString cnn = testing::demoModel("fmnist_cnn");
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(cnn)});
        const QPoint centre = m_window->rect().center();
        QDragEnterEvent enter(centre, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(m_window.get(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(centre, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(m_window.get(), &drop);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->session()->modelPath() == cnn && baselineDone(), 120000);
        QCOMPARE(m_window->layerTable()->model()->rowCount(), 4);

        QCOMPARE(app::RecentFiles::list("models").value(0), QFileInfo(cnn).absoluteFilePath());
        bool listed = false;
        for (QMenu* menu : m_window->menuBar()->findChildren<QMenu*>()) {
            if (menu->title() != QLatin1String("Recent Models"))
                continue;
            for (QAction* a : menu->actions())
                listed = listed || a->text() == QFileInfo(cnn).absoluteFilePath();
        }
        QVERIFY2(listed, "File > Recent Models lists the dropped model");
    }

    // GPT-2's token embedding is its output head too: one row, its uses shown, MACs over both.
    void tiedWeightIsOneRowWithItsUses()
    {
        const std::string zoo = BITLENS_ZOO_DIR;
        auto model = Model::load(zoo + "/gpt2.pt");
        NullProgress progress;
        DatasetOptions options;
        options.contextLength = 16;
        model->profile(loadDataset(zoo + "/tokens.h5", options, progress).evaluation);
        views::LayerTableModel table;
        table.setLayers(model->layers());
        int tied = -1;
        for (int row = 0; row < table.rowCount(); ++row)
            tied = model->layers()[size_t(row)].calls > 1 ? row : tied;
        QVERIFY(tied >= 0);
        QCOMPARE(model->layers()[size_t(tied)].calls, 2);
        const QModelIndex kind = table.index(tied, views::LayerTableModel::Kind);
        QCOMPARE(table.data(kind, Qt::DisplayRole).toString(), QString("Embedding ×2"));
        QVERIFY(table.data(kind, Qt::ToolTipRole).toString().contains("tied weights"));
        QVERIFY(table.data(table.index(tied, views::LayerTableModel::Macs), Qt::ToolTipRole).toString().contains("its 2 uses"));
    }

    void cancelStopsBaselineAndKeepsPartialFigures()
    {
        QSignalSpy cancelled(m_window->jobs(), &app::JobRunner::cancelled);
        m_window->workspace()->evaluateBaseline();
        QTRY_VERIFY_WITH_TIMEOUT(m_window->session()->baselineRunning() && m_window->session()->baseline()->samples > 0, 60000);
        auto* cancel = m_window->findChild<QToolButton*>("cancelTask");
        QVERIFY(cancel && cancel->isVisible());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, 30000);
        const auto& b = m_window->session()->baseline();
        QVERIFY(b && !m_window->session()->baselineRunning());
        QVERIFY2(!b->complete(), "cancelled well before the 10,000th sample");
        QVERIFY(m_window->summary()->baselineText().contains("stopped"));
        QTRY_VERIFY(!cancel->isVisible());
    }
};

QTEST_MAIN(TstMainWindow)
#include "tst_main_window.moc"
