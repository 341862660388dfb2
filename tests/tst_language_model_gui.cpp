// The workbench on the demo language model, offscreen: opening fortunes_lm.pt switches to the text
// its sidecar names, and every figure the GUI leads with is perplexity, equal to what core's
// evaluator computes: the FP32 baseline, the predicted perplexity exp(baseline loss + ΔLoss), the
// measured preview, the measured-plans plot, the allocator's views and the report. After the
// switch it works on four of the fortune files (about 100 validation windows), which keeps it
// near a minute on two cores.

#include "app/gui/allocation_controller.h"
#include "app/gui/analysis_controller.h"
#include "app/gui/export_controller.h"
#include "app/gui/job_runner.h"
#include "app/gui/main_window.h"
#include "app/gui/preview_controller.h"
#include "app/gui/session.h"
#include "app/gui/workspace_controller.h"
#include "core/eval/applied_plan.h"
#include "core/eval/evaluator.h"
#include "core/eval/streamed_eval.h"
#include "core/io/model_sidecar.h"
#include "core/progress.h"
#include "core/quant/memory_cost.h"
#include "core/runtime.h"
#include "demo_window.h"
#include "test_paths.h"
#include "views/analyse_dialog.h"
#include "views/export_dialog.h"
#include "views/format.h"
#include "views/headline_format.h"
#include "views/layer_editor.h"
#include "views/layer_table_model.h"
#include "views/measured_plans_plot.h"
#include "views/model_summary_panel.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSlider>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <qcustomplot.h>

#include <cmath>

using namespace bitlens;

class TstLanguageModelGui : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<app::MainWindow> m_window;
    QTemporaryDir m_dir;
    std::string m_modelPath;
    std::optional<ModelSidecar> m_sidecar;
    const views::HeadlineFormat m_perplexity{TaskKind::LanguageModel};

    app::Session* session() const { return m_window->session(); }

    int layerIndex(const std::string& name) const
    {
        for (size_t i = 0; i < session()->layers().size(); ++i)
            if (session()->layers()[i].name == name)
                return int(i);
        return -1;
    }

    void selectLayer(int layer)
    {
        QTableView* view = m_window->layerTable();
        const QModelIndex source = m_window->layerModel()->index(layer, 0);
        view->clearSelection();
        view->selectionModel()->select(static_cast<QSortFilterProxyModel*>(view->model())->mapFromSource(source),
                                       QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        configureThreads();
        QVERIFY(m_dir.isValid());
        m_modelPath = testing::demoModel("fortunes_lm").toStdString();
        m_sidecar = readSidecar(m_modelPath);
        QVERIFY2(m_sidecar && m_sidecar->languageModel, "resources/models/fortunes_lm.pt with its sidecar");
        m_window = testing::shownWindow();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_window->preview()->setDebounce(24 * 3600 * 1000); // measured when the test says so
        DatasetOptions options = session()->datasetOptions();
        options.calibrationSize = 64; // windows: enough for the analysis below, quick to draw
        session()->setDatasetOptions(options);
        // Fashion-MNIST first, as the GUI opens by default: the language model cannot read it.
        m_window->workspace()->openDataset(testing::fashionMnistDir());
        m_window->workspace()->openModel(QString::fromStdString(m_modelPath));
        QVERIFY(QTest::qWaitFor([&] { return session()->dataset() && session()->dataset()->tokens(); }, 120000));
        QCOMPARE(QString::fromStdString(session()->dataset()->path), QString::fromStdString(m_sidecar->dataset));
        QCOMPARE(session()->dataset()->evaluation.sampleShape, std::vector<int64_t>{m_sidecar->contextLength});
        QVERIFY(session()->task() == TaskKind::LanguageModel);

        // The full validation text takes minutes per evaluation on two cores: the rest runs on a
        // few of the same fortune files, split and windowed the same way.
        const QDir corpus(QString::fromStdString(m_sidecar->dataset));
        QVERIFY(QDir().mkpath(m_dir.filePath("corpus")));
        for (const char* name : {"fortunes", "kids", "startrek", "tao"})
            QVERIFY(QFile::copy(corpus.filePath(QLatin1String(name)), m_dir.filePath(QStringLiteral("corpus/") + QLatin1String(name))));
        m_window->workspace()->openDataset(m_dir.filePath("corpus"));
        QVERIFY(QTest::qWaitFor([&] {
            const auto& b = session()->baseline();
            return b && b->complete() && m_window->jobs()->idle() && session()->dataset()->path != m_sidecar->dataset;
        }, 180000));
    }

    void cleanupTestCase() { m_window.reset(); }

    void evaluatesTokenWindows()
    {
        const auto data = session()->dataset();
        QVERIFY(data && data->tokens());
        QCOMPARE(data->evaluation.sampleShape, std::vector<int64_t>{m_sidecar->contextLength});
        QCOMPARE(data->calibration.count(), int64_t(64));
        QVERIFY(session()->task() == TaskKind::LanguageModel);
        QVERIFY(session()->baseline()->languageModel());
    }

    // The summary's FP32 perplexity is exp(loss) of core's evaluate on the same windows.
    void baselineIsCorePerplexity()
    {
        NullProgress progress;
        const SampleSet& windows = session()->dataset()->evaluation;
        const EvalResult core = evaluate(*session()->model(), windows, streamedEvalOptions(windows), progress);
        const EvalResult& gui = *session()->baseline();
        QCOMPARE(gui.samples, core.samples);
        QCOMPARE(gui.predictions, core.predictions);
        QCOMPARE(gui.perplexity(), std::exp(core.loss()));
        const QString text = m_window->summary()->baselineText();
        QVERIFY2(text.contains(QStringLiteral("Perplexity")) && text.contains(m_perplexity.text(core.perplexity())), qPrintable(text));
        QVERIFY2(text.contains(views::percent(core.top1())), qPrintable(text)); // next-token accuracy, second
        // The sidecar's reference perplexity, exp(validation loss) of the whole text.
        QVERIFY2(text.contains(m_perplexity.text(std::exp(m_sidecar->testLoss))), qPrintable(text));
    }

    // A bits edit changes the bytes at once; a predicted perplexity needs a cost table, then
    // follows from ΔLoss directly (no fit to measured plans).
    void bitsEditPredictsPerplexity()
    {
        const int layer = layerIndex("blocks.0.mlp.fc");
        QVERIFY(layer >= 0);
        selectLayer(layer);
        const PlanPrediction before = session()->prediction();
        m_window->layerEditor()->bitsSlider()->setValue(views::bitsSliderPosition({NumberFormat::Int, 4}));
        const PlanPrediction after = session()->prediction();
        const LayerInfo& l = session()->layers()[size_t(layer)];
        LayerOption w4;
        w4.weight.format = NumberFormat::Int;
        w4.weight.bits = 4;
        QCOMPARE(session()->plan().optionFor(l.name), w4);
        QCOMPARE(before.cost.totalBytes - after.cost.totalBytes, layerCost(l, LayerOption{}).bytes - layerCost(l, w4).bytes);
        QVERIFY(!m_window->preview()->predictedHeadline(after));
        QVERIFY(m_window->summary()->planText().contains(QStringLiteral("Predicted perplexity")));

        // Through the dialog, which counts in windows here.
        m_window->showAnalyseDialog();
        auto* dialog = m_window->findChild<views::AnalyseDialog*>();
        QVERIFY(dialog);
        int windows = 0;
        for (const QSpinBox* spin : dialog->findChildren<QSpinBox*>()) {
            QVERIFY(spin->suffix().isEmpty() || spin->suffix() == QStringLiteral(" windows"));
            windows += spin->suffix().isEmpty() ? 0 : 1;
        }
        QCOMPARE(windows, 2); // calibration, Hessian / sensitivity
        views::AnalysisRequest r;
        r.calibrationSamples = 32;
        AnalysisOptions& o = r.options;
        o.statistics = o.quantError = o.sensitivity = true;
        o.activations = o.spectra = o.hessian = false;
        o.hessianOptions.batches = 1;
        o.hessianOptions.batchSize = 16;
        o.sensitivityOptions.estimators = {"measured"};
        o.sensitivityOptions.options = {"w2", "w4", "w8"};
        dialog->setRequest(r);
        QSignalSpy finished(m_window->analysis(), &app::AnalysisController::analysisFinished);
        dialog->accept();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 300000);
        QVERIFY(session()->analysis()->sensitivity.table("measured"));
        session()->setEstimator(QStringLiteral("measured"));

        const PlanPrediction p = session()->prediction();
        QCOMPARE(p.estimator, std::string("measured"));
        const std::optional<double> predicted = m_window->preview()->predictedHeadline(p);
        QVERIFY(predicted);
        QCOMPARE(*predicted, std::exp(session()->baseline()->loss() + p.deltaLoss));
        const QString text = m_window->summary()->planText();
        QVERIFY2(text.contains(m_perplexity.text(*predicted)), qPrintable(text));
    }

    // The streamed preview ends on core's figure for the applied plan; the plots and the
    // comparison show perplexity.
    void measuredPreviewIsCorePerplexity()
    {
        const CompressionPlan plan = session()->plan();
        QSignalSpy streamed(m_window->preview(), &app::PreviewController::measuredChanged);
        m_window->preview()->measureNow();
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->session()->measuredPlans().empty() && m_window->session()->measuredPlans().back().plan == plan,
                                 180000);
        const MeasuredPlan& m = m_window->session()->measuredPlans().back();
        QVERIFY(m.result.complete() && m.result.languageModel());
        QVERIFY(streamed.count() >= 2); // started, then batch by batch

        NullProgress progress;
        const auto data = session()->dataset();
        const EvalResult core = AppliedPlan::apply(*session()->model(), plan, data->calibration, progress)
                                    ->evaluate(data->evaluation, streamedEvalOptions(data->evaluation), progress);
        QCOMPARE(m.result.predictions, core.predictions);
        QCOMPARE(m.result.perplexity(), core.perplexity());
        const QString text = m_window->summary()->planText();
        QVERIFY2(text.contains(QStringLiteral("Measured perplexity")) && text.contains(m_perplexity.text(core.perplexity())),
                 qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("Next-token top-1")));

        // The measured-plans plot: size against perplexity, the FP32 line at the baseline's.
        QCustomPlot* plot = m_window->measuredPlans()->plot();
        QCOMPARE(plot->graph(0)->dataCount(), int(m_window->session()->measuredPlans().size()));
        QCOMPARE(plot->graph(0)->data()->at(0)->value, core.perplexity());
        QCOMPARE(plot->graph(1)->data()->at(0)->value, core.perplexity()); // the current plan
        QVERIFY(plot->yAxis->label().contains(QStringLiteral("perplexity")));

        // The allocator's views: the Pareto overlay and the comparison with FP32.
        const views::ParetoPlotData front = m_window->allocation()->plotData();
        QVERIFY(front.task == TaskKind::LanguageModel);
        QCOMPARE(front.measured.size(), size_t(1));
        QCOMPARE(front.measured[0].result.perplexity(), core.perplexity());
        QVERIFY(front.baseline && front.baseline->languageModel());
        const views::PlanComparison c = m_window->allocation()->comparison();
        QVERIFY(c.task == TaskKind::LanguageModel);
        QVERIFY(c.a.measured && c.b.measured);
        QCOMPARE(c.b.measured->perplexity(), core.perplexity());
    }

    void reportStatesPerplexity()
    {
        const MeasuredPlan measured = m_window->session()->measuredPlans().back();
        const QString folder = m_dir.filePath("export");
        QSignalSpy finished(m_window->exporter(), &app::ExportController::finished);
        QSignalSpy failed(m_window->exporter(), &app::ExportController::errorOccurred);
        m_window->exporter()->exportAll({folder, false, false, true});
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() + failed.count() == 1, 300000);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));

        QFile file(QDir(folder).filePath("report/report.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
        QCOMPARE(json["task"].toString(), QStringLiteral("language-model"));
        QCOMPARE(json["dataset"].toObject()["context_length"].toInteger(), qint64(m_sidecar->contextLength));
        const QJsonObject plan = json["measured"].toObject()["plan"].toObject();
        const QJsonObject base = json["measured"].toObject()["baseline"].toObject();
        QCOMPARE(plan["perplexity"].toDouble(), measured.result.perplexity());
        QCOMPARE(base["perplexity"].toDouble(), session()->baseline()->perplexity());
        const QJsonArray ci = plan["perplexity_ci95"].toArray();
        QVERIFY(ci[0].toDouble() < plan["perplexity"].toDouble() && plan["perplexity"].toDouble() < ci[1].toDouble());
        QCOMPARE(plan["tokens"].toInteger(), qint64(measured.result.predictions));
        QVERIFY(plan.contains("top1") && plan.contains("top1_ci95")); // the classifier's keys stay

        QFile html(QDir(folder).filePath("report/index.html"));
        QVERIFY(html.open(QIODevice::ReadOnly));
        const QString page = QString::fromUtf8(html.readAll());
        QVERIFY(page.contains(QStringLiteral("Measured perplexity")));
        QVERIFY(page.contains(m_perplexity.text(measured.result.perplexity())));
        QVERIFY(page.contains(QStringLiteral("windows of %1 tokens").arg(m_sidecar->contextLength)));
    }
};

QTEST_MAIN(TstLanguageModelGui)
#include "tst_language_model_gui.moc"
