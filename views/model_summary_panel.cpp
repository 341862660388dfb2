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

QString rows(const QList<QPair<QString, QString>>& items)
{
    QString html = QStringLiteral("<table cellspacing='2'>");
    for (const auto& [key, value] : items)
        html += QStringLiteral("<tr><td style='color:#555;padding-right:10px'>%1</td><td>%2</td></tr>").arg(key, value);
    return html + QStringLiteral("</table>");
}

QString count(int64_t n)
{
    return QLocale().toString(qlonglong(n));
}

} // namespace

ModelSummaryPanel::ModelSummaryPanel(QWidget* parent) : QWidget(parent)
{
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    m_model = addBox(row, tr("Model"));
    m_dataset = addBox(row, tr("Dataset"));
    m_baseline = addBox(row, tr("Baseline (FP32)"));
    m_model->setText(tr("No model open. File ▸ Open Model… or drop a .pt file here."));
    m_dataset->setText(tr("No dataset open."));
    m_baseline->setText(tr("Not evaluated yet."));
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
    const Interval ci = top1Interval(r);
    QList<QPair<QString, QString>> items{
        {tr("Top-1"), QStringLiteral("<b>%1</b> (95 % CI %2 – %3)").arg(percent(r.top1()), percent(ci.low, 1), percent(ci.high, 1))},
        {tr("Top-5"), percent(r.top5())},
        {tr("Loss"), QString::number(r.loss(), 'f', 4)},
        {tr("Samples"), running        ? tr("%1 of %2 …").arg(count(r.samples), count(r.total))
                        : r.complete() ? tr("%1 in %2 s").arg(count(r.samples)).arg(r.seconds, 0, 'f', 1)
                                       : tr("%1 of %2 (stopped)").arg(count(r.samples), count(r.total))},
    };
    if (m_reference)
        items.append({tr("Sidecar"), tr("%1 measured at training").arg(percent(*m_reference))});
    m_baseline->setText(rows(items));
}

void ModelSummaryPanel::clearBaseline(const QString& why)
{
    m_baseline->setText(why.toHtmlEscaped());
}

QString ModelSummaryPanel::baselineText() const
{
    return m_baseline->text();
}

} // namespace bitlens::views
