// Allocators in the GUI, offscreen, on fmnist_resnet and Fashion-MNIST: the panel's Run applies the
// knapsack plan core computes for the same problem, within the budget and undoable; the Pareto plot
// shows the front and a click applies a point; errors come as one sentence; pins hold; the compare
// view lists exactly the layers that differ.

#include "app/gui/allocation_controller.h"
#include "app/gui/analysis_controller.h"
#include "app/gui/job_runner.h"
#include "app/gui/session.h"
#include "app/gui/workspace_controller.h"
#include "core/alloc/cost_table_problem.h"
#include "core/quant/option_spec.h"
#include "core/runtime.h"
#include "test_paths.h"
#include "views/allocator_panel.h"
#include "views/figure_export.h"
#include "views/pareto_plot.h"
#include "views/plan_compare.h"

#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QUndoStack>
#include <QtTest>

#include <qcustomplot.h>

using namespace bitlens;

namespace {

const QString kOut = QStringLiteral("/tmp/alloc_out");

int layersDiffering(const CompressionPlan& a, const CompressionPlan& b, const std::vector<LayerInfo>& layers)
{
    return int(std::count_if(layers.begin(), layers.end(),
                             [&](const LayerInfo& l) { return a.optionFor(l.name) != b.optionFor(l.name); }));
}

} // namespace

class TstAllocationPanel : public QObject {
    Q_OBJECT

private:
    app::Session* m_session = nullptr;
    app::JobRunner* m_jobs = nullptr;
    app::AllocationController* m_controller = nullptr;
    views::AllocatorPanel* m_panel = nullptr;
    views::ParetoPlot* m_plot = nullptr;
    views::PlanCompareView* m_compare = nullptr;
    app::PlanState m_allocated; // the knapsack's plan at 4 bits

    bool idle() const { return m_jobs->idle(); }

    // measured + hawq over w2…w8, the Hessian on 64 samples, measured ΔLoss on 128: all an
    // allocation needs, in about two minutes on two idle cores.
    static views::AnalysisRequest smallRequest()
    {
        views::AnalysisRequest r;
        r.calibrationSamples = 128;
        AnalysisOptions& o = r.options;
        o.statistics = o.activations = o.spectra = o.quantError = false;
        o.hessian = o.sensitivity = true;
        o.hessianOptions.batches = 2;
        o.hessianOptions.batchSize = 32;
        o.hessianOptions.topK = 2;
        o.sensitivityOptions.estimators = {"measured", "hawq"};
        o.sensitivityOptions.options = {"w2", "w3", "w4", "w5", "w6", "w7", "w8"};
        return r;
    }

    // Presses Run as a user would and waits for the plan.
    void runFromPanel(const QString& allocator, double bits)
    {
        m_panel->selectAllocator(allocator);
        m_panel->findChild<QComboBox*>(QStringLiteral("estimator"))->setCurrentText(QStringLiteral("measured"));
        m_panel->setBudget(bits, views::BudgetUnit::BitsPerWeight);
        QSignalSpy done(m_controller, &app::AllocationController::allocated);
        auto* run = m_panel->findChild<QPushButton*>(QStringLiteral("run"));
        QVERIFY(run->isEnabled());
        QTest::mouseClick(run, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 60000);
        QTRY_VERIFY(!m_controller->running());
        QCoreApplication::processEvents(); // the coalesced refresh of the views
    }

    // The knapsack plan core's own registry finds for the panel's request.
    CompressionPlan coreKnapsack(const std::string& budget) const
    {
        const ModelAnalysis& a = *m_session->analysis();
        const AllocationProblem problem = problemFromAnalysis(a, "measured", budgetBytesFromText(budget, a.layers), std::nullopt);
        AllocatorSettings settings;
        settings.resolutionBytes = hundredthBitResolution(a.layers);
        NullProgress quiet;
        return planFromChoices(problem, runBuiltInAllocator("knapsack", problem, settings, quiet).choices);
    }

    static void save(QWidget* widget, const QString& name)
    {
        for (QCustomPlot* plot : widget->findChildren<QCustomPlot*>())
            plot->replot(); // draw what a queued replot would, before grabbing
        QDir().mkpath(kOut);
        QVERIFY(widget->grab().save(kOut + QLatin1Char('/') + name));
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        configureThreads();
        // The controller's plugin host reads it, as the bitlens executable reads its plugins folder.
        qputenv("BITLENS_PLUGIN_PATH", QByteArrayLiteral(BITLENS_PLUGIN_DIR));
        m_session = new app::Session(this);
        m_jobs = new app::JobRunner(this);
        auto* workspace = new app::WorkspaceController(m_session, m_jobs, this);
        auto* analysis = new app::AnalysisController(m_session, m_jobs, this);
        workspace->openDataset(testing::fashionMnistDir());
        workspace->openModel(testing::demoModel("fmnist_resnet"));
        QTRY_VERIFY_WITH_TIMEOUT(m_session->baseline() && m_session->baseline()->complete() && idle(), 180000);
        QVERIFY2(workspace->lastError().isEmpty(), qPrintable(workspace->lastError()));
        QSignalSpy finished(analysis, &app::AnalysisController::analysisFinished);
        QElapsedTimer took;
        took.start();
        analysis->analyse(smallRequest());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 600000); // a loaded machine takes thrice as long
        qInfo("the analysis took %.1f s", double(took.elapsed()) / 1000.0);
        QVERIFY(m_session->analysis() && m_session->analysis()->sensitivity.table("hawq"));

        m_controller = new app::AllocationController(m_session, m_jobs, this);
        m_panel = new views::AllocatorPanel;
        m_plot = new views::ParetoPlot;
        m_compare = new views::PlanCompareView;
        m_controller->attach(m_panel, m_plot, m_compare);
        m_panel->resize(460, 300);
        m_plot->resize(views::kFigureWidth, views::kFigureHeight);
        m_compare->resize(760, 560);
        for (QWidget* w : std::initializer_list<QWidget*>{m_panel, m_plot, m_compare})
            w->show();
        QCoreApplication::processEvents();
    }

    void cleanupTestCase()
    {
        delete m_panel;
        delete m_plot;
        delete m_compare;
        m_jobs->shutdown();
    }

    void panelOffersThePluginsTablesAndRange()
    {
        QStringList ids;
        for (const views::AllocatorChoice& c : m_controller->allocators())
            ids << c.id;
        for (const char* id : {"knapsack", "two-constraint", "greedy-hull", "lossless", "evolutionary"})
            QVERIFY2(ids.contains(QLatin1String(id)), id);
        auto* estimator = m_panel->findChild<QComboBox*>(QStringLiteral("estimator"));
        QCOMPARE(estimator->count(), 2);
        // From every layer at w2 to every layer at w8, bytes as the memory model counts them.
        const views::BudgetRange range = m_controller->budgetRange();
        const auto bytesOf = [&](const char* spec) {
            return planCost(m_session->layers(), m_session->totalParams(), uniformPlan(spec, m_session->layers())).layerBytes;
        };
        QCOMPARE(range.minBytes, bytesOf("w2"));
        QCOMPARE(range.maxBytes, bytesOf("w8"));
        QVERIFY(range.hasBops()); // the baseline ran, so MACs are known
        m_panel->setBudget(4.0, views::BudgetUnit::BitsPerWeight);
        QCOMPARE(m_panel->request().budgetBytes, budgetBytesFromText("4bits", m_session->layers()));
        // Switching the unit keeps the budget.
        m_panel->setBudget(4.0, views::BudgetUnit::BitsPerWeight);
        const int64_t bytes = m_panel->request().budgetBytes;
        m_panel->findChild<QComboBox*>(QStringLiteral("budgetUnit"))->setCurrentIndex(1);
        QVERIFY(std::abs(m_panel->request().budgetBytes - bytes) <= 1000); // MB with 3 decimals
        QVERIFY(m_controller->front() == nullptr);
        save(m_panel, QStringLiteral("panel_before.png"));
    }

    void knapsackAtFourBitsFitsTheBudgetAndIsCoresPlan()
    {
        const app::PlanState before = m_session->planState();
        runFromPanel(QStringLiteral("knapsack"), 4.0);
        const PlanPrediction& p = m_session->prediction();
        qInfo("knapsack at 4 bits: %.4f bits, %lld bytes, predicted ΔLoss %.5f", p.cost.averageBits,
              static_cast<long long>(p.cost.layerBytes), p.deltaLoss);
        QVERIFY(p.cost.averageBits <= 4.0 + 1e-9);
        QVERIFY(p.cost.layerBytes <= budgetBytesFromText("4bits", m_session->layers()));
        QVERIFY(m_session->plan() == coreKnapsack("4bits"));
        QVERIFY(!(m_session->planState() == before));
        QVERIFY(m_session->undoStack()->undoText().startsWith(QStringLiteral("Allocate: Knapsack (exact) at 4.00 bits")));
        QVERIFY2(m_panel->statusText().contains(QStringLiteral("Knapsack")), qPrintable(m_panel->statusText()));
        m_allocated = m_session->planState();

        const std::shared_ptr<const ParetoFront> front = m_controller->front();
        QVERIFY(front && front->points.size() > 10);
        QVERIFY(m_plot->frontGraph());
        QCOMPARE(m_plot->frontGraph()->dataCount(), int(front->points.size()));
        save(m_panel, QStringLiteral("panel.png"));
        save(m_plot, QStringLiteral("pareto.png"));
        QString error;
        QVERIFY2(views::exportFigure(m_plot->plot(), kOut + QStringLiteral("/pareto_figure.png"), &error), qPrintable(error));

        // Undo restores the plan exactly; redo brings the allocation back.
        m_session->undoStack()->undo();
        QVERIFY(m_session->planState() == before);
        m_session->undoStack()->redo();
        QVERIFY(m_session->planState() == m_allocated);
    }

    void compareListsExactlyTheLayersThatDiffer()
    {
        QCoreApplication::processEvents();
        const views::PlanComparison c = m_controller->comparison();
        QVERIFY(c.a.plan == CompressionPlan{}); // before the allocation: FP32
        QVERIFY(c.b.plan == m_allocated.plan);
        QVERIFY(c.a.measured.has_value()); // FP32's measurement is the baseline
        const int differ = layersDiffering(c.a.plan, c.b.plan, m_session->layers());
        QVERIFY(differ > 0);
        QCOMPARE(m_compare->layerTable()->rowCount(), differ);
        for (int r = 0; r < differ; ++r) {
            const std::string name = m_compare->layerTable()->item(r, views::PlanCompareView::Layer)->text().toStdString();
            QVERIFY(c.a.plan.optionFor(name) != c.b.plan.optionFor(name));
        }
        QCOMPARE(m_compare->totalsTable()->item(views::PlanCompareView::AverageBits, 1)->text(),
                 QString::number(m_session->prediction().cost.averageBits, 'f', 2));
        save(m_compare, QStringLiteral("compare.png"));
    }

    void clickingAFrontPointAppliesItsPlan()
    {
        const std::shared_ptr<const ParetoFront> front = m_controller->front();
        QVERIFY(front);
        QSignalSpy chosen(m_plot, &views::ParetoPlot::pointChosen);
        m_plot->plot()->replot();
        // A point a third of the way along, where neighbours are pixels apart.
        const int index = int(front->points.size()) / 3;
        const QPointF at = m_plot->frontGraph()->dataPixelPosition(index);
        QTest::mouseClick(m_plot->plot(), Qt::LeftButton, Qt::NoModifier, at.toPoint());
        QTRY_COMPARE(chosen.count(), 1);
        const int picked = chosen.first().first().toInt();
        QVERIFY(std::abs(picked - index) <= 1);
        const FrontPoint& point = front->points[size_t(picked)];
        QCOMPARE(m_session->prediction().cost.layerBytes, point.bytes);
        QCOMPARE(m_session->prediction().deltaLoss, point.predictedDeltaLoss);
        QVERIFY(m_session->undoStack()->undoText().startsWith(QStringLiteral("Allocate: Pareto point at")));
        QCoreApplication::processEvents();
        // The comparison's A is now the plan the point replaced.
        QVERIFY(m_controller->comparison().a.plan == m_allocated.plan);
        QCOMPARE(m_compare->layerTable()->rowCount(), layersDiffering(m_allocated.plan, m_session->plan(), m_session->layers()));

        // Ctrl+click compares a point with the current plan instead of applying it.
        QSignalSpy compared(m_plot, &views::ParetoPlot::pointCompared);
        const app::PlanState applied = m_session->planState();
        m_plot->plot()->replot();
        const QPointF last = m_plot->frontGraph()->dataPixelPosition(int(front->points.size()) - 1);
        QTest::mouseClick(m_plot->plot(), Qt::LeftButton, Qt::ControlModifier, last.toPoint());
        QTRY_COMPARE(compared.count(), 1);
        QCOMPARE(chosen.count(), 1);
        QVERIFY(m_session->planState() == applied);
        QCoreApplication::processEvents();
        const views::PlanComparison c = m_controller->comparison();
        QVERIFY(c.a.label.startsWith(QStringLiteral("Optimal plan %1 of the front").arg(front->points.size())));
        QCOMPARE(c.a.prediction.cost.layerBytes, front->points.back().bytes);
        QCOMPARE(m_compare->layerTable()->rowCount(), layersDiffering(c.a.plan, c.b.plan, m_session->layers()));

        // A measured point appears on the right axis.
        MeasuredPlan measured;
        measured.plan = m_session->plan();
        measured.layerBytes = m_session->prediction().cost.layerBytes;
        measured.result.samples = measured.result.total = measured.result.predictions = 10000;
        measured.result.correctTop1 = 8900;
        m_session->addMeasuredPlan(measured);
        QCoreApplication::processEvents();
        QCOMPARE(m_controller->plotData().measured.size(), size_t(1));
        QVERIFY(m_plot->plot()->yAxis2->visible());
        QVERIFY(m_controller->comparison().b.measured.has_value());
        save(m_plot, QStringLiteral("pareto_measured.png"));
        m_session->undoStack()->undo();
        QVERIFY(m_session->planState() == m_allocated);
    }

    void infeasibleBudgetIsOneSentence()
    {
        const app::PlanState before = m_session->planState();
        QSignalSpy errors(m_controller, &app::AllocationController::errorOccurred);
        views::AllocationRequest r;
        r.allocator = QStringLiteral("knapsack");
        r.estimator = QStringLiteral("measured");
        r.budgetBytes = m_controller->budgetRange().minBytes - 1;
        m_controller->run(r);
        QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, 30000);
        QTRY_VERIFY(!m_controller->running());
        const QString message = errors.first().first().toString();
        qInfo("%s", qPrintable(message));
        QVERIFY(message.startsWith(QStringLiteral("Allocation failed: knapsack: the budget of")));
        QVERIFY(message.contains(QString::number(m_controller->budgetRange().minBytes) + QStringLiteral(" bytes")));
        QVERIFY(message.endsWith(QLatin1Char('.')) && !message.chopped(1).contains(QStringLiteral(". ")));
        QVERIFY(m_panel->statusText().contains(QStringLiteral("infeasible")));
        QVERIFY(m_session->planState() == before);
        save(m_panel, QStringLiteral("panel_error.png"));

        // Without a sensitivity analysis there is nothing to allocate from.
        app::Session empty;
        app::JobRunner jobs;
        app::AllocationController bare(&empty, &jobs);
        QSignalSpy bareErrors(&bare, &app::AllocationController::errorOccurred);
        bare.run(r);
        QCOMPARE(bareErrors.count(), 1);
        QVERIFY(bareErrors.first().first().toString().contains(QStringLiteral("analyse the model with sensitivity first")));
    }

    void pinnedLayersKeepTheirOptions()
    {
        const std::vector<LayerInfo>& layers = m_session->layers();
        const std::string inTable = layers.front().name, fp32 = layers.back().name, byHand = layers[layers.size() / 2].name;
        app::PlanState pinned = m_session->planState();
        pinned.plan.layers[inTable] = uniformPlan("w8", layers).optionFor(inTable);
        pinned.plan.layers[fp32] = LayerOption{};
        pinned.plan.layers[byHand] = optionFromSpec("w6:per-tensor:asym"); // no table has it
        pinned.pinned = {inTable, fp32, byHand};
        const int64_t minBefore = m_controller->budgetRange().minBytes;
        m_session->editPlan(pinned, QStringLiteral("Pin three layers"));
        QVERIFY(m_controller->front() == nullptr); // computed under other pins
        QCoreApplication::processEvents();
        QVERIFY(m_controller->budgetRange().minBytes > minBefore); // pinned layers cannot shrink

        runFromPanel(QStringLiteral("knapsack"), 3.0);
        for (const std::string& name : {inTable, fp32, byHand})
            QVERIFY2(m_session->plan().optionFor(name) == pinned.plan.optionFor(name), name.c_str());
        QVERIFY(m_session->pinned() == pinned.pinned);
        QVERIFY(m_session->prediction().cost.averageBits <= 3.0 + 1e-9);
        QVERIFY(m_controller->front());
        // Every plan on the new front holds the pins too.
        const int index = int(m_controller->front()->points.size()) - 1;
        m_controller->applyFrontPoint(index);
        for (const std::string& name : {inTable, fp32, byHand})
            QVERIFY2(m_session->plan().optionFor(name) == pinned.plan.optionFor(name), name.c_str());
        QCOMPARE(m_session->prediction().cost.layerBytes, m_controller->front()->points.back().bytes);
        m_session->undoStack()->undo();
        m_session->undoStack()->undo();
        QVERIFY(m_session->planState() == pinned);
    }

    void cancelLeavesThePlan()
    {
        const app::PlanState before = m_session->planState();
        QSignalSpy errors(m_controller, &app::AllocationController::errorOccurred);
        QSignalSpy done(m_controller, &app::AllocationController::allocated);
        m_panel->selectAllocator(QStringLiteral("evolutionary")); // measures whole plans: long enough to cancel
        m_panel->setBudget(4.0, views::BudgetUnit::BitsPerWeight);
        m_panel->findChild<QPushButton*>(QStringLiteral("run"))->click();
        QVERIFY(m_controller->running());
        QVERIFY(m_panel->findChild<QPushButton*>(QStringLiteral("cancel"))->isEnabled());
        QTest::qWait(300);
        m_panel->findChild<QPushButton*>(QStringLiteral("cancel"))->click();
        QTRY_VERIFY_WITH_TIMEOUT(!m_controller->running(), 30000);
        QVERIFY(m_panel->findChild<QPushButton*>(QStringLiteral("run"))->isEnabled());
        QCOMPARE(errors.count(), 0);
        QCOMPARE(done.count(), 0);
        QVERIFY(m_session->planState() == before);
    }
};

QTEST_MAIN(TstAllocationPanel)
#include "tst_allocation_panel.moc"
