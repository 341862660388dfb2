// The /session group of an analysis bundle: every field a GUI session keeps (dataset, plan, pins,
// tie groups, estimator, measured plans, the last Pareto front) reads back exactly; a bundle
// without the newer fields opens with their defaults; h5py reads the same layout README gives.

#include "core/io/analysis_bundle.h"
#include "core/quant/option_spec.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace bitlens;

namespace {

ModelAnalysis twoLayers()
{
    ModelAnalysis a;
    a.modelPath = "/models/tiny.pt";
    a.modelSha256 = std::string(64, 'a');
    LayerInfo conv{"features.0", LayerKind::Conv2d, {8, 1, 3, 3}, 72, 8, 100, 1};
    LayerInfo fc{"classifier", LayerKind::Linear, {10, 72}, 720, 10, 720, 1};
    a.layers = {conv, fc};
    return a;
}

EvalResult result(TaskKind task, int64_t samples, double lossSum, int64_t correct)
{
    EvalResult r;
    r.task = task;
    r.samples = r.total = samples;
    r.predictions = task == TaskKind::LanguageModel ? samples * 128 : samples;
    r.lossSum = lossSum;
    r.sampleLossSquares = lossSum * lossSum / double(samples) + 0.1; // any value: it must come back bit for bit
    r.correctTop1 = correct;
    r.correctTop5 = correct + samples / 20;
    r.seconds = 1.0 / 3.0;
    return r;
}

SessionState fullState()
{
    SessionState s;
    s.datasetPath = "/data/fashion";
    s.calibrationSize = 256;
    s.calibrationSeed = 7;
    s.plan = CompressionPlan{};
    s.plan->layers["features.0"] = optionFromSpec("w4");
    s.plan->layers["classifier"] = optionFromSpec("w8:per-tensor,a8");
    s.estimator = "hawq";
    s.pinned = {"classifier"};
    s.tieGroups = {{"features.0", "classifier"}};
    MeasuredPlan first{*s.plan, 1234, 1100, 4.4, 0.1 + 0.2, result(TaskKind::Classification, 10000, 3210.123456789, 8912)};
    CompressionPlan w2;
    w2.defaults = optionFromSpec("w2");
    MeasuredPlan second{w2, 700, 560, 2.0, -1e-7, result(TaskKind::LanguageModel, 40, 40.0 * 128 * 3.3, 2000)};
    s.measuredPlans = {first, second};
    AllocationFront f;
    f.estimator = "hawq";
    f.budgetBytes = 900;
    f.budgetBops = 1.5e9;
    f.front.solverSeconds = 0.25;
    f.front.points = {{560, 1e9, 0.5, {0, 0}}, {1100, 2e9, 1.0 / 7.0, {1, 2}}};
    f.plans = {w2, *s.plan};
    s.front = f;
    return s;
}

} // namespace

class TstSessionState : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private slots:
    void everyFieldReadsBackExactly_data()
    {
        QTest::addColumn<bool>("bopsBudget");
        QTest::newRow("bytes and BOPs budget") << true;
        QTest::newRow("bytes budget only") << false;
    }

    void everyFieldReadsBackExactly()
    {
        QFETCH(bool, bopsBudget);
        SessionState state = fullState();
        if (!bopsBudget)
            state.front->budgetBops.reset();
        const std::string path = m_dir.filePath("full.h5").toStdString();
        writeAnalysisBundle(twoLayers(), path, &state);
        const std::optional<SessionState> back = readSessionState(path);
        QVERIFY(back);
        QCOMPARE(back->datasetPath, state.datasetPath);
        QCOMPARE(back->calibrationSize, state.calibrationSize);
        QCOMPARE(back->calibrationSeed, state.calibrationSeed);
        QVERIFY(back->plan && *back->plan == *state.plan);
        QCOMPARE(back->estimator, state.estimator);
        QCOMPARE(back->pinned, state.pinned);
        QCOMPARE(back->tieGroups, state.tieGroups);
        QCOMPARE(back->measuredPlans.size(), state.measuredPlans.size());
        for (size_t i = 0; i < state.measuredPlans.size(); ++i)
            QVERIFY2(back->measuredPlans[i] == state.measuredPlans[i], qPrintable(QString("measured plan %1").arg(i)));
        QCOMPARE(back->measuredPlans[1].result.perplexity(), std::exp(3.3)); // the counters, not a rounded copy
        QVERIFY(back->front);
        QCOMPARE(back->front->budgetBops, state.front->budgetBops);
        QVERIFY(*back->front == *state.front);
    }

    // What a bundle of an older BitLens (or the CLI's analyze) has: no pins, ties, estimator,
    // measured plans or front. It opens with each at its default.
    void olderSessionOpensWithDefaults()
    {
        SessionState old;
        old.datasetPath = "/data/fashion";
        old.calibrationSize = 128;
        old.plan = CompressionPlan{};
        const std::string path = m_dir.filePath("old.h5").toStdString();
        writeAnalysisBundle(twoLayers(), path, &old);
        const std::optional<SessionState> back = readSessionState(path);
        QVERIFY(back);
        QVERIFY(back->plan && *back->plan == CompressionPlan{});
        QVERIFY(back->estimator.empty());
        QVERIFY(back->pinned.empty());
        QVERIFY(back->tieGroups.empty());
        QVERIFY(back->measuredPlans.empty());
        QVERIFY(!back->front);
    }

    // README documents the layout for h5py users; read it the way they would.
    void h5pyReadsTheLayout()
    {
        const SessionState state = fullState();
        const QString path = m_dir.filePath("h5py.h5");
        writeAnalysisBundle(twoLayers(), path.toStdString(), &state);
        const char* script = R"(
import h5py, json, sys
with h5py.File(sys.argv[1], 'r') as f:
    s = f['session']
    print(s.attrs['estimator'].decode() if isinstance(s.attrs['estimator'], bytes) else s.attrs['estimator'])
    print(','.join(x.decode() for x in s['pinned'][()]))
    print(json.dumps(json.loads(s['tie_groups'][0])))
    measured = json.loads(s['measured_plans'][0])
    print(' '.join(str(m['layer_bytes']) for m in measured), measured[0]['result']['correct_top1'])
    front = json.loads(s['pareto_front'][0])
    print(' '.join(str(p['bytes']) for p in front['points']), front['points'][0]['plan']['defaults']['weight']['bits'])
)";
        QProcess python;
        python.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), QString::fromUtf8(script), path});
        QVERIFY(python.waitForFinished(60000));
        QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
        const QStringList lines = QString::fromUtf8(python.readAllStandardOutput()).trimmed().split(QLatin1Char('\n'));
        QCOMPARE(lines, (QStringList{"hawq", "classifier", R"([["features.0", "classifier"]])", "1100 560 8912", "560 1100 2"}));
    }
};

QTEST_GUILESS_MAIN(TstSessionState)
#include "tst_session_state.moc"
