// Baseline evaluation: reproduces the demo models' sidecar figures, streams, cancels.

#include "core/data/dataset.h"
#include "core/errors.h"
#include "core/eval/evaluator.h"
#include "core/io/model_sidecar.h"
#include "core/model/model.h"
#include "core/progress.h"
#include "core/runtime.h"
#include "test_helpers.h"
#include "test_paths.h"

#include <QtTest>

using namespace bitlens;
using testing::CancelAfter;

class TstEvaluation : public QObject {
    Q_OBJECT

private:
    DatasetSplits m_data;

private slots:
    void initTestCase()
    {
        configureThreads();
        NullProgress progress;
        m_data = loadDataset(testing::fashionMnistDir().toStdString(), {}, progress);
    }

    void reproducesSidecar_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("cnn") << "fmnist_cnn";
        QTest::newRow("resnet") << "fmnist_resnet";
    }

    void reproducesSidecar()
    {
        QFETCH(QString, name);
        const std::string path = testing::demoModel(name.toLatin1().constData()).toStdString();
        const auto sidecar = readSidecar(path);
        QVERIFY(sidecar.has_value());
        const auto model = Model::load(path);
        NullProgress progress;
        const EvalResult r = evaluate(*model, m_data.evaluation, {}, progress);
        QCOMPARE(r.samples, sidecar->testSamples);
        // The sidecar was measured by PyTorch in Python; the same weights on the same pixels
        // must classify every test image the same way.
        QCOMPARE(r.correctTop1, sidecar->testCorrect);
        QCOMPARE(r.top1(), sidecar->testAccuracy);
        QVERIFY2(std::abs(r.loss() - sidecar->testLoss) < 1e-5 * sidecar->testLoss,
                 qPrintable(QString("loss %1 vs sidecar %2").arg(r.loss(), 0, 'g', 10).arg(sidecar->testLoss, 0, 'g', 10)));
        QVERIFY(r.top5() >= r.top1());
        QVERIFY(r.top5() <= 1.0);
        QVERIFY(r.complete());
        QVERIFY(r.seconds > 0);
    }

    void batchSizeDoesNotChangeResult()
    {
        const auto model = Model::load(testing::demoModel("fmnist_cnn").toStdString());
        NullProgress progress;
        EvalOptions small;
        small.batchSize = 37;
        small.limit = 2000;
        EvalOptions large = small;
        large.batchSize = 1000;
        const EvalResult a = evaluate(*model, m_data.evaluation, small, progress);
        const EvalResult b = evaluate(*model, m_data.evaluation, large, progress);
        QCOMPARE(a.samples, int64_t(2000));
        QCOMPARE(a.correctTop1, b.correctTop1);
        QCOMPARE(a.correctTop5, b.correctTop5);
        QVERIFY(std::abs(a.loss() - b.loss()) < 1e-5);
    }

    void streamsRunningResults()
    {
        const auto model = Model::load(testing::demoModel("fmnist_cnn").toStdString());
        NullProgress progress;
        std::vector<EvalResult> seen;
        EvalOptions options;
        options.batchSize = 256;
        options.limit = 1000;
        options.onBatch = [&](const EvalResult& r) { seen.push_back(r); };
        const EvalResult final = evaluate(*model, m_data.evaluation, options, progress);
        QCOMPARE(int(seen.size()), 4); // 256, 512, 768, 1000
        QCOMPARE(seen[0].samples, int64_t(256));
        QCOMPARE(seen.back().samples, int64_t(1000));
        QVERIFY(!seen[0].complete());
        QCOMPARE(seen.back().correctTop1, final.correctTop1);
        // A running figure is the figure of the samples seen so far.
        EvalOptions prefix;
        prefix.limit = 512;
        prefix.batchSize = 256;
        QCOMPARE(evaluate(*model, m_data.evaluation, prefix, progress).correctTop1, seen[1].correctTop1);
    }

    void cancelsBetweenBatches()
    {
        const auto model = Model::load(testing::demoModel("fmnist_cnn").toStdString());
        CancelAfter progress(2);
        int batches = 0;
        EvalOptions options;
        options.batchSize = 100;
        options.onBatch = [&](const EvalResult&) { ++batches; };
        QVERIFY_THROWS_EXCEPTION(Cancelled, evaluate(*model, m_data.evaluation, options, progress));
        QCOMPARE(batches, 2);
    }

    void wilsonInterval()
    {
        // Reference values of the 95 % Wilson score interval (Newcombe 1998, table I style).
        EvalResult r;
        r.samples = r.total = r.predictions = 100;
        r.correctTop1 = 50;
        Interval ci = top1Interval(r);
        QVERIFY(std::abs(ci.low - 0.4038) < 1e-4);
        QVERIFY(std::abs(ci.high - 0.5962) < 1e-4);
        r.correctTop1 = 100; // no hits missed: the interval still has width
        ci = top1Interval(r);
        QVERIFY(std::abs(ci.low - 0.9630) < 1e-4);
        QCOMPARE(ci.high, 1.0);
    }

    void labelsBeyondOutputs()
    {
        const std::string path = testing::demoModel("fmnist_cnn").toStdString();
        const auto model = Model::load(path);
        SampleSet shifted = m_data.evaluation.subset({0, 1, 2, 3}, "test");
        shifted.labels[2] = 12;
        NullProgress progress;
        try {
            evaluate(*model, shifted, {}, progress);
            QFAIL("labels beyond the model's outputs must be refused");
        } catch (const EvalError& e) {
            const QString message = e.what();
            QVERIFY2(message.startsWith(QString::fromStdString(path)), qPrintable(message));
            QVERIFY2(message.contains("10 outputs") && message.contains("label 12"), qPrintable(message));
        }
    }
};

QTEST_GUILESS_MAIN(TstEvaluation)
#include "tst_evaluation.moc"
