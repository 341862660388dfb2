#include "model_summary_panel.h"

#include "format.h"

#include <QLocale>

#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

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

QString samplesText(const EvalResult& r, bool running)
{
    return running        ? QObject::tr("%1 of %2 …").arg(count(r.samples), count(r.total))
           : r.complete() ? QObject::tr("%1 in %2 s").arg(count(r.samples)).arg(r.seconds, 0, 'f', 1)
                          : QObject::tr("%1 of %2 (stopped)").arg(count(r.samples), count(r.total));
}

QString top1Text(const EvalResult& r)
{
    const Interval ci = top1Interval(r);
    return QStringLiteral("<b>%1</b> (95 % CI %2 – %3)").arg(percent(r.top1()), percent(ci.low, 1), percent(ci.high, 1));
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
    m_reference = facts.referenceAccuracy;
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
    m_dataset->setText(rows({
        {tr("Source"), QStringLiteral("<b>%1</b> (%2)").arg(QFileInfo(QString::fromStdString(data.path)).fileName().toHtmlEscaped(),
                                                           QString::fromStdString(data.format))},
        {tr("Samples"), tr("%1 of shape %2").arg(count(data.evaluation.count()),
                                                 shapeText(data.evaluation.sampleShape))},
        {tr("Calibration"), tr("%1 drawn from %2 %3").arg(count(data.calibration.count()),
                                                         count(data.trainCount),
                                                         data.singleSplit ? tr("(single split)") : tr("training samples"))},
        {tr("Evaluation"), tr("%1 (%2 split)").arg(count(data.evaluation.count()),
                                                   QString::fromStdString(data.evaluation.split))},
    }));
    m_dataset->setToolTip(QString::fromStdString(data.path));
}

void ModelSummaryPanel::setBaseline(const EvalResult& r, bool running)
{
    QList<QPair<QString, QString>> items{
        {tr("Top-1"), top1Text(r)},
        {tr("Top-5"), percent(r.top5())},
        {tr("Loss"), QString::number(r.loss(), 'f', 4)},
        {tr("Samples"), samplesText(r, running)},
    };
    if (m_reference)
        items.append({tr("Sidecar"), tr("%1 measured at training").arg(percent(*m_reference))});
    m_baseline->setText(rows(items));
}

void ModelSummaryPanel::clearBaseline(const QString& why)
{
    m_baseline->setText(why.toHtmlEscaped());
}

void ModelSummaryPanel::setPlan(const PlanPrediction& p, std::optional<double> predictedTop1)
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
    items.append({tr("Predicted top-1"), predictedTop1 ? percent(*predictedTop1) : tr("– (measure two plans to calibrate)")});
    m_predicted = tableRows(items);
    m_plan->setText(table(m_predicted + m_measured));
}

void ModelSummaryPanel::setMeasured(const std::optional<EvalResult>& r, bool running)
{
    m_measured = tableRows({{tr("Measured top-1"), r && r->samples > 0 ? top1Text(*r) + QStringLiteral(", ") + samplesText(*r, running)
                                                   : running ? tr("starting…") : tr("–")}});
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
