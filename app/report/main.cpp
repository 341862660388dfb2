// bitlens-report: the report folder of a bundle and a plan, without a window. `bitlens-cli report`
// runs it with the same arguments: the figures need Qt, which bitlens-cli must do without.

#include "app/cli/cli_support.h"

#include "core/alloc/plan_prediction.h"
#include "core/errors.h"
#include "core/eval/eval_result_json.h"
#include "core/eval/plan_measurement.h"
#include "core/io/analysis_bundle.h"
#include "core/runtime.h"
#include "core/stats/sha256.h"
#include "views/report_writer.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFileInfo>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace {

using namespace bitlens;
using cli::CliArgs;
using cli::UsageError;

void printUsage()
{
    std::cout << "usage: bitlens-report --bundle BUNDLE.h5 --plan PLAN.json --out DIR [options]\n"
                 "       (also: bitlens-cli report ...)\n\n"
                 "Writes DIR: every figure as PNG (300 dpi) and PDF, layers.csv, sensitivity.csv, plan.csv,\n"
                 "report.json and a self-contained index.html. The plan's accuracy (perplexity for a\n"
                 "language model) is measured on the dataset's evaluation split, as the exported model.pt\n"
                 "computes it.\n\n"
                 "options:\n"
                 "  --data PATH       dataset (default: the one the bundle was analysed on)\n"
                 "  --calib N         calibration samples for the plan's input ranges (default: the bundle's)\n"
                 "  --seed N          seed of the calibration subset (default: the bundle's)\n"
                 "  --estimator NAME  cost table for the predicted ΔLoss (default measured)\n"
                 "  --threads N       compute threads (default: one per core not busy with other work)\n"
                 "  --json            one JSON object on stdout instead of text\n"
                 "  --quiet           no progress on stderr\n";
}

// The model a bundle analysed, checked to be the same file. Throws Error naming the bundle.
std::shared_ptr<const ModelAnalysis> readBundle(const std::string& bundle)
{
    ModelAnalysis analysis = readAnalysisBundle(bundle);
    if (!std::filesystem::exists(analysis.modelPath))
        throw Error(bundle + ": its model " + analysis.modelPath + " is missing");
    const std::string sha = sha256File(analysis.modelPath);
    if (sha != analysis.modelSha256)
        readAnalysisBundle(bundle, sha); // throws, naming both files
    return std::make_shared<const ModelAnalysis>(std::move(analysis));
}

int run(const CliArgs& args)
{
    if (args.has("help")) {
        printUsage();
        return 0;
    }
    if (!args.command.empty())
        throw UsageError("takes no positional argument ('" + args.command + "'); see --help");
    const std::string bundle = args.value("bundle", "");
    const std::string planPath = args.value("plan", "");
    const std::string out = args.value("out", "");
    if (bundle.empty() || planPath.empty() || out.empty())
        throw UsageError("'report' needs --bundle BUNDLE.h5, --plan PLAN.json and --out DIR");
    configureThreads(static_cast<int>(args.integer("threads", 0, 1)));
    views::checkReportFolder(QString::fromStdString(out)); // before minutes of work, not after
    QElapsedTimer clock;
    clock.start();
    cli::TerminalProgress progress(args);

    const std::shared_ptr<const ModelAnalysis> analysis = readBundle(bundle);
    const std::string estimator = args.value("estimator", "measured");
    if (args.options.count("estimator") && !analysis->sensitivity.table(estimator))
        throw Error(bundle + ": has no '" + estimator + "' cost table (run analyze --sensitivity with that estimator)");
    // The dataset and calibration subset the bundle was analysed on, unless the command line says otherwise.
    CliArgs effective = args;
    if (const std::optional<SessionState> session = readSessionState(bundle)) {
        if (!session->datasetPath.empty())
            effective.options.emplace("data", session->datasetPath);
        if (session->calibrationSize > 0)
            effective.options.emplace("calib", std::to_string(session->calibrationSize));
        effective.options.emplace("seed", std::to_string(session->calibrationSeed));
    }
    cli::Workspace w = cli::openWorkspace(analysis->modelPath, effective, progress);
    const CompressionPlan plan = cli::readPlanFor(*w.model, planPath);

    views::ReportInput input;
    input.analysis = analysis;
    input.layers = w.model->layers();
    input.plan = plan;
    input.planSource = QFileInfo(QString::fromStdString(planPath)).absoluteFilePath().toStdString();
    input.prediction = predictPlan(plan, input.layers, w.model->totalParams(), analysis->sensitivity, estimator);
    input.modelPath = analysis->modelPath;
    input.modelSha256 = analysis->modelSha256;
    input.dataset = views::describeDataset(w.data, w.dataOptions.seed);
    input.graph = std::make_shared<const ModelGraph>(buildModelGraph(*w.model, &w.data.evaluation));
    const double loadSeconds = 1e-3 * double(clock.restart());
    SubProgress measuring(progress, 0.0, 0.7);
    input.measured = measurePlan(*w.model, w.data, plan, measuring);
    const double evaluationSeconds = 1e-3 * double(clock.restart());
    const EvalResult measured = input.measured.plan;
    const EvalResult baseline = input.measured.baseline;
    SubProgress writing(progress, 0.7, 1.0);
    const views::ReportSummary report = views::writeReport(std::move(input), QString::fromStdString(out), writing);

    if (args.has("json")) {
        nlohmann::json o = evalResultJson(measured);
        std::vector<std::string> files;
        for (const QString& f : report.files)
            files.push_back(f.toStdString());
        o.update({{"folder", report.folder.toStdString()}, {"files", files}, {"figures", report.figures},
                  {"baseline_top1", baseline.top1()}, {"load_seconds", loadSeconds},
                  {"evaluation_seconds", evaluationSeconds}, {"report_seconds", report.seconds},
                  {"figure_seconds", report.figureSeconds}});
        if (measured.languageModel())
            o["baseline_perplexity"] = baseline.perplexity();
        std::cout << o.dump() << "\n";
        return 0;
    }
    std::printf("wrote %s: %d figures (PNG and PDF), %lld files\n", out.c_str(), report.figures,
                static_cast<long long>(report.files.size()));
    if (measured.languageModel()) {
        const Interval pci = perplexityInterval(measured);
        std::printf("plan perplexity %.4f (95%% CI %.4f-%.4f), FP32 %.4f, on %lld windows (%lld tokens)\n",
                    measured.perplexity(), pci.low, pci.high, baseline.perplexity(), static_cast<long long>(measured.samples),
                    static_cast<long long>(measured.predictions));
    } else {
        const Interval ci = top1Interval(measured);
        std::printf("plan top-1 %.4f (95%% CI %.4f-%.4f), FP32 %.4f, on %lld samples\n", measured.top1(), ci.low, ci.high,
                    baseline.top1(), static_cast<long long>(measured.samples));
    }
    std::printf("%.1f s loading, %.1f s evaluating, %.1f s writing (%.1f s of it figures)\n", loadSeconds, evaluationSeconds,
                report.seconds, report.figureSeconds);
    return 0;
}

// Qt's own notes (a missing XDG_RUNTIME_DIR, fonts) are nothing the user can act on here, and
// stderr is for the one-line error scripts read; only Qt's critical messages get through.
void quietQtMessages(QtMsgType type, const QMessageLogContext&, const QString& message)
{
    if (type == QtCriticalMsg || type == QtFatalMsg)
        std::cerr << "bitlens-report: " << message.toStdString() << "\n";
}

} // namespace

int main(int argc, char** argv)
{
    relaunchWithPassiveThreads(argv);
    // As in bitlens-cli: over a file-size limit a write fails with a message instead of a kill.
    std::signal(SIGXFSZ, SIG_IGN);
    // Figures are drawn by widgets that are never shown; no display is needed.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    qInstallMessageHandler(quietQtMessages);
    QApplication app(argc, argv);
    try {
        return run(CliArgs::parse(argc, argv, {"bundle", "plan", "out", "data", "calib", "seed", "estimator", "threads"},
                                  {"json", "help", "quiet"}));
    } catch (const UsageError& e) {
        std::cerr << "bitlens-report: " << e.what() << "\n";
        return 2;
    } catch (const Error& e) {
        std::cerr << "bitlens-report: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "bitlens-report: unexpected error: " << e.what() << "\n";
        return 1;
    }
}
