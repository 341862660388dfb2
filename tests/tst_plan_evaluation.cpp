// Measured evaluation of compression plans on the demo models: 8 bits is nearly free, 2 bits is
// not, the loaded model never changes, input fake-quantization and low rank take effect.

#include "core/data/dataset.h"
#include "core/errors.h"
#include "core/eval/applied_plan.h"
#include "core/eval/evaluator.h"
#include "core/model/model.h"
#include "core/progress.h"
#include "core/quant/compression_plan.h"
#include "core/runtime.h"
#include "test_paths.h"
#include "support/fixtures.h"

#include <QTemporaryDir>

#include <QtTest>

using namespace bitlens;

class TstPlanEvaluation : public QObject {
    Q_OBJECT

private:
    DatasetSplits m_data;
    std::map<QString, std::unique_ptr<Model>> m_models;
    std::map<QString, EvalResult> m_baselines;
    EvalOptions m_half; // the first 5,000 test images: every plan here is measured on the same ones

    Model& model(const QString& name)
    {
        auto& m = m_models[name];
        if (!m) {
            m = Model::load(testing::demoModel(name.toLatin1().constData()).toStdString());
            m->profile(m_data.evaluation);
            NullProgress progress;
            m_baselines[name] = evaluate(*m, m_data.evaluation, m_half, progress);
        }
        return *m;
    }

    EvalResult measure(const QString& name, const CompressionPlan& plan)
    {
        NullProgress progress;
        auto applied = AppliedPlan::apply(model(name), plan, m_data.calibration, progress);
        return applied->evaluate(m_data.evaluation, m_half, progress);
    }

private slots:
    void initTestCase()
    {
        configureThreads();
        m_half.limit = 5000;
        NullProgress progress;
        m_data = loadDataset(testing::fashionMnistDir().toStdString(), {}, progress);
    }

    void uniformPlans_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("spec");
        QTest::addColumn<double>("minDrop");
        QTest::addColumn<double>("maxDrop");
        for (const char* name : {"fmnist_cnn", "fmnist_resnet"}) {
            QTest::addRow("%s fp32", name) << name << "fp32" << 0.0 << 0.0;
            QTest::addRow("%s w8 per-channel", name) << name << "w8:per-channel" << -0.005 << 0.005;
            QTest::addRow("%s fp16", name) << name << "fp16" << -0.002 << 0.002;
            QTest::addRow("%s w8 a8", name) << name << "w8,a8" << -0.01 << 0.01;
            QTest::addRow("%s fp8 weights and inputs", name) << name << "fp8_e4m3,afp8_e4m3" << -0.01 << 0.01;
            // Measured on these 5,000: the CNN keeps 79.6 % (-12.2 pp), the residual net 66.4 % (-26.7 pp).
            QTest::addRow("%s w2 per-channel", name) << name << "w2:per-channel" << 0.10 << 1.0;
        }
    }

    void uniformPlans()
    {
        QFETCH(QString, name);
        QFETCH(QString, spec);
        QFETCH(double, minDrop);
        QFETCH(double, maxDrop);
        const CompressionPlan plan = uniformPlan(spec.toStdString(), 0.0, model(name).layers());
        const EvalResult r = measure(name, plan);
        const double drop = m_baselines[name].top1() - r.top1();
        qInfo("%s %s: top-1 %.4f (baseline %.4f, drop %+.4f)", qPrintable(name), qPrintable(spec), r.top1(),
              m_baselines[name].top1(), drop);
        QVERIFY2(drop >= minDrop && drop <= maxDrop, qPrintable(QString("drop %1").arg(drop)));
        if (spec == "fp32")
            QCOMPARE(r.correctTop1, m_baselines[name].correctTop1); // the identity plan is exact
    }

    void modelIsNeverModified()
    {
        Model& m = model("fmnist_cnn");
        NullProgress progress;
        const CompressionPlan plan = uniformPlan("w2:per-tensor", 0.5, m.layers());
        auto applied = AppliedPlan::apply(m, plan, m_data.calibration, progress);
        applied->evaluate(m_data.evaluation, m_half, progress);
        const EvalResult again = evaluate(m, m_data.evaluation, m_half, progress);
        QCOMPARE(again.correctTop1, m_baselines["fmnist_cnn"].correctTop1);
        QCOMPARE(again.lossSum, m_baselines["fmnist_cnn"].lossSum);
    }

    void inputQuantizationTakesEffect()
    {
        // 2-bit inputs to every layer must hurt; the same weights without them must not.
        Model& m = model("fmnist_resnet");
        const double a2 = measure("fmnist_resnet", uniformPlan("fp32,a2", 0.0, m.layers())).top1();
        QVERIFY2(m_baselines["fmnist_resnet"].top1() - a2 > 0.05, qPrintable(QString::number(a2)));
        NullProgress progress;
        auto applied = AppliedPlan::apply(m, uniformPlan("w8,a8:percentile", 0.0, m.layers()), m_data.calibration, progress);
        for (const ActivationEncoding& e : applied->activationEncodings()) {
            QVERIFY(e.enabled);
            QCOMPARE(e.qmax - e.qmin, int64_t(255));
            QVERIFY(e.min <= 0 && e.max > 0 && e.scale > 0);
        }
    }

    void lowRankTradesAccuracy()
    {
        Model& m = model("fmnist_resnet");
        const double half = measure("fmnist_resnet", uniformPlan("fp32", 0.5, m.layers())).top1();
        const double tenth = measure("fmnist_resnet", uniformPlan("fp32", 0.1, m.layers())).top1();
        const double full = measure("fmnist_resnet", uniformPlan("fp32", 1.0, m.layers())).top1();
        qInfo("rank fractions 1.0 / 0.5 / 0.1: top-1 %.4f / %.4f / %.4f", full, half, tenth);
        QVERIFY(std::abs(full - m_baselines["fmnist_resnet"].top1()) < 0.002); // full rank reconstructs
        QVERIFY(tenth < half);
    }

    // A layer called inside a loop keeps reading its own weight in the rewritten graph: refused,
    // rather than measured with FP32 weights under a compressed label.
    void layersInsideLoopsAreRefused()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("loop.pt").toStdString();
        testing::writeLoopModel(path, 784);
        auto m = Model::load(path);
        NullProgress progress;
        try {
            AppliedPlan::apply(*m, uniformPlan("w4", 0.0, m->layers()), m_data.calibration, progress);
            QFAIL("a plan was applied to a layer inside a loop");
        } catch (const PlanError& e) {
            QVERIFY2(QString(e.what()).contains("inside loops or branches"), e.what());
        }
    }

    void invalidPlanIsRefused()
    {
        Model& m = model("fmnist_cnn");
        CompressionPlan plan;
        plan.layers["features.0"].rank = 1000;
        NullProgress progress;
        try {
            AppliedPlan::apply(m, plan, m_data.calibration, progress);
            QFAIL("a rank beyond min(m, n) must be refused");
        } catch (const PlanError& e) {
            QVERIFY2(QString(e.what()).contains("features.0") && QString(e.what()).contains("rank"), e.what());
        }
    }

    void cancelsWhileCalibrating()
    {
        struct CancelAtOnce final : Progress {
            void report(double, const std::string&) override {}
            bool cancelled() const override { return true; }
        } progress;
        Model& m = model("fmnist_resnet");
        QVERIFY_THROWS_EXCEPTION(Cancelled, AppliedPlan::apply(m, uniformPlan("w4,a4:mse", 0.0, m.layers()),
                                                               m_data.calibration, progress));
    }
};

QTEST_GUILESS_MAIN(TstPlanEvaluation)
#include "tst_plan_evaluation.moc"
