// Manual tuning and the live previews, offscreen, on fmnist_resnet and Fashion-MNIST: a slider
// move changes the predicted bytes and ΔLoss by exactly that layer's cost and cell; undo and redo
// restore plans exactly, a drag is one undo step, several selected layers change together, pins
// are undoable, and the measured preview reaches what `bitlens-cli eval` reports for the plan.

#include "app/gui/analysis_controller.h"
#include "app/gui/export_controller.h"
#include "app/gui/job_runner.h"
#include "app/gui/main_window.h"
#include "app/gui/plan_editor.h"
#include "app/gui/preview_controller.h"
#include "app/gui/session.h"
#include "app/gui/workspace_controller.h"
#include "core/alloc/cost_table_problem.h"
#include "core/runtime.h"
#include "demo_window.h"
#include "test_paths.h"
#include "views/layer_editor.h"
#include "views/layer_table_model.h"
#include "views/measured_plans_plot.h"
#include "views/model_summary_panel.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QComboBox>
#include <QSpinBox>
#include <QtTest>

#include <qcustomplot.h>

using namespace bitlens;

class TstCompressionWorkflow : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<app::MainWindow> m_window;
    QTemporaryDir m_dir;

    app::Session* session() const { return m_window->session(); }

    int layerIndex(const std::string& name) const
    {
        for (size_t i = 0; i < session()->layers().size(); ++i) {
            if (session()->layers()[i].name == name)
                return int(i);
        }
        return -1;
    }

    // Selects these layers in the table, as a user's clicks would.
    void selectLayers(const std::vector<int>& layers)
    {
        QTableView* view = m_window->layerTable();
        view->clearSelection();
        for (int layer : layers) {
            const QModelIndex source = m_window->layerModel()->index(layer, 0);
            const QModelIndex row = static_cast<QSortFilterProxyModel*>(view->model())->mapFromSource(source);
            view->selectionModel()->select(row, QItemSelectionModel::Select | QItemSelectionModel::Rows);
        }
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        configureThreads();
        m_window = testing::shownWindow();
        QVERIFY(testing::openDemo(*m_window));
        views::AnalysisRequest r;
        r.calibrationSamples = 256;
        AnalysisOptions& o = r.options;
        o.statistics = o.activations = o.quantError = o.hessian = false;
        o.spectra = o.sensitivity = true;
        o.hessianOptions.batches = 2;
        o.hessianOptions.batchSize = 64;
        o.sensitivityOptions.estimators = {"measured"};
        o.sensitivityOptions.options = {"w2", "w3", "w4", "w5", "w6", "w7", "w8"};
        QSignalSpy finished(m_window->analysis(), &app::AnalysisController::analysisFinished);
        m_window->analysis()->analyse(r);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 300000);
        QVERIFY(session()->analysis()->sensitivity.table("measured"));
    }

    void cleanupTestCase() { m_window.reset(); }

    void sliderMoveUpdatesThePredictionExactly()
    {
        const int layer = layerIndex("layer3.conv2");
        selectLayers({layer});
        const PlanPrediction before = session()->prediction();
        QCOMPARE(before.deltaLoss, 0.0); // FP32
        QSlider* bits = m_window->layerEditor()->bitsSlider();
        QVERIFY(bits->isEnabled());
        QCOMPARE(bits->value(), views::bitsSliderPosition(WeightQuant{})); // 32 bits
        bits->setValue(views::bitsSliderPosition({NumberFormat::Int, 4}));
        const PlanPrediction after = session()->prediction();
        const LayerInfo& l = session()->layers()[size_t(layer)];
        LayerOption w4;
        w4.weight.format = NumberFormat::Int;
        w4.weight.bits = 4;
        QCOMPARE(session()->plan().optionFor(l.name), w4);
        // Exactly one layer's cost and cell changed.
        QCOMPARE(before.cost.totalBytes - after.cost.totalBytes, layerCost(l, LayerOption{}).bytes - layerCost(l, w4).bytes);
        const CostTable* table = session()->analysis()->sensitivity.table("measured");
        QCOMPARE(after.deltaLoss, table->deltaLoss[size_t(layer)][2]); // options w2, w3, w4, …
        QCOMPARE(m_window->layerModel()->value(layer, views::LayerTableModel::PredictedDeltaLoss), after.deltaLoss);
        QVERIFY(m_window->summary()->planText().contains(QString::number(after.cost.averageBits, 'f', 2)));
    }

    // The method combo is one more field: one undo step, shown in the table's Method column, and
    // the predicted bytes count what the method stores (AWQ: an fp16 scale per input channel).
    void methodIsAnEditLikeAnyOther()
    {
        QUndoStack* undo = session()->undoStack();
        const int layer = layerIndex("layer3.conv1");
        selectLayers({layer});
        m_window->layerEditor()->bitsSlider()->setValue(views::bitsSliderPosition({NumberFormat::Int, 4}));
        const CompressionPlan rtn = session()->plan();
        const int64_t rtnBytes = session()->prediction().cost.totalBytes;
        auto* method = m_window->layerEditor()->findChild<QComboBox*>(QStringLiteral("method"));
        QVERIFY(method && method->isEnabled());
        QCOMPARE(method->currentText(), QStringLiteral("rtn"));
        const int steps = undo->count();
        method->setCurrentIndex(method->findText(QStringLiteral("awq")));
        QCOMPARE(undo->count(), steps + 1);
        QCOMPARE(session()->plan().optionFor("layer3.conv1").weight.method, QuantMethod::Awq);
        QCOMPARE(m_window->layerModel()->index(layer, views::LayerTableModel::Method).data().toString(), QStringLiteral("awq"));
        const LayerInfo& l = session()->layers()[size_t(layer)];
        QCOMPARE(session()->prediction().cost.totalBytes - rtnBytes, 2 * l.weightShape[1]);
        undo->undo();
        QVERIFY(session()->plan() == rtn);
        QCOMPARE(method->currentText(), QStringLiteral("rtn"));
        undo->redo(); // kept: the measured preview below then runs AWQ on this layer
        QCOMPARE(session()->plan().optionFor("layer3.conv1").weight.method, QuantMethod::Awq);

        // xint's terms and sqllm's sparse share: enabled with their method, each change one edit.
        const LayerOption awq = session()->plan().optionFor("layer3.conv1");
        auto* terms = m_window->layerEditor()->findChild<QSpinBox*>(QStringLiteral("terms"));
        auto* sparse = m_window->layerEditor()->findChild<QDoubleSpinBox*>(QStringLiteral("sparsePercent"));
        QVERIFY(terms && sparse && !terms->isEnabled() && !sparse->isEnabled());
        method->setCurrentIndex(method->findText(QStringLiteral("xint")));
        QVERIFY(terms->isEnabled() && !sparse->isEnabled());
        terms->setValue(3);
        QCOMPARE(undo->count(), steps + 3);
        QCOMPARE(session()->plan().optionFor("layer3.conv1").weight.terms, 3);
        QCOMPARE(session()->prediction().cost.layers[size_t(layer)].payloadBits, 3 * 4 * l.weightParams);
        QVERIFY(m_window->layerEditor()->grab().save(testing::testOutputDir() + "/layer_editor_xint.png"));
        method->setCurrentIndex(method->findText(QStringLiteral("sqllm")));
        QVERIFY(!terms->isEnabled() && sparse->isEnabled());
        sparse->setValue(0.5);
        const WeightQuant sqllm = session()->plan().optionFor("layer3.conv1").weight;
        QVERIFY(sqllm.method == QuantMethod::Sqllm && sqllm.terms == 1 && sqllm.sparsePercent == 0.5);
        // Back to AWQ by another edit (undo would leave these on the redo stack): sqllm's share goes.
        method->setCurrentIndex(method->findText(QStringLiteral("awq")));
        QVERIFY(session()->plan().optionFor("layer3.conv1") == awq);
    }

    void dragIsOneUndoStepAndUndoRedoAreExact()
    {
        QUndoStack* undo = session()->undoStack();
        const int layer = layerIndex("layer2.conv1");
        selectLayers({layer});
        const CompressionPlan start = session()->plan();
        const int steps = undo->count();
        QSlider* bits = m_window->layerEditor()->bitsSlider();
        // A drag from fp32 down to 3 bits, through every step in between.
        emit bits->sliderPressed();
        for (int position = bits->value() - 1; position >= views::bitsSliderPosition({NumberFormat::Int, 3}); --position)
            bits->setValue(position);
        emit bits->sliderReleased();
        QCOMPARE(undo->count(), steps + 1);
        const CompressionPlan dragged = session()->plan();
        QCOMPARE(dragged.optionFor("layer2.conv1").weight.bits, 3);
        undo->undo();
        QVERIFY(session()->plan() == start);
        undo->redo();
        QVERIFY(session()->plan() == dragged);

        // Several layers: the field changes on all, their other fields stay their own.
        const int a = layerIndex("layer4.conv1"), b = layerIndex("layer4.conv2");
        selectLayers({a});
        m_window->layerEditor()->rankSlider()->setValue(32);
        selectLayers({a, b});
        bits->setValue(views::bitsSliderPosition({NumberFormat::Int, 5}));
        QCOMPARE(session()->plan().optionFor("layer4.conv1").weight.bits, 5);
        QCOMPARE(session()->plan().optionFor("layer4.conv2").weight.bits, 5);
        QCOMPARE(session()->plan().optionFor("layer4.conv1").rank, int64_t(32));
        QCOMPARE(session()->plan().optionFor("layer4.conv2").rank, int64_t(0));
        undo->undo();
        QCOMPARE(session()->plan().optionFor("layer4.conv2").weight.format, NumberFormat::Float32);
        undo->redo();

        // The table's Bits cell edits every selected row too.
        selectLayers({a, b});
        const QModelIndex cell = m_window->layerModel()->index(a, views::LayerTableModel::Bits);
        QVERIFY(m_window->layerModel()->flags(cell) & Qt::ItemIsEditable);
        QVERIFY(m_window->layerModel()->setData(cell, 6, Qt::EditRole));
        QCOMPARE(session()->plan().optionFor("layer4.conv1").weight.bits, 6);
        QCOMPARE(session()->plan().optionFor("layer4.conv2").weight.bits, 6);

        // Pins are edits too.
        selectLayers({a});
        emit m_window->layerEditor()->pinEdited(true);
        QVERIFY(session()->pinned().count("layer4.conv1"));
        undo->undo();
        QVERIFY(!session()->pinned().count("layer4.conv1"));
    }

    void measuredPreviewEqualsTheCli()
    {
        const CompressionPlan plan = session()->plan();
        QVERIFY(!(plan == CompressionPlan{}));
        m_window->preview()->measureNow();
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->session()->measuredPlans().empty() && m_window->session()->measuredPlans().back().plan == plan,
                                 180000);
        const MeasuredPlan& m = m_window->session()->measuredPlans().back();
        QVERIFY(m.result.complete());
        QVERIFY(m_window->summary()->planText().contains(QStringLiteral("Measured top-1")));

        const QString planPath = m_dir.filePath("plan.json");
        writePlanFile(plan, planPath.toStdString());
        QProcess cli;
        // As many threads as the workbench's evaluation had: the count sets how sums split.
        cli.start(qEnvironmentVariable("BITLENS_CLI"), {"eval", testing::demoModel("fmnist_resnet"), "--plan", planPath, "--json",
                                                         "--threads", QString::number(threadCount())});
        QVERIFY(cli.waitForFinished(180000));
        QCOMPARE(cli.exitCode(), 0);
        const QJsonObject out = QJsonDocument::fromJson(cli.readAllStandardOutput()).object();
        QCOMPARE(qint64(out["correct_top1"].toDouble()), qint64(m.result.correctTop1));
        QCOMPARE(qint64(out["samples"].toDouble()), qint64(m.result.samples));

        // The measured plans plot shows it; clicking its point takes the plan back after an edit.
        QCOMPARE(m_window->measuredPlans()->plot()->graph(0)->dataCount(), int(m_window->session()->measuredPlans().size()));
        selectLayers({layerIndex("fc")});
        m_window->layerEditor()->bitsSlider()->setValue(views::bitsSliderPosition({NumberFormat::Int, 2}));
        QVERIFY(!(session()->plan() == plan));
        emit m_window->measuredPlans()->pointChosen(int(m_window->session()->measuredPlans().size()) - 1);
        QVERIFY(session()->plan() == plan);
    }

    void exportWritesModelAndReport()
    {
        const MeasuredPlan measured = m_window->session()->measuredPlans().back();
        QVERIFY(session()->plan() == measured.plan);
        const QString folder = m_dir.filePath("export");
        QSignalSpy finished(m_window->exporter(), &app::ExportController::finished);
        QSignalSpy failed(m_window->exporter(), &app::ExportController::errorOccurred);
        m_window->exporter()->exportAll({folder, true, true, true});
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() + failed.count() == 1, 300000);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
        const QStringList files = finished.first().at(1).toStringList();
        for (const char* name : {"model.pt", "weights.h5", "plan.json", "encodings.json", "report/index.html", "report/report.json"}) {
            QVERIFY2(files.contains(QLatin1String(name)), name);
            QVERIFY2(QFileInfo(QDir(folder).filePath(QLatin1String(name))).size() > 0, name);
        }
        QVERIFY(readPlanFile(QDir(folder).filePath("plan.json").toStdString()) == measured.plan);
        // The report measured what the preview measured: the same plan, the same evaluation split.
        QFile json(QDir(folder).filePath("report/report.json"));
        QVERIFY(json.open(QIODevice::ReadOnly));
        const QByteArray text = json.readAll();
        QVERIFY2(text.contains(QByteArray::number(qlonglong(measured.result.correctTop1))), text.left(400).constData());
    }
};

QTEST_MAIN(TstCompressionWorkflow)
#include "tst_compression_workflow.moc"
