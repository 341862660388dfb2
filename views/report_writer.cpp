#include "report_writer.h"

#include "analysis_values.h"
#include "estimator_trust_plot.h"
#include "figure_export.h"
#include "graph_view.h"
#include "layer_detail_plots.h"
#include "overview_plots.h"
#include "plan_bits_plot.h"
#include "report_html.h"
#include "report_json.h"

#include "core/data/dataset.h"
#include "core/errors.h"
#include "core/graph/graph_export.h"
#include "core/io/report_tables.h"
#include "core/progress.h"

#include <qcustomplot.h>

#include <QBuffer>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <algorithm>
#include <filesystem>
#include <functional>

namespace fs = std::filesystem;

namespace bitlens::views {
namespace {

// A layer name as a file name: characters other than letters, digits, '.', '-' and '_' become '_'.
QString fileName(const std::string& layer)
{
    QString name = QString::fromStdString(layer);
    for (QChar& c : name)
        if (!c.isLetterOrNumber() && c != QLatin1Char('.') && c != QLatin1Char('-') && c != QLatin1Char('_'))
            c = QLatin1Char('_');
    return name;
}

} // namespace

void checkReportFolder(const QString& folder)
{
    const QFileInfo parent(QFileInfo(folder).absolutePath());
    if (!parent.isDir())
        throw Error(folder.toStdString() + ": cannot write the report (the folder " + parent.filePath().toStdString()
                    + " does not exist)");
    if (!parent.isWritable())
        throw Error(folder.toStdString() + ": cannot write the report (the folder " + parent.filePath().toStdString()
                    + " is not writable)");
    const QFileInfo target(folder);
    if (!target.exists())
        return;
    if (!target.isDir())
        throw Error(folder.toStdString() + ": cannot write the report there (it is a file, not a folder)");
    if (QDir(folder).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System))
        return;
    QFile json(folder + QStringLiteral("/report.json"));
    const bool report = json.open(QIODevice::ReadOnly)
                        && QJsonDocument::fromJson(json.readAll()).object().value(QStringLiteral("format")).toString() == QLatin1String(kReportFormat);
    if (!report)
        throw Error(folder.toStdString() + ": not replaced by the report (the folder holds files and no report.json of BitLens)");
}

ReportDataset describeDataset(const DatasetSplits& data, uint64_t calibrationSeed)
{
    const int64_t context = data.tokens() && !data.evaluation.sampleShape.empty() ? data.evaluation.sampleShape.front() : 0;
    return {data.path,    data.format, data.evaluation.split, data.evaluation.count(), data.calibration.count(),
            calibrationSeed, context};
}

struct ReportWriter::Impl {
    struct Step {
        QString label;
        std::function<void()> run;
    };

    ReportInput input;
    QString folder;    // as given, cleaned: what messages name
    QString temporary; // beside it, renamed onto it by the last step
    std::vector<Step> steps;
    size_t next = 0;
    bool created = false;
    bool committed = false;
    std::unique_ptr<OverviewPlots> overview;
    std::unique_ptr<LayerDetailPlots> detail;
    std::unique_ptr<EstimatorTrustPlot> trust;
    std::unique_ptr<QCustomPlot> planBits;
    std::vector<ReportFigure> figures;
    ReportSummary summary;
    QElapsedTimer clock;

    [[noreturn]] void fail(const QString& message) const
    {
        QString m = message;
        throw Error(m.replace(temporary, folder).toStdString());
    }

    QString inTemporary(const QString& relative) const { return temporary + QLatin1Char('/') + relative; }

    void writeFile(const QString& relative, const QByteArray& bytes)
    {
        QSaveFile file(inTemporary(relative));
        if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
            fail(QStringLiteral("%1/%2: cannot write (%3)").arg(folder, relative, file.errorString()));
        summary.files << relative;
    }

    // One step: drawing the PNG (~0.1 s, most of it rendering at 3× and compressing) and the PDF.
    void addFigure(const QString& file, const QString& title, int layer, std::function<QCustomPlot*()> draw)
    {
        steps.push_back({QObject::tr("Drawing %1").arg(title), [this, file, title, layer, draw] {
                             QElapsedTimer timer;
                             timer.start();
                             QCustomPlot* plot = draw();
                             for (const char* suffix : {".png", ".pdf"}) {
                                 QString error;
                                 if (!exportFigure(plot, inTemporary(file + QLatin1String(suffix)), &error))
                                     fail(error);
                                 summary.files << file + QLatin1String(suffix);
                             }
                             figures.push_back({file, title, layer});
                             summary.figureSeconds += 1e-3 * double(timer.elapsed());
                         }});
    }

    // The model graph in its default view, coloured as the dock colours it first: SVG, PDF, PNG,
    // and its node data for Model Explorer and Netron.
    void addGraphFigure()
    {
        steps.push_back({QObject::tr("Drawing the model graph"), [this] {
                             QElapsedTimer timer;
                             timer.start();
                             const ModelGraph& graph = *input.graph;
                             const FigureSource source{&input.layers, 0, input.analysis.get(), &input.plan, input.prediction.estimator};
                             const LayerFigure figure = defaultFigure(source);
                             const GraphColoring coloring = colorGraph(graph, figure, figureInfo(figure).aggregate, source);
                             GraphLayouter layouter(graph);
                             const GraphLayout layout = layouter.layout(defaultExpansion(graph));
                             writeFile(QStringLiteral("figures/graph.svg"), QByteArray::fromStdString(graphSvg(graph, layout, coloring)));
                             writeFile(QStringLiteral("figures/graph.pdf"), QByteArray::fromStdString(graphPdf(graph, layout, coloring)));
                             QByteArray png;
                             QBuffer buffer(&png);
                             buffer.open(QIODevice::WriteOnly);
                             if (!graphImage(graph, layout, coloring, 2.0).save(&buffer, "PNG"))
                                 fail(QStringLiteral("%1/figures/graph.png: cannot encode the image").arg(folder));
                             writeFile(QStringLiteral("figures/graph.png"), png);
                             writeFile(QStringLiteral("graph_nodes.json"), QByteArray::fromStdString(modelExplorerNodeData(graph, coloring)));
                             writeFile(QStringLiteral("model.metrics.json"), QByteArray::fromStdString(netronMetrics(graph, source)));
                             figures.push_back({QStringLiteral("figures/graph"),
                                                QObject::tr("The model graph coloured by %1").arg(QString::fromUtf8(figureInfo(figure).name)), -1});
                             summary.figureSeconds += 1e-3 * double(timer.elapsed());
                         }});
    }

    void planSteps();
    void createFolder();
    void commit();
};

ReportWriter::ReportWriter(ReportInput input, const QString& folder) : d(std::make_unique<Impl>())
{
    if (!input.analysis || input.analysis->layers.empty()) { // the plan alone: its tables, figure and accuracy
        auto layersOnly = std::make_shared<ModelAnalysis>();
        layersOnly->modelPath = input.modelPath;
        layersOnly->layers = input.layers;
        input.analysis = std::move(layersOnly);
    }
    for (const EvalResult* r : {&input.measured.baseline, &input.measured.plan})
        if (r->samples == 0 || !r->complete())
            throw Error(folder.toStdString() + ": no report before the FP32 model and the plan were measured on every sample");
    const size_t layers = input.layers.size();
    bool same = input.analysis->layers.size() == layers && input.prediction.cost.layers.size() == layers
                && input.prediction.layerDeltaLoss.size() == layers;
    for (size_t i = 0; same && i < layers; ++i)
        same = input.analysis->layers[i].name == input.layers[i].name;
    if (!same)
        throw Error(folder.toStdString() + ": no report, as the analysis (" + input.analysis->modelPath
                    + ") has other layers than the model and plan");
    d->input = std::move(input);
    d->folder = QDir::cleanPath(folder);
    checkReportFolder(d->folder);
    d->temporary = d->folder + QStringLiteral(".tmp-%1").arg(QCoreApplication::applicationPid());
    d->summary.folder = d->folder;
    d->planSteps();
}

ReportWriter::~ReportWriter()
{
    std::error_code ec;
    if (d->created && !d->committed)
        fs::remove_all(d->temporary.toStdString(), ec);
}

void ReportWriter::Impl::planSteps()
{
    const ModelAnalysis& a = *input.analysis;
    steps.push_back({QObject::tr("Writing the tables"), [this, &a] {
                         createFolder();
                         writeFile(QStringLiteral("layers.csv"), QByteArray::fromStdString(layerStatisticsCsv(a)));
                         if (!a.sensitivity.empty())
                             writeFile(QStringLiteral("sensitivity.csv"),
                                       QByteArray::fromStdString(sensitivityCsv(a.sensitivity, input.layers)));
                         writeFile(QStringLiteral("plan.csv"),
                                   QByteArray::fromStdString(planCsv(input.plan, input.layers, input.prediction)));
                     }});

    // The same widgets the workbench shows, never shown here: exporting lays each figure out anew.
    overview = std::make_unique<OverviewPlots>();
    overview->setAnalysis(input.analysis);
    detail = std::make_unique<LayerDetailPlots>();
    detail->setAnalysis(input.analysis);
    const auto overviewFigure = [this](const char* name) { return [this, name] { return overview->plot(QLatin1String(name)); }; };
    if (std::any_of(a.hessian.layers.begin(), a.hessian.layers.end(), hessianDone))
        addFigure(QStringLiteral("figures/hessian"), QObject::tr("Hessian: top eigenvalue and trace per layer"), -1, overviewFigure("hessian"));
    if (!a.weights.empty() || !a.activations.empty())
        addFigure(QStringLiteral("figures/outliers"), QObject::tr("Outliers: kurtosis and tails per layer"), -1, overviewFigure("outliers"));
    if (!a.spectra.empty())
        addFigure(QStringLiteral("figures/spectra"), QObject::tr("Weight spectra: power-law α and stable rank per layer"), -1,
                  overviewFigure("spectra"));
    // A language model's ΔLoss is per token, so it reads directly as a factor on perplexity.
    const QString perToken = input.measured.baseline.languageModel()
                                 ? QObject::tr(" — nats per token: perplexity scales by e^ΔLoss") : QString();
    for (const CostTable& table : a.sensitivity.tables) {
        const QString estimator = QString::fromStdString(table.estimator);
        addFigure(QStringLiteral("figures/sensitivity_") + fileName(table.estimator),
                  QObject::tr("Sensitivity heatmap (%1)").arg(estimator) + perToken, -1, [this, estimator] {
                      overview->setEstimator(estimator);
                      return overview->plot(QStringLiteral("sensitivity"));
                  });
    }
    if (a.sensitivity.table("measured") && a.sensitivity.tables.size() > 1) {
        trust = std::make_unique<EstimatorTrustPlot>();
        trust->setAnalysis(input.analysis);
        addFigure(QStringLiteral("figures/estimator_trust"), QObject::tr("Estimator trust: predicted against measured ΔLoss"), -1,
                  [this] { return trust->plot(); });
    }
    addFigure(QStringLiteral("figures/plan_bits"), QObject::tr("Plan: bits per weight per layer"), -1, [this] {
        planBits.reset(createPlanBitsPlot(input.layers, input.plan, input.prediction.cost));
        return planBits.get();
    });

    if (input.graph)
        addGraphFigure();

    const int digits = std::max(2, int(QString::number(qlonglong(a.layers.size()) - 1).size()));
    for (size_t i = 0; i < a.layers.size(); ++i) {
        const int layer = int(i);
        const QString stem = QStringLiteral("figures/layers/%1_%2_").arg(layer, digits, 10, QLatin1Char('0')).arg(fileName(a.layers[i].name));
        const QString name = QString::fromStdString(a.layers[i].name);
        const auto detailFigure = [this, layer](const char* plotName) {
            return [this, layer, plotName] {
                if (detail->layer() != layer) {
                    detail->setLayer(layer);
                    detail->setPlanOption(input.plan.optionFor(input.layers[size_t(layer)].name));
                }
                return detail->plot(QLatin1String(plotName));
            };
        };
        if (i < a.weights.size())
            addFigure(stem + QStringLiteral("weights"), QObject::tr("%1: weights and the plan's grid").arg(name), layer, detailFigure("weights"));
        if (i < a.spectra.size())
            addFigure(stem + QStringLiteral("spectrum"), QObject::tr("%1: singular values and the plan's rank").arg(name), layer,
                      detailFigure("spectrum"));
        if (!a.sensitivity.empty())
            addFigure(stem + QStringLiteral("deltaloss"), QObject::tr("%1: ΔLoss against weight bits").arg(name) + perToken, layer,
                      detailFigure("deltaloss"));
    }

    steps.push_back({QObject::tr("Writing report.json"), [this] { writeFile(QStringLiteral("report.json"),
                                                                       reportJson(input, figures, summary.files.filter(QStringLiteral(".csv")))); }});
    steps.push_back({QObject::tr("Writing index.html"), [this] {
                         writeFile(QStringLiteral("index.html"), reportHtml(input, figures, [this](const QString& png) {
                                       QFile file(inTemporary(png));
                                       if (!file.open(QIODevice::ReadOnly))
                                           fail(QStringLiteral("%1/%2: cannot read (%3)").arg(folder, png, file.errorString()));
                                       return file.readAll();
                                   }));
                     }});
    steps.push_back({QObject::tr("Moving the report into place"), [this] { commit(); }});
}

void ReportWriter::Impl::createFolder()
{
    std::error_code ec;
    fs::remove_all(temporary.toStdString(), ec); // a leftover of a killed run with our pid
    if (!fs::create_directories(fs::path(temporary.toStdString()) / "figures" / "layers", ec))
        fail(QStringLiteral("%1: cannot write the report (%2)").arg(folder, QString::fromStdString(ec.message())));
    created = true;
}

void ReportWriter::Impl::commit()
{
    checkReportFolder(folder); // again: the folder may have changed while the figures were drawn
    const fs::path target = folder.toStdString();
    const fs::path aside = target.string() + ".old-" + std::to_string(QCoreApplication::applicationPid());
    std::error_code ec;
    const bool replacing = fs::exists(target, ec);
    if (replacing) {
        fs::rename(target, aside, ec);
        if (ec)
            fail(QStringLiteral("%1: cannot replace the earlier report (%2)").arg(folder, QString::fromStdString(ec.message())));
    }
    fs::rename(temporary.toStdString(), target, ec);
    if (ec) {
        std::error_code back;
        if (replacing)
            fs::rename(aside, target, back);
        fail(QStringLiteral("%1: cannot write the report (%2)").arg(folder, QString::fromStdString(ec.message())));
    }
    committed = true;
    if (replacing)
        fs::remove_all(aside, ec);
}

int ReportWriter::stepCount() const
{
    return int(d->steps.size());
}

int ReportWriter::stepsDone() const
{
    return int(d->next);
}

bool ReportWriter::done() const
{
    return d->next == d->steps.size();
}

QString ReportWriter::nextStep() const
{
    return done() ? QObject::tr("Done") : d->steps[d->next].label;
}

void ReportWriter::step()
{
    if (done())
        return;
    if (d->next == 0)
        d->clock.start();
    d->steps[d->next++].run();
    d->summary.figures = int(d->figures.size());
    d->summary.seconds = 1e-3 * double(d->clock.elapsed());
}

const ReportSummary& ReportWriter::summary() const
{
    return d->summary;
}

ReportSummary writeReport(ReportInput input, const QString& folder, Progress& progress)
{
    ReportWriter writer(std::move(input), folder);
    while (!writer.done()) {
        progress.checkCancelled();
        progress.report(double(writer.stepsDone()) / writer.stepCount(), writer.nextStep().toStdString());
        writer.step();
    }
    progress.report(1.0, "Wrote the report to " + folder.toStdString());
    return writer.summary();
}

} // namespace bitlens::views
