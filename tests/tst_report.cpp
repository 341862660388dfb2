// The report folder as a script makes it: analyze → allocate → `bitlens-cli report`, every file
// checked, the measured accuracy against stock PyTorch on the exported model, and failures that
// leave nothing behind. Keeps the report in $BITLENS_TEST_OUTPUT/report for a look.

#include "core/alloc/plan_prediction.h"
#include "core/errors.h"
#include "core/io/analysis_bundle.h"
#include "core/progress.h"
#include "test_helpers.h"
#include "test_paths.h"
#include "views/report_writer.h"

#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace bitlens;

class TstReport : public QObject {
    Q_OBJECT

private:
    struct Run {
        int exitCode = -1;
        QByteArray out;
        QString err;
    };

    // bitlens-cli with `args`; `shellPrefix` (e.g. "ulimit -f 256;") runs before it in bash.
    Run cli(const QStringList& args, const QString& shellPrefix = {})
    {
        QProcess p;
        p.start("/bin/bash", QStringList{"-c", shellPrefix + " exec \"$0\" \"$@\"", qEnvironmentVariable("BITLENS_CLI")} + args);
        Run r;
        if (!p.waitForFinished(240000))
            return r;
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = p.readAllStandardOutput();
        r.err = QString::fromUtf8(p.readAllStandardError()).trimmed();
        return r;
    }

    static QByteArray read(const QString& path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    static QList<QStringList> csv(const QString& path)
    {
        QList<QStringList> rows;
        for (const QByteArray& line : read(path).split('\n'))
            if (!line.isEmpty())
                rows << QString::fromUtf8(line).split(QLatin1Char(','));
        return rows;
    }

    // Nothing of a report that failed: neither the folder nor a temporary beside it.
    static bool leftNothing(const QString& out)
    {
        const QFileInfo info(out);
        return !info.exists() && QDir(info.absolutePath()).entryList({info.fileName() + ".*"}, QDir::AllEntries | QDir::Hidden).isEmpty();
    }

    QTemporaryDir m_dir;
    QString m_model;
    QString m_bundle;
    QString m_plan;
    QString m_report;
    QJsonObject m_allocation;
    QJsonObject m_json; // report.json
    int m_layers = 0;

private slots:
    void initTestCase()
    {
        QVERIFY2(QFileInfo(qEnvironmentVariable("BITLENS_CLI")).isExecutable(), "BITLENS_CLI must name bitlens-cli");
        m_model = testing::demoModel("fmnist_cnn");
        m_bundle = m_dir.filePath("B.h5");
        m_plan = m_dir.filePath("P.json");
        const Run analyzed = cli({"analyze", m_model, "--stats", "--activations", "--spectra", "--quant-error", "--hessian",
                                  "--sensitivity", "--hessian-samples", "128", "--hessian-batches", "2", "--estimators",
                                  "measured,hawq", "--candidates", "w2,w4,w8", "--out", m_bundle});
        QVERIFY2(analyzed.exitCode == 0, qPrintable(analyzed.err));
        const Run allocated = cli({"allocate", "--bundle", m_bundle, "--budget", "4bits", "--out", m_plan, "--json"});
        QVERIFY2(allocated.exitCode == 0, qPrintable(allocated.err));
        m_allocation = QJsonDocument::fromJson(allocated.out).object();
        m_layers = int(readAnalysisBundle(m_bundle.toStdString()).layers.size());

        m_report = QDir(testing::testOutputDir()).filePath("report");
        QDir(m_report).removeRecursively();
        QElapsedTimer clock;
        clock.start();
        // Two threads, as support/eval_torchscript.py runs: the count sets how convolutions split
        // their sums, and measuredAccuracyIsPyTorchs compares sample for sample.
        const Run reported = cli({"report", "--bundle", m_bundle, "--plan", m_plan, "--out", m_report, "--json",
                                  "--threads", "2"});
        QVERIFY2(reported.exitCode == 0, qPrintable(reported.err));
        const QJsonObject summary = QJsonDocument::fromJson(reported.out).object();
        qInfo("report of fmnist_cnn: %.1f s in all; %.1f s loading, %.1f s evaluating, %.2f s writing (%.2f s for %d figures)",
              1e-3 * double(clock.elapsed()), summary["load_seconds"].toDouble(), summary["evaluation_seconds"].toDouble(),
              summary["report_seconds"].toDouble(), summary["figure_seconds"].toDouble(), summary["figures"].toInt());
        m_json = QJsonDocument::fromJson(read(m_report + "/report.json")).object();
        QVERIFY(!m_json.isEmpty());
    }

    void everyFileIsThere()
    {
        QStringList expected{"layers.csv", "sensitivity.csv", "plan.csv", "report.json", "index.html",
                             "figures/graph.svg", "graph_nodes.json", "model.metrics.json"};
        QStringList figures{"hessian", "outliers", "spectra", "sensitivity_measured", "sensitivity_hawq", "estimator_trust",
                            "plan_bits", "graph"};
        const QJsonArray listed = m_json["figures"].toArray();
        for (const QString& f : figures)
            expected << "figures/" + f + ".png" << "figures/" + f + ".pdf";
        QCOMPARE(listed.size(), figures.size() + 3 * m_layers); // and weights, spectrum, ΔLoss per layer
        for (const auto& f : listed) {
            expected << f.toObject()["png"].toString() << f.toObject()["pdf"].toString();
            QVERIFY(!f.toObject()["title"].toString().isEmpty());
        }
        expected.removeDuplicates();
        for (const QString& file : expected)
            QVERIFY2(QFileInfo(m_report + "/" + file).size() > 0, qPrintable(file));
        const auto layerFigures = QDir(m_report + "/figures/layers").entryList(QDir::Files);
        QCOMPARE(layerFigures.size(), 2 * 3 * m_layers);
        QVERIFY(layerFigures.first().startsWith("00_")); // model order in a file browser too
    }

    void figuresArePngAt300DpiAndPdf()
    {
        for (const auto& f : m_json["figures"].toArray()) {
            const QString png = m_report + "/" + f.toObject()["png"].toString();
            QVERIFY2(read(png).startsWith("\x89PNG\r\n\x1a\n"), qPrintable(png));
            const QImage image(png);
            const QByteArray pdf = read(m_report + "/" + f.toObject()["pdf"].toString());
            QVERIFY2(pdf.startsWith("%PDF-") && pdf.trimmed().endsWith("%%EOF"), qPrintable(f.toObject()["pdf"].toString()));
            if (png.endsWith("figures/graph.png")) {
                // The graph's size follows the graph: the PNG is the PDF's page at 144 dpi (2 px a point).
                const QRegularExpression box("/MediaBox \\[0 0 ([0-9.]+) ([0-9.]+)\\]");
                const QRegularExpressionMatch page = box.match(QString::fromLatin1(pdf));
                QVERIFY(page.hasMatch());
                QVERIFY(std::abs(image.width() - 2 * page.captured(1).toDouble()) <= 1);
                QVERIFY(std::abs(image.height() - 2 * page.captured(2).toDouble()) <= 1);
                QVERIFY2(std::abs(image.dotsPerMeterX() - 5669) <= 2, "PNG says 144 dpi"); // 144 / 0.0254
                continue;
            }
            QCOMPARE(image.size(), QSize(1920, 1200));
            QVERIFY2(std::abs(image.dotsPerMeterX() - 11811) <= 2, "PNG says 300 dpi"); // 300 / 0.0254
        }
    }

    void tablesHaveARowPerLayerAndOption()
    {
        const QList<QStringList> layers = csv(m_report + "/layers.csv");
        QCOMPARE(layers.size(), 1 + m_layers);
        QCOMPARE(layers[0].mid(0, 8), (QStringList{"name", "kind", "shape", "params", "macs", "weight_kurtosis", "weight_std", "weight_absmax"}));
        QCOMPARE(layers[0].mid(8), (QStringList{"weight_outlier_pct_3sigma", "weight_outlier_pct_6sigma", "outlier_channels",
                                                "input_kurtosis", "input_absmax", "input_p99_99", "lambda1", "lambda1_spread",
                                                "trace", "trace_stderr", "alpha", "stable_rank", "effective_rank", "rank_95",
                                                "sqnr_db_w4", "sqnr_db_w8"}));
        for (const QStringList& row : layers.mid(1)) {
            QCOMPARE(row.size(), layers[0].size());
            for (int c : {3, 4, 5, 12, 14, 16}) // params, MACs, kurtosis, input absmax, λ₁, trace: all analysed
                QVERIFY2(!row[c].isEmpty() && std::isfinite(row[c].toDouble()), qPrintable(row.join(',')));
            QVERIFY(row[14].toDouble() > 0);
        }

        const QList<QStringList> sensitivity = csv(m_report + "/sensitivity.csv");
        QCOMPARE(sensitivity[0], (QStringList{"layer", "option", "measured", "hawq"}));
        QCOMPARE(sensitivity.size(), 1 + 3 * m_layers);
        QCOMPARE(sensitivity[1].mid(0, 2), (QStringList{layers[1][0], "w2"}));
        QCOMPARE(sensitivity[3].mid(0, 2), (QStringList{layers[1][0], "w8"}));

        const QList<QStringList> plan = csv(m_report + "/plan.csv");
        QCOMPARE(plan[0], (QStringList{"layer", "option", "weight_format", "weight_bits", "rank", "activation_bits", "bytes",
                                       "bits_per_weight", "bops", "predicted_delta_loss"}));
        QCOMPARE(plan.size(), 1 + m_layers);
        qint64 bytes = 0;
        double predicted = 0;
        const QJsonArray choices = m_allocation["choices"].toArray();
        for (int i = 0; i < m_layers; ++i) {
            const QStringList& row = plan[1 + i];
            QCOMPARE(row[0], layers[1 + i][0]);
            QCOMPARE(row[3], choices[i].toString().mid(1)); // "w4" → 4 bits
            bytes += row[6].toLongLong();
            predicted += row[9].toDouble();
        }
        // allocate's figures are the compressible layers' bytes and the summed ΔLoss of the same table.
        QCOMPARE(bytes, m_allocation["bytes"].toInteger());
        QVERIFY(std::abs(predicted - m_allocation["predicted_delta_loss"].toDouble()) <= 1e-9 * (1 + std::abs(predicted)));
    }

    void reportJsonHasTheKeyFigures()
    {
        QCOMPARE(m_json["format"].toString(), QString("bitlens-report"));
        const QJsonObject model = m_json["model"].toObject();
        QCOMPARE(model["path"].toString(), m_model);
        QCOMPARE(model["sha256"].toString().size(), 64);
        QCOMPARE(model["layers"].toInt(), m_layers);
        const QJsonObject data = m_json["dataset"].toObject();
        QCOMPARE(QDir(data["path"].toString()).canonicalPath(), QDir(testing::fashionMnistDir()).canonicalPath());
        QCOMPARE(data["evaluation_samples"].toInt(), 10000);

        const QJsonObject plan = m_json["plan"].toObject();
        QVERIFY(plan["bytes"].toInteger() > m_allocation["bytes"].toInteger()); // + the parameters no plan compresses
        QCOMPARE(plan["fp32_bytes"].toInteger(), 4 * model["params"].toInteger());
        QVERIFY(std::abs(plan["compression_ratio"].toDouble() - double(plan["fp32_bytes"].toInteger()) / double(plan["bytes"].toInteger())) < 1e-9);
        QVERIFY(std::abs(plan["average_bits"].toDouble() - m_allocation["avg_bits"].toDouble()) < 1e-9);
        QVERIFY(plan["average_bits"].toDouble() <= 4.0);
        QVERIFY(plan["bops"].toDouble() > 0);
        QCOMPARE(plan["estimator"].toString(), QString("measured"));
        QVERIFY(std::abs(plan["predicted_delta_loss"].toDouble() - m_allocation["predicted_delta_loss"].toDouble()) < 1e-9);

        const QJsonObject measured = m_json["measured"].toObject();
        for (const char* which : {"plan", "baseline"}) {
            const QJsonObject r = measured[which].toObject();
            QCOMPARE(r["samples"].toInt(), 10000);
            QCOMPARE(r["top1"].toDouble(), r["correct_top1"].toDouble() / 10000.0);
            QVERIFY(r["top5"].toDouble() >= r["top1"].toDouble());
            QVERIFY(r["loss"].toDouble() > 0);
            const QJsonArray ci = r["top1_ci95"].toArray();
            QVERIFY(ci[0].toDouble() < r["top1"].toDouble() && r["top1"].toDouble() < ci[1].toDouble());
        }
        // The FP32 baseline is the demo model's sidecar figure, exactly.
        QCOMPARE(measured["baseline"].toObject()["correct_top1"].toInt(), 9213);
    }

    void htmlIsSelfContained()
    {
        const QString html = QString::fromUtf8(read(m_report + "/index.html"));
        for (const char* section : {"id=\"model\"", "id=\"dataset\"", "id=\"plan\"", "id=\"memory\"", "id=\"accuracy\"", "id=\"figures\""})
            QVERIFY2(html.contains(section), section);
        const auto percent = [](double f) { return QString::number(100.0 * f, 'f', 2) + " %"; };
        const QJsonObject measured = m_json["measured"].toObject();
        QVERIFY(html.contains(percent(measured["plan"].toObject()["top1"].toDouble())));
        QVERIFY(html.contains(percent(measured["baseline"].toObject()["top1"].toDouble())));
        QVERIFY(!html.contains("<script") && !html.contains("<link") && !html.contains("src=\"http"));

        // Every figure's PNG is embedded, byte for byte.
        const QRegularExpression image(QStringLiteral("<img alt=\"[^\"]*\" src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\""));
        QStringList embedded;
        for (auto it = image.globalMatch(html); it.hasNext();)
            embedded << it.next().captured(1);
        const QJsonArray figures = m_json["figures"].toArray();
        QCOMPARE(embedded.size(), figures.size());
        for (int i = 0; i < figures.size(); ++i)
            QVERIFY(QByteArray::fromBase64(embedded[i].toLatin1()) == read(m_report + "/" + figures[i].toObject()["png"].toString()));
    }

    // The accuracy the report states is what stock PyTorch gets from the exported model.
    void measuredAccuracyIsPyTorchs()
    {
        const QString exported = m_dir.filePath("EXP");
        const Run run = cli({"export", m_model, "--plan", m_plan, "--out", exported});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QProcess python;
        python.start("/usr/bin/python3", {QFINDTESTDATA("support/eval_torchscript.py"), exported + "/model.pt", testing::fashionMnistDir()});
        QVERIFY(python.waitForFinished(300000));
        QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
        const QJsonObject theirs = QJsonDocument::fromJson(python.readAllStandardOutput()).object();
        const QJsonObject ours = m_json["measured"].toObject()["plan"].toObject();
        qInfo("report: %d / %d correct, PyTorch on the export: %lld", ours["correct_top1"].toInt(), ours["samples"].toInt(),
              static_cast<long long>(theirs["correct_top1"].toInteger()));
        QCOMPARE(theirs["samples"].toInteger(), ours["samples"].toInteger());
        QCOMPARE(theirs["correct_top1"].toInteger(), ours["correct_top1"].toInteger());
    }

    void errorsAreOneLineAndLeaveNothing()
    {
        const QString out = m_dir.filePath("never");
        const Run missing = cli({"report", "--bundle", m_dir.filePath("missing.h5"), "--plan", m_plan, "--out", out});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY2(missing.err.startsWith("bitlens-report: " + m_dir.filePath("missing.h5") + ": "), qPrintable(missing.err));
        QVERIFY2(!missing.err.contains('\n'), qPrintable(missing.err));
        QVERIFY(leftNothing(out));

        const Run usage = cli({"report", "--bundle", m_bundle, "--plan", m_plan});
        QCOMPARE(usage.exitCode, 2);
        QVERIFY2(usage.err.contains("--out"), qPrintable(usage.err));

        // A folder of other files is never replaced by a report; it is refused before any work.
        const QString other = m_dir.filePath("other");
        QVERIFY(QDir().mkpath(other));
        QFile(other + "/notes.txt").open(QIODevice::WriteOnly);
        const Run refused = cli({"report", "--bundle", m_bundle, "--plan", m_plan, "--out", other});
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.startsWith("bitlens-report: " + other + ": "), qPrintable(refused.err));
        QCOMPARE(QDir(other).entryList(QDir::Files), QStringList{"notes.txt"});

        // Without bitlens-report beside it, bitlens-cli says what is missing.
        QFile::copy(qEnvironmentVariable("BITLENS_CLI"), m_dir.filePath("bitlens-cli"));
        QFile(m_dir.filePath("bitlens-cli")).setPermissions(QFile::ExeOwner | QFile::ReadOwner);
        QProcess alone;
        alone.start(m_dir.filePath("bitlens-cli"), {"report", "--bundle", m_bundle, "--plan", m_plan, "--out", out});
        QVERIFY(alone.waitForFinished(60000));
        const QString err = QString::fromUtf8(alone.readAllStandardError()).trimmed();
        QCOMPARE(alone.exitCode(), 1);
        QVERIFY2(err.startsWith("bitlens-cli: report needs the Qt part of BitLens"), qPrintable(err));
    }

    // In process, as the GUI writes it: step by step, an earlier report replaced, a cancel
    // leaving the folder as it was.
    void writerReplacesAndCancelsCleanly()
    {
        views::ReportInput input;
        input.analysis = std::make_shared<const ModelAnalysis>(readAnalysisBundle(m_bundle.toStdString()));
        input.layers = input.analysis->layers;
        input.plan = readPlanFile(m_plan.toStdString());
        input.planSource = m_plan.toStdString();
        input.prediction = predictPlan(input.plan, input.layers, m_json["model"].toObject()["params"].toInteger(),
                                       input.analysis->sensitivity, "hawq");
        input.modelPath = m_model.toStdString();
        for (EvalResult* r : {&input.measured.baseline, &input.measured.plan}) {
            r->samples = r->total = 200;
            r->correctTop1 = r->correctTop5 = 150;
            r->lossSum = 60.0;
        }
        const QString folder = m_dir.filePath("inprocess");
        QVERIFY_THROWS_EXCEPTION(Error, views::ReportWriter(input, m_dir.filePath("no/such/parent")));
        {
            views::ReportWriter writer(input, folder);
            QVERIFY(writer.stepCount() > 20);
            // What a GUI running one step per event-loop turn would stall for, at most.
            qint64 longest = 0;
            QString longestStep;
            while (!writer.done()) {
                const QString label = writer.nextStep();
                QElapsedTimer clock;
                clock.start();
                writer.step();
                if (clock.elapsed() > longest) {
                    longest = clock.elapsed();
                    longestStep = label;
                }
            }
            qInfo("in process: %d steps, %.2f s; the longest %lld ms (%s)", writer.stepCount(), writer.summary().seconds,
                  static_cast<long long>(longest), qPrintable(longestStep));
        }
        QCOMPARE(QJsonDocument::fromJson(read(folder + "/report.json")).object()["plan"].toObject()["estimator"].toString(), QString("hawq"));

        input.prediction = predictPlan(input.plan, input.layers, m_json["model"].toObject()["params"].toInteger(),
                                       input.analysis->sensitivity, "measured");
        NullProgress quiet;
        views::writeReport(input, folder, quiet);
        const QByteArray replaced = read(folder + "/report.json");
        QCOMPARE(QJsonDocument::fromJson(replaced).object()["plan"].toObject()["estimator"].toString(), QString("measured"));

        testing::CancelAfter cancel(9);
        QVERIFY_THROWS_EXCEPTION(Cancelled, views::writeReport(input, folder, cancel));
        QCOMPARE(read(folder + "/report.json"), replaced);
        QCOMPARE(QDir(m_dir.path()).entryList({"inprocess*"}, QDir::AllEntries | QDir::Hidden), QStringList{"inprocess"});

        // A session never analysed still gets its plan's tables, figure and accuracy.
        input.analysis = std::make_shared<const ModelAnalysis>();
        const QString planOnly = m_dir.filePath("plan-only");
        views::writeReport(input, planOnly, quiet);
        const QJsonArray figures = QJsonDocument::fromJson(read(planOnly + "/report.json")).object()["figures"].toArray();
        QCOMPARE(figures.size(), 1);
        QCOMPARE(figures[0].toObject()["png"].toString(), QString("figures/plan_bits.png"));
        QCOMPARE(csv(planOnly + "/layers.csv").size(), 1 + m_layers);
        QVERIFY(!QFileInfo::exists(planOnly + "/sensitivity.csv"));
    }

    // A full disk, simulated by a file-size limit: the report fails at the file it could not
    // write, says which, and the earlier report in the folder stays as it was, with no temporary
    // folder left beside it.
    void failureKeepsTheEarlierReport()
    {
        const QByteArray before = read(m_report + "/report.json");
        // --quiet: a run over 5 s also prints progress lines, and the error is what is checked.
        const Run full = cli({"report", "--bundle", m_bundle, "--plan", m_plan, "--out", m_report, "--quiet"},
                             "ulimit -f 256;");
        QCOMPARE(full.exitCode, 1);
        QVERIFY2(full.err.startsWith("bitlens-report: ") && full.err.contains(m_report + "/"), qPrintable(full.err));
        QVERIFY2(!full.err.contains('\n'), qPrintable(full.err));
        QCOMPARE(read(m_report + "/report.json"), before);
        QVERIFY(QFileInfo(m_report + "/index.html").size() > 256 * 1024);
        QCOMPARE(QDir(testing::testOutputDir()).entryList({"report.*"}, QDir::AllEntries | QDir::Hidden), QStringList());
    }
};

QTEST_MAIN(TstReport)
#include "tst_report.moc"
