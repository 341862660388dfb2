#include "plot_style.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace bitlens::views {
namespace {

QFont houseFont(double points, bool bold = false)
{
    QFont font(QStringLiteral("Sans Serif"));
    font.setStyleHint(QFont::SansSerif);
    font.setPointSizeF(points);
    font.setBold(bold);
    return font;
}

} // namespace

QString compactLayerName(const QString& name, int maxChars)
{
    if (name.size() <= maxChars)
        return name;
    // Shorten the leading modules to their initial and number ("layer2.downsample.0" ->
    // "l2.d.0"), the last one kept whole, until it fits; then keep the end.
    QStringList parts = name.split(QLatin1Char('.'));
    for (int i = 0; i + 1 < parts.size() && parts.join(QLatin1Char('.')).size() > maxChars; ++i) {
        QString word = parts[i];
        QString digits;
        while (!word.isEmpty() && word.back().isDigit()) {
            digits.prepend(word.back());
            word.chop(1);
        }
        parts[i] = word.left(1) + digits;
    }
    const QString compact = parts.join(QLatin1Char('.'));
    return compact.size() <= maxChars ? compact : QStringLiteral("…") + compact.right(maxChars - 1);
}

namespace {

// Layer names at integer keys, as many as fit: thinned out to one label per rotated line height
// at the width being drawn (the viewport, which an export sets to the figure's size).
class LayerTicker final : public QCPAxisTicker {
public:
    LayerTicker(QCPAxis* axis, const std::vector<std::string>& names) : m_axis(axis)
    {
        for (const std::string& name : names)
            m_names << QString::fromStdString(name);
    }

protected:
    double getTickStep(const QCPRange& range) override
    {
        const double pixels = std::max(100, m_axis->parentPlot()->viewport().width() - 120);
        const double spacing = 1.2 * QFontMetricsF(m_axis->tickLabelFont()).height();
        return std::max(1.0, std::ceil(spacing * range.size() / pixels));
    }
    int getSubTickCount(double) override { return 0; }
    QString getTickLabel(double tick, const QLocale&, QChar, int) override
    {
        // Rotated labels may take about a third of the height being drawn (a 250-pixel dock: ~10
        // characters; an exported figure: 18).
        const double height = m_axis->parentPlot()->viewport().height();
        const double charHeight = 0.87 * 0.55 * QFontMetricsF(m_axis->tickLabelFont()).height(); // at 60°
        const int maxChars = std::clamp(int(0.3 * height / charHeight), 6, 18);
        return compactLayerName(m_names.value(int(std::lround(tick))), maxChars);
    }
    QVector<double> createTickVector(double step, const QCPRange& range) override
    {
        QVector<double> ticks;
        for (double t = std::ceil(std::max(range.lower, 0.0) / step) * step; t <= std::min(range.upper, m_names.size() - 1.0); t += step)
            ticks << t;
        return ticks;
    }

private:
    QCPAxis* m_axis; // owns this ticker
    QStringList m_names;
};

} // namespace

QColor seriesColor(int index)
{
    static const QColor okabeIto[] = {QColor(0x00, 0x72, 0xB2), QColor(0xD5, 0x5E, 0x00), QColor(0x00, 0x9E, 0x73),
                                      QColor(0xCC, 0x79, 0xA7), QColor(0xE6, 0x9F, 0x00), QColor(0x56, 0xB4, 0xE9),
                                      QColor(0x00, 0x00, 0x00), QColor(0xF0, 0xE4, 0x42)};
    constexpr int count = int(std::size(okabeIto));
    return okabeIto[((index % count) + count) % count];
}

QCPScatterStyle seriesMarker(int index, const QColor& fill, double size)
{
    static const QCPScatterStyle::ScatterShape shapes[] = {QCPScatterStyle::ssCircle, QCPScatterStyle::ssSquare, QCPScatterStyle::ssTriangle,
                                                           QCPScatterStyle::ssDiamond, QCPScatterStyle::ssCross, QCPScatterStyle::ssStar};
    constexpr int count = int(std::size(shapes));
    return QCPScatterStyle(shapes[((index % count) + count) % count], seriesColor(index), fill, size);
}

QCPColorGradient divergingGradient()
{
    QCPColorGradient gradient;
    gradient.clearColorStops();
    const char* stops[] = {"#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b"};
    for (int i = 0; i < 7; ++i)
        gradient.setColorStopAt(i / 6.0, QColor(stops[i]));
    gradient.setNanHandling(QCPColorGradient::nhNanColor);
    gradient.setNanColor(QColor(150, 150, 150));
    return gradient;
}

void setLogScale(QCPAxis* axis)
{
    axis->setScaleType(QCPAxis::stLogarithmic);
    axis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
}

void styleAxis(QCPAxis* axis)
{
    const QPen ink(QColor(60, 60, 60), 0);
    axis->setLabelFont(houseFont(10));
    axis->setTickLabelFont(houseFont(9));
    axis->setBasePen(ink);
    axis->setTickPen(ink);
    axis->setSubTickPen(ink);
    axis->grid()->setPen(QPen(QColor(225, 225, 225), 0));
    axis->grid()->setZeroLinePen(QPen(QColor(225, 225, 225), 0));
    axis->grid()->setSubGridVisible(false);
}

void applyPlotStyle(QCustomPlot* plot)
{
    plot->setBackground(Qt::white);
    plot->setAntialiasedElements(QCP::aeAll);
    plot->setNoAntialiasingOnDrag(true);
    plot->setSelectionTolerance(kPickPixels);
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    QCPAxisRect* rect = plot->axisRect();
    rect->setRangeDrag(Qt::Horizontal | Qt::Vertical);
    rect->setRangeZoom(Qt::Horizontal | Qt::Vertical);
    rect->setRangeDragAxes(rect->axes());
    rect->setRangeZoomAxes(rect->axes());
    for (QCPAxis* axis : rect->axes())
        styleAxis(axis);
    plot->legend->setFont(houseFont(9));
    plot->legend->setBrush(QColor(255, 255, 255, 220));
    plot->legend->setBorderPen(QPen(QColor(200, 200, 200), 0));
    plot->legend->setIconSize(18, 14);
    installHoverTooltips(plot);
}

QCustomPlot* createFigure(QWidget* parent, const QString& title, const QString& baseName, TooltipFormatter formatter)
{
    auto* plot = new QCustomPlot(parent);
    applyPlotStyle(plot);
    setFigureTitle(plot, title);
    installFigureMenu(plot, baseName);
    installHoverTooltips(plot, std::move(formatter));
    return plot;
}

void setFigureTitle(QCustomPlot* plot, const QString& title)
{
    QCPLayoutGrid* layout = plot->plotLayout();
    auto* element = qobject_cast<QCPTextElement*>(layout->element(0, 0));
    if (!element) {
        layout->insertRow(0);
        element = new QCPTextElement(plot, title, houseFont(11, true));
        layout->addElement(0, 0, element);
    }
    element->setText(title);
}

void setLayerTicks(QCPAxis* axis, const std::vector<std::string>& names)
{
    axis->setTicker(QSharedPointer<LayerTicker>::create(axis, names));
    axis->setSubTicks(false);
    axis->setTickLabelRotation(60);
}

void showLegendAbove(QCustomPlot* plot)
{
    QCPLegend* legend = plot->legend;
    legend->setVisible(true);
    if (legend->layout() == plot->plotLayout())
        return;
    plot->axisRect()->insetLayout()->take(legend);
    QCPLayoutGrid* layout = plot->plotLayout();
    const int row = layout->rowCount() - 1; // the axis rect's, under the title
    layout->insertRow(row);
    layout->addElement(row, 0, legend);
    layout->setRowStretchFactor(row, 0.001);
    legend->setBorderPen(Qt::NoPen);
    legend->setBrush(Qt::NoBrush);
    fitLegendColumns(plot);
}

// As many legend columns as fit the figure's width, so that a legend above the plot never
// covers data and never spills out of an exported figure.
void fitLegendColumns(QCustomPlot* plot)
{
    QCPLegend* legend = plot->legend;
    if (legend->layout() != plot->plotLayout())
        return;
    const QFontMetrics metrics(legend->font());
    int widest = 1;
    for (int i = 0; i < legend->itemCount(); ++i)
        if (auto* item = qobject_cast<QCPPlottableLegendItem*>(legend->item(i))) {
            widest = std::max(widest, metrics.horizontalAdvance(item->plottable()->name()));
            item->setMargins(QMargins(0, 0, 0, 3)); // an item clips to its outer rect, descenders included
        }
    const int column = widest + legend->iconSize().width() + legend->iconTextPadding() + 8;
    legend->setWrap(std::clamp((kFigureWidth - 20) / column, 1, 4));
    legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);
}

} // namespace bitlens::views
