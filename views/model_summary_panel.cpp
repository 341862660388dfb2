#include "model_summary_panel.h"

#include "format.h"

#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QVBoxLayout>

#include <cmath>

namespace bitlens::views {
namespace {

QLabel* addBox(QHBoxLayout* row, const QString& title)
{
    auto* box = new QGroupBox(title);
    auto* label = new QLabel;
    label->setTextFormat(Qt::RichText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    label->setWordWrap(true);
    auto* layout = new QVBoxLayout(box);
    layout->addWidget(label);
    row->addWidget(box, 1);
    return label;
}

QString tableRows(const QList<QPair<QString, QString>>& items)
{
    QString html;
    for (const auto& [key, value] : items)
        html += QStringLiteral("<tr><td style='color:#555;padding-right:10px'>%1</td><td>%2</td></tr>").arg(key, value);
    return html;
}

QString table(const QString& rows)
{
    return QStringLiteral("<table cellspacing='2'>") + rows + QStringLiteral("</table>");
}

QString rows(const QList<QPair<QString, QString>>& items)
{
    return table(tableRows(items));
}

QString count(int64_t n)
{
    return QLocale().toString(qlonglong(n));
}

// A language model is evaluated in windows of tokens; saying so keeps "1,100" from reading as tokens.
QString samplesText(const EvalResult& r, bool running)
{
    const QString unit = r.languageModel() ? QObject::tr(" windows") : QString();
    return running        ? QObject::tr("%1 of %2%3 …").arg(count(r.samples), count(r.total), unit)
           : r.complete() ? QObject::tr("%1%2 in %3 s").arg(count(r.samples), unit).arg(r.seconds, 0, 'f', 1)
                          : QObject::tr("%1 of %2%3 (stopped)").arg(count(r.samples), count(r.total), unit);
}

// The headline in bold, its interval after it.
QString headlineText(const EvalResult& r)
{
    return QStringLiteral("<b>%1</b> (%2)").arg(HeadlineFormat(r.task).text(headlineValue(r)), headlineIntervalText(r));
}

} // namespace

ModelSummaryPanel::ModelSummaryPanel(QWidget* parent) : QWidget(parent)
{
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    m_model = addBox(row, tr("Model"));
    m_dataset = addBox(row, tr("Dataset"));
    m_baseline = addBox(row, tr("Baseline (FP32)"));
    m_plan = addBox(row, tr("Plan"));
    m_model->setText(tr("No model open. File ▸ Open Model… or drop a .pt file here."));
    m_dataset->setText(tr("No dataset open."));
    m_baseline->setText(tr("Not evaluated yet."));
    m_plan->setText(tr("FP32: no plan yet."));
    m_plan->setObjectName(QStringLiteral("planSummary"));
}

void ModelSummaryPanel::setModel(const ModelFacts& facts)
{
    int64_t compressible = 0;
    for (const LayerInfo& l : facts.layers)
        compressible += l.params();
    m_referenceAccuracy = facts.referenceAccuracy;
    m_referenceLoss = facts.referenceLoss;
    m_model->setText(rows({
        {tr("File"), QStringLiteral("<b>%1</b>").arg(QFileInfo(facts.path).fileName().toHtmlEscaped())},
        {tr("Layers"), tr("%1 compressible").arg(facts.layers.size())},
        {tr("Parameters"), tr("%1 (%2 in compressible layers)").arg(humanCount(double(facts.totalParams)),
                                                                    humanCount(double(compressible)))},
        {tr("MACs / sample"), humanCount(double(facts.totalMacs))},
    }));
    m_model->setToolTip(facts.path);
}

void ModelSummaryPanel::setDataset(const DatasetSplits& data)
{
    m_headline = HeadlineFormat(data.tokens() ? TaskKind::LanguageModel : TaskKind::Classification);
    const QString source = QStringLiteral("<b>%1</b> (%2)").arg(QFileInfo(QString::fromStdString(data.path)).fileName().toHtmlEscaped(),
                                                                QString::fromStdString(data.format));
    const QString split = QString::fromStdString(data.evaluation.split);
    if (data.tokens()) {
        const int64_t context = data.evaluation.sampleShape.empty() ? 0 : data.evaluation.sampleShape.front();
        m_dataset->setText(rows({
            {tr("Source"), source},
            {tr("Windows"), tr("%1 tokens each, the next token scored at every position").arg(count(context))},
            {tr("Calibration"), tr("%1 windows drawn from %2 %3").arg(count(data.calibration.count()), count(data.trainCount),
                                                                     data.singleSplit ? tr("(single split)") : tr("training windows"))},
            {tr("Evaluation"), tr("%1 windows, %2 tokens (%3 split)").arg(count(data.evaluation.count()),
                                                                         count(data.evaluation.count() * context), split)},
        }));
    } else {
        m_dataset->setText(rows({
            {tr("Source"), source},
            {tr("Samples"), tr("%1 of shape %2").arg(count(data.evaluation.count()), shapeText(data.evaluation.sampleShape))},
            {tr("Calibration"), tr("%1 drawn from %2 %3").arg(count(data.calibration.count()), count(data.trainCount),
                                                             data.singleSplit ? tr("(single split)") : tr("training samples"))},
            {tr("Evaluation"), tr("%1 (%2 split)").arg(count(data.evaluation.count()), split)},
        }));
    }
    m_dataset->setToolTip(QString::fromStdString(data.path));
}

void ModelSummaryPanel::setBaseline(const EvalResult& r, bool running)
{
    QList<QPair<QString, QString>> items;
    if (r.languageModel()) {
        items = {
            {tr("Perplexity"), headlineText(r)},
            {tr("Loss"), tr("%1 nats / token").arg(r.loss(), 0, 'f', 4)},
            {tr("Next-token top-1"), percent(r.top1())},
            {tr("Evaluated"), samplesText(r, running)},
        };
        if (m_referenceLoss && m_referenceAccuracy)
            items.append({tr("Sidecar"), tr("perplexity %1, next-token %2 measured at training")
                                             .arg(HeadlineFormat(r.task).text(std::exp(*m_referenceLoss)), percent(*m_referenceAccuracy))});
    } else {
        items = {
            {tr("Top-1"), headlineText(r)},
            {tr("Top-5"), percent(r.top5())},
            {tr("Loss"), QString::number(r.loss(), 'f', 4)},
            {tr("Samples"), samplesText(r, running)},
        };
        if (m_referenceAccuracy)
            items.append({tr("Sidecar"), tr("%1 measured at training").arg(percent(*m_referenceAccuracy))});
    }
    m_baseline->setText(rows(items));
}

void ModelSummaryPanel::clearBaseline(const QString& why)
{
    m_baseline->setText(why.toHtmlEscaped());
}

void ModelSummaryPanel::setPlan(const PlanPrediction& p, std::optional<double> predictedHeadline)
{
    const PlanCost& c = p.cost;
    QList<QPair<QString, QString>> items{
        {tr("Size"), tr("<b>%1B</b> (%2× smaller)").arg(humanCount(double(c.totalBytes))).arg(c.compressionRatio, 0, 'f', 2)},
        {tr("Bits / weight"), QString::number(c.averageBits, 'f', 2)},
        {tr("BOPs / sample"), c.bops > 0 ? humanCount(double(c.bops)) : tr("– (measure the baseline)")},
    };
    if (p.estimator.empty()) {
        items.append({tr("Predicted ΔLoss"), tr("– (Analyse with sensitivity)")});
    } else {
        QString delta = QStringLiteral("%1%2 (%3)").arg(p.deltaLoss >= 0 ? QStringLiteral("+") : QString())
                            .arg(p.deltaLoss, 0, 'g', 3).arg(QString::fromStdString(p.estimator));
        if (p.unpredictedLayers > 0)
            delta += tr(", %1 layers not in the table").arg(p.unpredictedLayers);
        items.append({tr("Predicted ΔLoss"), delta});
    }
    // A classifier's top-1 needs a fit to measured plans; perplexity follows from ΔLoss directly.
    const QString missing = !m_headline.languageModel() ? tr("– (measure two plans to calibrate)")
                            : p.estimator.empty()       ? tr("– (Analyse with sensitivity)")
                                                        : tr("– (measuring the baseline)");
    items.append({tr("Predicted %1").arg(m_headline.noun()), predictedHeadline ? m_headline.text(*predictedHeadline) : missing});
    m_predicted = tableRows(items);
    m_plan->setText(table(m_predicted + m_measured));
}

void ModelSummaryPanel::setMeasured(const std::optional<EvalResult>& r, bool running)
{
    const bool some = r && r->samples > 0;
    QList<QPair<QString, QString>> items{
        {tr("Measured %1").arg(m_headline.noun()), some ? headlineText(*r) + QStringLiteral(", ") + samplesText(*r, running)
                                                   : running ? tr("starting…") : tr("–")}};
    if (some && r->languageModel())
        items.append({tr("Next-token top-1"), percent(r->top1())});
    m_measured = tableRows(items);
    m_plan->setText(table(m_predicted + m_measured));
}

QString ModelSummaryPanel::planText() const
{
    return m_plan->text();
}

QString ModelSummaryPanel::baselineText() const
{
    return m_baseline->text();
}

} // namespace bitlens::views
