#include "report_html.h"

#include "format.h"
#include "headline_format.h"

#include "core/runtime.h"

#include <QDateTime>
#include <QFileInfo>
#include <QLocale>
#include <QObject>

#include <cmath>

namespace bitlens::views {
namespace {

// Print-friendly, no web fonts or scripts: the page must open anywhere, offline, years later.
const char* const kStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #222;
       margin: 0 auto; max-width: 1280px; padding: 0 24px 48px; line-height: 1.45; }
header { border-bottom: 2px solid #0072b2; margin-bottom: 8px; }
h1 { font-size: 1.6em; margin: 24px 0 4px; }
h2 { font-size: 1.25em; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 1.05em; margin: 24px 0 8px; }
.sub { color: #666; margin: 0 0 12px; }
nav a { margin-right: 14px; color: #0072b2; text-decoration: none; }
code, .mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em; word-break: break-all; }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.93em; }
th, td { border: 1px solid #ddd; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f3f6f9; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.facts th { width: 200px; }
tr.plan td, tr.total td { font-weight: 600; }
.neg { color: #0072b2; } .pos { color: #d55e00; }
.bar { background: #eef2f6; height: 18px; width: 480px; position: relative; margin: 4px 0 2px; }
.bar div { background: #0072b2; height: 100%; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid #e5e5e5; padding: 8px; background: #fff; }
figure img { width: 100%; height: auto; display: block; }
figcaption { font-size: 0.88em; color: #444; margin-top: 6px; }
figcaption a { color: #0072b2; }
.note { color: #666; font-size: 0.88em; }
)";

QString esc(const std::string& text)
{
    return QString::fromStdString(text).toHtmlEscaped();
}

QString exact(int64_t v)
{
    return QLocale(QLocale::English).toString(qlonglong(v));
}

QString bytesText(int64_t bytes)
{
    return QStringLiteral("%1B (%2 bytes)").arg(humanCount(double(bytes)), exact(bytes));
}

// A signed loss change, coloured: blue where the loss falls, as the figures colour it.
QString signedValue(double v, int digits = 4)
{
    if (!std::isfinite(v))
        return QObject::tr("not predicted");
    const QString text = (v > 0 ? QStringLiteral("+") : QString()) + QString::number(v, 'g', digits);
    return QStringLiteral("<span class=\"%1\">%2</span>").arg(v < 0 ? QStringLiteral("neg") : QStringLiteral("pos"), text);
}

QString row(const QString& head, const QString& value)
{
    return QStringLiteral("<tr><th>%1</th><td>%2</td></tr>\n").arg(head, value);
}

QString evalRow(const QString& name, const EvalResult& r, const QString& attributes = {})
{
    const Interval ci = top1Interval(r);
    return QStringLiteral("<tr%1><td>%2</td><td class=\"num\">%3</td><td class=\"num\">%4 – %5</td>"
                          "<td class=\"num\">%6</td><td class=\"num\">%7</td><td class=\"num\">%8 / %9</td></tr>\n")
        .arg(attributes, name, percent(r.top1()), percent(ci.low), percent(ci.high), percent(r.top5()),
             QString::number(r.loss(), 'f', 4), exact(r.correctTop1), exact(r.samples));
}

// A language model's row: perplexity first, then the per-token figures it comes from.
QString perplexityRow(const QString& name, const EvalResult& r, const QString& attributes = {})
{
    const HeadlineFormat format(r.task);
    const Interval ci = perplexityInterval(r);
    return QStringLiteral("<tr%1><td>%2</td><td class=\"num\">%3</td><td class=\"num\">%4 – %5</td>"
                          "<td class=\"num\">%6</td><td class=\"num\">%7</td><td class=\"num\">%8</td>"
                          "<td class=\"num\">%9</td></tr>\n")
        .arg(attributes, name, format.text(r.perplexity()), format.text(ci.low), format.text(ci.high),
             QString::number(r.loss(), 'f', 4), percent(r.top1()), percent(r.top5()),
             QObject::tr("%1 / %2").arg(exact(r.samples), exact(r.predictions)));
}

QString modelSection(const ReportInput& in)
{
    int64_t macs = 0, compressible = 0;
    for (const LayerInfo& l : in.layers) {
        macs += std::max<int64_t>(0, l.macsPerSample);
        compressible += l.params();
    }
    return QStringLiteral("<section id=\"model\"><h2>Model</h2><table class=\"facts\">\n%1%2%3%4%5</table></section>\n")
        .arg(row(QObject::tr("File"), QStringLiteral("<code>%1</code>").arg(esc(in.modelPath))),
             row(QObject::tr("SHA-256"), QStringLiteral("<code>%1</code>").arg(esc(in.modelSha256))),
             row(QObject::tr("Compressible layers"), QString::number(in.layers.size())),
             row(QObject::tr("Parameters"), QObject::tr("%1 (%2 in compressible layers)")
                                                 .arg(exact(in.prediction.cost.fp32Bytes / 4), exact(compressible))),
             row(QObject::tr("MACs per sample"), humanCount(double(macs))));
}

QString datasetSection(const ReportInput& in)
{
    const ReportDataset& d = in.dataset;
    return QStringLiteral("<section id=\"dataset\"><h2>Dataset</h2><table class=\"facts\">\n%1%2%3</table></section>\n")
        .arg(row(QObject::tr("Source"), QStringLiteral("<code>%1</code> (%2)").arg(esc(d.path), esc(d.format))),
             d.contextLength > 0
                 ? row(QObject::tr("Evaluation"), QObject::tr("%1 windows of %2 tokens (%3 split): every perplexity below")
                                                     .arg(exact(d.evaluationSamples), exact(d.contextLength), esc(d.evaluationSplit)))
                 : row(QObject::tr("Evaluation"), QObject::tr("%1 samples (%2 split): every accuracy below")
                                                     .arg(exact(d.evaluationSamples), esc(d.evaluationSplit))),
             row(QObject::tr("Calibration"), QObject::tr("%1 %2 (seed %3): input ranges of the plan")
                                                  .arg(exact(d.calibrationSamples),
                                                       d.contextLength > 0 ? QObject::tr("windows") : QObject::tr("samples"))
                                                  .arg(d.calibrationSeed)));
}

QString planSection(const ReportInput& in)
{
    const PlanPrediction& p = in.prediction;
    const QString estimator = p.estimator.empty() ? QObject::tr("no cost table") : esc(p.estimator);
    QString html = QStringLiteral("<section id=\"plan\"><h2>Plan</h2><table class=\"facts\">\n%1%2%3</table>\n")
                       .arg(row(QObject::tr("Source"), QStringLiteral("<code>%1</code>").arg(esc(in.planSource))),
                            row(QObject::tr("Unlisted layers"), esc(in.plan.defaults.label())),
                            row(QObject::tr("Predicted ΔLoss"),
                                QObject::tr("%1 nats (%2 estimator, calibration set)").arg(signedValue(p.deltaLoss), estimator)
                                    + (p.unpredictedLayers > 0 ? QObject::tr("; %1 layers not predicted").arg(p.unpredictedLayers)
                                                               : QString())));
    html += QStringLiteral("<table><tr><th class=\"num\">#</th><th>layer</th><th>kind</th><th>shape</th><th>option</th>"
                           "<th class=\"num\">bits / weight</th><th class=\"num\">rank</th><th class=\"num\">bytes</th>"
                           "<th class=\"num\">predicted ΔLoss</th></tr>\n");
    for (size_t i = 0; i < in.layers.size(); ++i) {
        const LayerInfo& l = in.layers[i];
        const LayerOption& o = in.plan.optionFor(l.name);
        const LayerCost& c = p.cost.layers[i];
        html += QStringLiteral("<tr><td class=\"num\">%1</td><td class=\"mono\">%2</td><td>%3</td><td>%4</td><td>%5</td>"
                               "<td class=\"num\">%6</td><td class=\"num\">%7</td><td class=\"num\">%8</td><td class=\"num\">%9</td></tr>\n")
                    .arg(QString::number(i), esc(l.name), QString::fromLatin1(kindName(l.kind)), shapeText(l.weightShape),
                         esc(o.label()), QString::number(c.bitsPerWeight, 'f', 3), o.rank > 0 ? QString::number(o.rank) : QObject::tr("full"),
                         exact(c.bytes), signedValue(p.layerDeltaLoss[i]));
    }
    html += QStringLiteral("<tr class=\"total\"><td></td><td colspan=\"4\">%1</td><td class=\"num\">%2</td><td></td>"
                           "<td class=\"num\">%3</td><td class=\"num\">%4</td></tr>\n")
                .arg(QObject::tr("compressible layers"), QString::number(p.cost.averageBits, 'f', 3), exact(p.cost.layerBytes),
                     signedValue(p.deltaLoss));
    return html + QStringLiteral("</table></section>\n");
}

QString memorySection(const ReportInput& in)
{
    const PlanCost& c = in.prediction.cost;
    const double share = c.fp32Bytes > 0 ? double(c.totalBytes) / double(c.fp32Bytes) : 0.0;
    return QStringLiteral("<section id=\"memory\"><h2>Memory</h2><table class=\"facts\">\n%1%2%3%4%5</table>"
                          "<div class=\"bar\" title=\"%6 of FP32\"><div style=\"width:%7%\"></div></div>"
                          "<div class=\"note\">The plan's bytes as a share of the FP32 model's: %6. Exact storage: packed "
                          "weights, fp16 scales, zero-points, fp32 biases and every other parameter in fp32.</div></section>\n")
        .arg(row(QObject::tr("FP32 model"), bytesText(c.fp32Bytes)), row(QObject::tr("With the plan"), bytesText(c.totalBytes)),
             row(QObject::tr("Compression ratio"), QStringLiteral("%1×").arg(QString::number(c.compressionRatio, 'f', 2))),
             row(QObject::tr("Average bits per weight"), QString::number(c.averageBits, 'f', 3)),
             row(QObject::tr("BOPs per sample"), humanCount(double(c.bops))), percent(share, 1),
             QString::number(std::clamp(100.0 * share, 0.0, 100.0), 'f', 2));
}

QString accuracySection(const ReportInput& in)
{
    const EvalResult& plan = in.measured.plan;
    const EvalResult& base = in.measured.baseline;
    const QString lossChange = QObject::tr("loss change %1 nats%2 (predicted: %3)")
                                   .arg(signedValue(plan.loss() - base.loss()),
                                        plan.languageModel() ? QObject::tr(" per token") : QString(),
                                        signedValue(in.prediction.deltaLoss));
    if (plan.languageModel()) {
        return QStringLiteral("<section id=\"accuracy\"><h2>Measured perplexity</h2>"
                              "<table><tr><th>model</th><th class=\"num\">perplexity</th><th class=\"num\">perplexity 95 % CI (windows)</th>"
                              "<th class=\"num\">loss (nats / token)</th><th class=\"num\">next-token top-1</th>"
                              "<th class=\"num\">next-token top-5</th><th class=\"num\">windows / tokens</th></tr>\n"
                              "%1%2</table><p>Perplexity change: <b>%3</b> (lower is better); %4.</p>"
                              "<p class=\"note\">Measured on the evaluation split with the plan applied as the exported model.pt "
                              "computes it. Perplexity is e to the mean next-token cross-entropy; its interval comes from the "
                              "spread of the windows' mean losses, as a window's tokens are not independent.</p></section>\n")
            .arg(perplexityRow(QObject::tr("FP32 baseline"), base),
                 perplexityRow(QObject::tr("Plan"), plan, QStringLiteral(" class=\"plan\"")),
                 HeadlineFormat(plan.task).change(base.perplexity(), plan.perplexity()), lossChange);
    }
    const double change = 100.0 * (plan.top1() - base.top1());
    return QStringLiteral("<section id=\"accuracy\"><h2>Measured accuracy</h2>"
                          "<table><tr><th>model</th><th class=\"num\">top-1</th><th class=\"num\">top-1 95 % CI (Wilson)</th>"
                          "<th class=\"num\">top-5</th><th class=\"num\">loss</th><th class=\"num\">correct / samples</th></tr>\n"
                          "%1%2</table><p>Top-1 change: <b>%3</b>; %4.</p>"
                          "<p class=\"note\">Measured on the evaluation split with the plan applied as the exported model.pt "
                          "computes it: stock PyTorch gets the same top-1 count from that file.</p></section>\n")
        .arg(evalRow(QObject::tr("FP32 baseline"), base), evalRow(QObject::tr("Plan"), plan, QStringLiteral(" class=\"plan\"")),
             QObject::tr("%1 percentage points").arg((change > 0 ? QStringLiteral("+") : QString()) + QString::number(change, 'f', 2)),
             lossChange);
}

QString figureHtml(const ReportFigure& f, const QByteArray& png)
{
    return QStringLiteral("<figure><img alt=\"%1\" src=\"data:image/png;base64,%2\"><figcaption>%1 — "
                          "<a href=\"%3.pdf\">PDF</a> · <a href=\"%3.png\">PNG</a></figcaption></figure>\n")
        .arg(f.title.toHtmlEscaped(), QString::fromLatin1(png.toBase64()), f.file.toHtmlEscaped());
}

} // namespace

QByteArray reportHtml(const ReportInput& in, const std::vector<ReportFigure>& figures,
                      const std::function<QByteArray(const QString& pngFile)>& png)
{
    QString html = QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                                  "<title>BitLens report: %1</title><style>%2</style></head><body>\n")
                       .arg(QFileInfo(QString::fromStdString(in.modelPath)).fileName().toHtmlEscaped(), QLatin1String(kStyle));
    html += QStringLiteral("<header><h1>BitLens report: %1</h1><p class=\"sub\">plan <code>%2</code> · %3 · BitLens %4</p>"
                           "<nav><a href=\"#model\">Model</a><a href=\"#dataset\">Dataset</a><a href=\"#plan\">Plan</a>"
                           "<a href=\"#memory\">Memory</a><a href=\"#accuracy\">%6</a><a href=\"#figures\">Figures</a>"
                           "<a href=\"layers.csv\">layers.csv</a>%5<a href=\"plan.csv\">plan.csv</a><a href=\"report.json\">report.json</a></nav></header>\n")
                .arg(QFileInfo(QString::fromStdString(in.modelPath)).fileName().toHtmlEscaped(), esc(in.planSource),
                     QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'")), QLatin1String(version()),
                     in.analysis->sensitivity.empty() ? QString() : QStringLiteral("<a href=\"sensitivity.csv\">sensitivity.csv</a>"),
                     in.measured.plan.languageModel() ? QObject::tr("Perplexity") : QObject::tr("Accuracy"));
    html += modelSection(in) + datasetSection(in) + planSection(in) + memorySection(in) + accuracySection(in);

    html += QStringLiteral("<section id=\"figures\"><h2>Figures</h2><div class=\"figures\">\n");
    int shownLayer = -1;
    for (const ReportFigure& f : figures) {
        if (f.layer != shownLayer) {
            html += QStringLiteral("</div><h3 id=\"layer-%1\">Layer <code>%2</code></h3><div class=\"figures\">\n")
                        .arg(f.layer)
                        .arg(esc(in.layers[size_t(f.layer)].name));
            shownLayer = f.layer;
        }
        html += figureHtml(f, png(f.file + QStringLiteral(".png")));
    }
    html += QStringLiteral("</div></section>\n</body></html>\n");
    return html.toUtf8();
}

} // namespace bitlens::views
