#include "plan_compare.h"

#include "format.h"
#include "headline_format.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace bitlens::views {
namespace {

// In MB or kB as `scale` (the largest figure of a row) needs, so that a row reads in one unit.
QString bytesText(double bytes, double scale)
{
    return std::abs(scale) >= 1e6 ? QString::number(bytes / 1e6, 'f', 3) + QStringLiteral(" MB")
                                  : QString::number(bytes / 1e3, 'f', 1) + QStringLiteral(" kB");
}

QString signedText(double value, const QString& text)
{
    return value > 0 ? QStringLiteral("+") + text : text;
}

QTableWidget* makeTable(int columns, const QStringList& headers)
{
    auto* table = new QTableWidget(0, columns);
    table->setHorizontalHeaderLabels(headers);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setFocusPolicy(Qt::NoFocus); // no current-cell frame on a read-only table
    table->verticalHeader()->setVisible(false);
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 8);
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    return table;
}

void setCell(QTableWidget* table, int row, int column, const QString& text, bool number = true)
{
    auto* item = new QTableWidgetItem(text);
    if (number)
        item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    table->setItem(row, column, item);
}

QString headlineText(const std::optional<EvalResult>& r)
{
    return r && r->samples > 0 ? headlineWithInterval(*r) : QObject::tr("not measured");
}

} // namespace

PlanCompareView::PlanCompareView(QWidget* parent)
    : QWidget(parent),
      m_title(new QLabel),
      m_totals(makeTable(3, {tr("A"), tr("B"), tr("B − A")})),
      m_differ(new QLabel),
      m_layers(makeTable(ColumnCount, {tr("Layer"), tr("Option A"), tr("Option B"), tr("Bytes A"), tr("Bytes B"),
                                       tr("ΔLoss A"), tr("ΔLoss B")}))
{
    m_title->setWordWrap(true);
    m_totals->setRowCount(TotalCount);
    m_totals->setVerticalHeaderLabels({tr("Model size"), tr("Compressible layers"), tr("Average bits / weight"),
                                       tr("Predicted ΔLoss"), tr("Measured top-1")});
    m_totals->verticalHeader()->setVisible(true);
    m_totals->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_totals->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_totals->setFixedHeight(m_totals->horizontalHeader()->sizeHint().height()
                             + TotalCount * m_totals->verticalHeader()->defaultSectionSize() + 2 * m_totals->frameWidth());
    m_layers->horizontalHeader()->setSectionResizeMode(Layer, QHeaderView::Stretch);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(m_totals);
    layout->addWidget(m_differ);
    layout->addWidget(m_layers, 1);
    draw();
}

void PlanCompareView::setComparison(const PlanComparison& comparison)
{
    m_comparison = comparison;
    m_stale = true;
    if (isVisible())
        draw();
}

void PlanCompareView::showEvent(QShowEvent* event)
{
    if (m_stale)
        draw();
    QWidget::showEvent(event);
}

void PlanCompareView::draw()
{
    m_stale = false;
    const PlanComparison& c = m_comparison;
    m_title->setText(c.layers.empty() ? tr("Nothing to compare: open a model.")
                                      : tr("<b>A</b>: %1<br><b>B</b>: %2").arg(c.a.label.toHtmlEscaped(), c.b.label.toHtmlEscaped()));
    showTotals(c);
    showLayers(c);
}

void PlanCompareView::showTotals(const PlanComparison& c)
{
    const PlanCost& a = c.a.prediction.cost;
    const PlanCost& b = c.b.prediction.cost;
    const auto row = [this](int r, const QString& textA, const QString& textB, const QString& change) {
        setCell(m_totals, r, 0, textA);
        setCell(m_totals, r, 1, textB);
        setCell(m_totals, r, 2, change);
    };
    const auto bytesRow = [&](int r, int64_t x, int64_t y) {
        const double scale = double(std::max(x, y));
        row(r, bytesText(double(x), scale), bytesText(double(y), scale),
            signedText(double(y - x), bytesText(double(y - x), scale)));
    };
    bytesRow(ModelSize, a.totalBytes, b.totalBytes);
    bytesRow(LayerSize, a.layerBytes, b.layerBytes);
    row(AverageBits, QString::number(a.averageBits, 'f', 2), QString::number(b.averageBits, 'f', 2),
        signedText(b.averageBits - a.averageBits, QString::number(b.averageBits - a.averageBits, 'f', 2)));
    const double lossChange = c.b.prediction.deltaLoss - c.a.prediction.deltaLoss;
    row(PredictedDeltaLoss, valueText(c.a.prediction.deltaLoss), valueText(c.b.prediction.deltaLoss),
        signedText(lossChange, valueText(lossChange)));
    const QString estimator = QString::fromStdString(c.b.prediction.estimator);
    m_totals->verticalHeaderItem(PredictedDeltaLoss)
        ->setText(estimator.isEmpty() ? tr("Predicted ΔLoss") : tr("Predicted ΔLoss (%1)").arg(estimator));
    const bool bothMeasured = c.a.measured && c.b.measured && c.a.measured->samples && c.b.measured->samples;
    const HeadlineFormat headline(c.task);
    row(MeasuredHeadline, headlineText(c.a.measured), headlineText(c.b.measured),
        bothMeasured ? headline.change(headlineValue(*c.a.measured), headlineValue(*c.b.measured)) : QString());
    m_totals->verticalHeaderItem(MeasuredHeadline)->setText(tr("Measured %1").arg(headline.noun()));
}

void PlanCompareView::showLayers(const PlanComparison& c)
{
    std::vector<size_t> differing;
    for (size_t i = 0; i < c.layers.size(); ++i)
        if (c.a.plan.optionFor(c.layers[i].name) != c.b.plan.optionFor(c.layers[i].name))
            differing.push_back(i);
    m_differ->setText(tr("%1 of %2 layers differ").arg(differing.size()).arg(c.layers.size()));
    m_layers->setRowCount(0); // drops the old items
    m_layers->setRowCount(int(differing.size()));
    // Predictions made on other layers (none yet) leave their columns empty.
    const bool predicted = c.a.prediction.cost.layers.size() == c.layers.size()
                        && c.b.prediction.cost.layers.size() == c.layers.size();
    for (int row = 0; row < int(differing.size()); ++row) {
        const size_t i = differing[size_t(row)];
        const std::string& name = c.layers[i].name;
        setCell(m_layers, row, Layer, QString::fromStdString(name), false);
        setCell(m_layers, row, OptionA, QString::fromStdString(c.a.plan.optionFor(name).label()), false);
        setCell(m_layers, row, OptionB, QString::fromStdString(c.b.plan.optionFor(name).label()), false);
        if (!predicted)
            continue;
        const double bytesA = double(c.a.prediction.cost.layers[i].bytes), bytesB = double(c.b.prediction.cost.layers[i].bytes);
        setCell(m_layers, row, BytesA, bytesText(bytesA, std::max(bytesA, bytesB)));
        setCell(m_layers, row, BytesB, bytesText(bytesB, std::max(bytesA, bytesB)));
        setCell(m_layers, row, DeltaLossA, valueText(c.a.prediction.layerDeltaLoss[i]));
        setCell(m_layers, row, DeltaLossB, valueText(c.b.prediction.layerDeltaLoss[i]));
    }
}

} // namespace bitlens::views
