#include "plot_style.h"

#include <qcustomplot.h>

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace bitlens::views {
namespace {

// Figures are laid out at 640 × 400 logical pixels (96 dpi), i.e. 6.67 × 4.17 inch on screen,
// and printed onto 6.4 × 4.0 inch: PNG at 3× (1920 × 1200 px, tagged 300 dpi), PDF onto a page
// of that size, SVG with that viewBox.
constexpr int kFigureWidth = 640;
constexpr int kFigureHeight = 400;
constexpr double kPngScale = 3.0;
constexpr int kPngDpi = 300;
constexpr int kLayoutDpi = 96;
constexpr double kPickPixels = 12.0;
constexpr const char* kDecoration = "bitlensDecoration";

QFont houseFont(double points, bool bold = false)
{
    QFont font(QStringLiteral("Sans Serif"));
    font.setStyleHint(QFont::SansSerif);
    font.setPointSizeF(points);
    font.setBold(bold);
    return font;
}

QString decadeText(double value)
{
    const int exponent = int(std::lround(std::log10(value)));
    if (exponent >= -2 && exponent <= 3)
        return QString::number(value, 'g', 6);
    static const QString superscripts = QStringLiteral("⁰¹²³⁴⁵⁶⁷⁸⁹");
    QString text = QStringLiteral("10");
    if (exponent < 0)
        text += QStringLiteral("⁻");
    for (QChar digit : QString::number(std::abs(exponent)))
        text += superscripts[digit.digitValue()];
    return text;
}

// Layer names at integer keys, as many as fit: thinned out to one label per rotated line height
// at the width being drawn (the viewport, which an export sets to the figure's size).
class LayerTicker final : public QCPAxisTicker {
public:
    LayerTicker(QCPAxis* axis, const std::vector<std::string>& names) : m_axis(axis)
    {
        for (const std::string& name : names) {
            const QString text = QString::fromStdString(name);
            m_names << (text.size() > 18 ? QStringLiteral("…") + text.right(17) : text);
        }
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
        return m_names.value(int(std::lround(tick)));
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

// As many legend columns as fit the figure's width, so that a legend above the plot never
// covers data and never spills out of an exported figure.
void fitLegendColumns(QCustomPlot* plot)
{
    QCPLegend* legend = plot->legend;
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

QString defaultTooltip(QCPAbstractPlottable* plottable, int index)
{
    if (auto* map = qobject_cast<QCPColorMap*>(plottable)) {
        const int keys = map->data()->keySize();
        double key = 0.0, value = 0.0;
        map->data()->cellToCoord(index % keys, index / keys, &key, &value);
        return QStringLiteral("%1: %2, %3 → %4")
            .arg(plottable->name(), valueText(key), valueText(value), valueText(map->data()->cell(index % keys, index / keys)));
    }
    QCPPlottableInterface1D* data = plottable->interface1D();
    return QStringLiteral("%1: %2, %3")
        .arg(plottable->name(), valueText(data->dataMainKey(index)), valueText(data->dataMainValue(index)));
}

// What the interaction helpers need to remember per plot; a child of the plot, so it lives and
// dies with it, and made once so that every signal is connected once.
class FigureState final : public QObject {
    Q_OBJECT
public:
    explicit FigureState(QCustomPlot* plot) : QObject(plot), m_plot(plot)
    {
        connect(plot, &QCustomPlot::mouseDoubleClick, this, [plot] { resetView(plot); });
        connect(plot, &QCustomPlot::mouseMove, this, &FigureState::hover);
        connect(plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) { m_pressedAt = e->position(); });
        connect(plot, &QCustomPlot::mouseRelease, this, &FigureState::release);
        connect(plot, &QWidget::customContextMenuRequested, this, &FigureState::showMenu);
    }

    std::function<void()> reset;
    TooltipFormatter formatter;
    std::function<void(const PlotHit&)> picked;
    QString baseName;

private:
    void hover(QMouseEvent* event)
    {
        if (event->buttons() != Qt::NoButton) {
            QToolTip::hideText();
            return;
        }
        const PlotHit hit = hitTest(m_plot, event->position());
        const QString text = !hit.plottable ? QString()
                             : formatter  ? formatter(hit.plottable, hit.dataIndex)
                                          : defaultTooltip(hit.plottable, hit.dataIndex);
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(event->globalPosition().toPoint(), text, m_plot);
    }

    void release(QMouseEvent* event)
    {
        if (!picked || event->button() != Qt::LeftButton || (event->position() - m_pressedAt).manhattanLength() > 3)
            return;
        const PlotHit hit = hitTest(m_plot, event->position());
        if (hit.plottable)
            picked(hit);
    }

    void exportAs(const QString& suffix, const QString& filter)
    {
        // One folder for a session's figures: they usually go together into one paper.
        static QString folder;
        QString path = QFileDialog::getSaveFileName(m_plot, tr("Export figure"),
                                                    QDir(folder).filePath(baseName + suffix), filter);
        if (path.isEmpty())
            return;
        if (QFileInfo(path).suffix().isEmpty())
            path += suffix;
        folder = QFileInfo(path).absolutePath();
        QString error;
        if (!exportFigure(m_plot, path, &error))
            QMessageBox::warning(m_plot, tr("Export failed"), error);
    }

    void showMenu(const QPoint& pos)
    {
        if (baseName.isEmpty())
            return;
        QMenu menu(m_plot);
        menu.addAction(tr("Export as PNG (300 dpi)…"), this, [this] { exportAs(QStringLiteral(".png"), tr("PNG image (*.png)")); });
        menu.addAction(tr("Export as SVG…"), this, [this] { exportAs(QStringLiteral(".svg"), tr("SVG drawing (*.svg)")); });
        menu.addAction(tr("Export as PDF…"), this, [this] { exportAs(QStringLiteral(".pdf"), tr("PDF document (*.pdf)")); });
        menu.addSeparator();
        menu.addAction(tr("Reset view"), this, [this] { resetView(m_plot); });
        menu.exec(m_plot->mapToGlobal(pos));
    }

    QCustomPlot* m_plot;
    QPointF m_pressedAt;
};

FigureState* stateOf(QCustomPlot* plot)
{
    auto* state = plot->findChild<FigureState*>(QString(), Qt::FindDirectChildrenOnly);
    return state ? state : new FigureState(plot);
}

QString figureTitle(QCustomPlot* plot)
{
    auto* title = plot->plotLayout()->rowCount() > 0 ? qobject_cast<QCPTextElement*>(plot->plotLayout()->element(0, 0)) : nullptr;
    return title ? title->text() : stateOf(plot)->baseName;
}

bool writePng(QCustomPlot* plot, QIODevice* file)
{
    QImage image = plot->toPixmap(kFigureWidth, kFigureHeight, kPngScale).toImage();
    const int dotsPerMeter = int(std::lround(kPngDpi / 0.0254));
    image.setDotsPerMeterX(dotsPerMeter);
    image.setDotsPerMeterY(dotsPerMeter);
    return image.save(file, "PNG");
}

bool writeVector(QCustomPlot* plot, QPaintDevice* device)
{
    QCPPainter painter;
    if (!painter.begin(device))
        return false;
    painter.setMode(QCPPainter::pmVectorized);
    painter.setWindow(0, 0, kFigureWidth, kFigureHeight);
    plot->toPainter(&painter, kFigureWidth, kFigureHeight);
    return painter.end();
}

bool writePdf(QCustomPlot* plot, QIODevice* file)
{
    QPdfWriter pdf(file);
    pdf.setResolution(kLayoutDpi);
    pdf.setPageSize(QPageSize(QSizeF(kFigureWidth * 0.01, kFigureHeight * 0.01), QPageSize::Inch));
    pdf.setPageMargins(QMarginsF());
    pdf.setTitle(figureTitle(plot));
    pdf.setCreator(QStringLiteral("BitLens"));
    return writeVector(plot, &pdf);
}

bool writeSvg(QCustomPlot* plot, QIODevice* file)
{
    QSvgGenerator svg;
    svg.setOutputDevice(file);
    svg.setResolution(kLayoutDpi);
    svg.setSize(QSize(kFigureWidth, kFigureHeight));
    svg.setViewBox(QRect(0, 0, kFigureWidth, kFigureHeight));
    svg.setTitle(figureTitle(plot));
    svg.setDescription(QStringLiteral("BitLens figure"));
    return writeVector(plot, &svg);
}

} // namespace

QColor seriesColor(int index)
{
    static const QColor okabeIto[] = {QColor(0x00, 0x72, 0xB2), QColor(0xD5, 0x5E, 0x00), QColor(0x00, 0x9E, 0x73),
                                      QColor(0xCC, 0x79, 0xA7), QColor(0xE6, 0x9F, 0x00), QColor(0x56, 0xB4, 0xE9),
                                      QColor(0x00, 0x00, 0x00), QColor(0xF0, 0xE4, 0x42)};
    constexpr int count = int(std::size(okabeIto));
    return okabeIto[((index % count) + count) % count];
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
    plot->setSelectionTolerance(int(kPickPixels));
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

bool exportFigure(QCustomPlot* plot, const QString& path, QString* error)
{
    const auto fail = [&](const QString& cause) {
        if (error)
            *error = QObject::tr("Cannot export the figure to %1: %2.").arg(QDir::toNativeSeparators(path), cause);
        return false;
    };
    const QString suffix = QFileInfo(path).suffix().toLower();
    const auto write = suffix == QLatin1String("png") ? writePng
                       : suffix == QLatin1String("pdf") ? writePdf
                       : suffix == QLatin1String("svg") ? writeSvg
                                                        : nullptr;
    if (!write)
        return fail(QObject::tr("unknown file type “.%1” (use .png, .svg or .pdf)").arg(suffix));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(file.errorString());
    const bool written = write(plot, &file);
    // Rendering at figure size re-laid the plot out; put the screen layout back.
    plot->replot(QCustomPlot::rpQueuedReplot);
    if (!written) {
        file.cancelWriting();
        return fail(file.error() != QFileDevice::NoError ? file.errorString() : QObject::tr("the figure could not be rendered"));
    }
    if (!file.commit())
        return fail(file.errorString());
    return true;
}

void installFigureMenu(QCustomPlot* plot, const QString& baseName)
{
    stateOf(plot)->baseName = baseName.isEmpty() ? QStringLiteral("figure") : baseName;
    plot->setContextMenuPolicy(Qt::CustomContextMenu);
}

PlotHit hitTest(QCustomPlot* plot, const QPointF& pos)
{
    PlotHit best;
    double bestDistance = kPickPixels;
    const auto offer = [&](QCPAbstractPlottable* plottable, int index, double distance) {
        if (distance >= 0 && distance < bestDistance) {
            bestDistance = distance;
            best = {plottable, index};
        }
    };
    for (int i = 0; i < plot->plottableCount(); ++i) {
        QCPAbstractPlottable* plottable = plot->plottable(i);
        if (!plottable->visible() || plottable->selectable() == QCP::stNone || !plottable->keyAxis())
            continue;
        if (auto* map = qobject_cast<QCPColorMap*>(plottable)) {
            // selectTest of a colour map does not say which cell, so find it from the coordinates.
            if (!map->keyAxis()->axisRect()->rect().contains(pos.toPoint()))
                continue;
            double key = 0.0, value = 0.0;
            map->pixelsToCoords(pos, key, value);
            int k = -1, v = -1;
            map->data()->coordToCell(key, value, &k, &v);
            if (k >= 0 && k < map->data()->keySize() && v >= 0 && v < map->data()->valueSize())
                offer(map, v * map->data()->keySize() + k, 0.99 * kPickPixels);
        } else if (qobject_cast<QCPBars*>(plottable)) {
            QVariant details;
            const double distance = plottable->selectTest(pos, false, &details);
            const QCPDataSelection selection = details.value<QCPDataSelection>();
            if (!selection.isEmpty())
                offer(plottable, selection.dataRange().begin(), distance);
        } else if (QCPPlottableInterface1D* data = plottable->interface1D()) {
            for (int j = 0; j < data->dataCount(); ++j)
                offer(plottable, j, QLineF(data->dataPixelPosition(j), pos).length());
        }
    }
    return best;
}

void installHoverTooltips(QCustomPlot* plot, TooltipFormatter formatter)
{
    stateOf(plot)->formatter = std::move(formatter);
    plot->setMouseTracking(true); // moves without a button held
}

void installClickPicking(QCustomPlot* plot, std::function<void(const PlotHit&)> picked)
{
    stateOf(plot)->picked = std::move(picked);
}

void setViewReset(QCustomPlot* plot, std::function<void()> reset)
{
    stateOf(plot)->reset = std::move(reset);
}

void resetView(QCustomPlot* plot)
{
    const FigureState* state = stateOf(plot);
    if (state->reset)
        state->reset();
    else
        plot->rescaleAxes(true);
    if (plot->legend->layout() == plot->plotLayout())
        fitLegendColumns(plot); // legend entries change with what is drawn
    plot->replot(QCustomPlot::rpQueuedReplot);
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

int layerOfKey(QCPAbstractPlottable* plottable, int dataIndex)
{
    QCPPlottableInterface1D* data = plottable->interface1D();
    return data ? int(std::lround(data->dataMainKey(dataIndex))) : -1;
}

QPen markerPen(const QColor& color, Qt::PenStyle style, double width)
{
    return QPen(color, width, style);
}

QCPItemStraightLine* addStraightLine(QCustomPlot* plot, const QPointF& a, const QPointF& b, const QPen& pen)
{
    auto* line = new QCPItemStraightLine(plot);
    line->setProperty(kDecoration, true);
    line->setSelectable(false);
    line->setPen(pen);
    line->point1->setCoords(a);
    line->point2->setCoords(b);
    return line;
}

void addVerticalMarkers(QCustomPlot* plot, const std::vector<double>& xs, const QPen& pen, const QString& legend)
{
    for (double x : xs)
        if (std::isfinite(x)) {
            QCPItemStraightLine* line = addStraightLine(plot, QPointF(x, 0.0), QPointF(x, 1.0), pen);
            line->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
            line->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
        }
    if (!legend.isEmpty())
        addLegendEntry(plot, legend, pen);
}

QCPItemStraightLine* addHorizontalLine(QCustomPlot* plot, double y, const QPen& pen, QCPAxis* valueAxis)
{
    QCPItemStraightLine* line = addStraightLine(plot, QPointF(0.0, y), QPointF(1.0, y), pen);
    for (QCPItemPosition* point : {line->point1, line->point2}) {
        point->setAxes(plot->xAxis, valueAxis ? valueAxis : plot->yAxis);
        point->setTypeX(QCPItemPosition::ptAxisRectRatio);
    }
    return line;
}

QCPGraph* addLegendEntry(QCustomPlot* plot, const QString& name, const QPen& pen)
{
    QCPGraph* entry = plot->addGraph();
    entry->setProperty(kDecoration, true);
    entry->setSelectable(QCP::stNone);
    entry->setName(name);
    entry->setPen(pen);
    return entry;
}

void clearDecorations(QCustomPlot* plot)
{
    for (int i = plot->itemCount() - 1; i >= 0; --i)
        if (plot->item(i)->property(kDecoration).toBool())
            plot->removeItem(i);
    for (int i = plot->plottableCount() - 1; i >= 0; --i)
        if (plot->plottable(i)->property(kDecoration).toBool())
            plot->removePlottable(i);
}

QCPItemRect* addLayerHighlight(QCustomPlot* plot, bool outline)
{
    auto* rect = new QCPItemRect(plot);
    rect->setSelectable(false);
    if (outline) {
        rect->setPen(QPen(Qt::black, 2.0));
        rect->setBrush(Qt::NoBrush);
    } else {
        rect->setPen(Qt::NoPen);
        rect->setBrush(QColor(0, 114, 178, 40));
        rect->setLayer(QStringLiteral("grid")); // over the grid lines, under the data
    }
    rect->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
    rect->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
    rect->setVisible(false);
    return rect;
}

void placeLayerHighlight(QCPItemRect* highlight, int layer)
{
    highlight->setVisible(layer >= 0);
    highlight->topLeft->setCoords(layer - 0.5, 0.0);
    highlight->bottomRight->setCoords(layer + 0.5, 1.0);
}

double SymLog::toAxis(double x) const
{
    return std::copysign(std::log10(1.0 + std::abs(x) / scale), x);
}

SymLog SymLog::fitting(const std::vector<double>& values)
{
    std::vector<double> magnitudes;
    for (double v : values)
        if (std::isfinite(v) && v != 0.0)
            magnitudes.push_back(std::abs(v));
    if (magnitudes.empty())
        return {};
    const auto tenth = magnitudes.begin() + std::ptrdiff_t(magnitudes.size() / 10);
    std::nth_element(magnitudes.begin(), tenth, magnitudes.end());
    return {std::pow(10.0, std::floor(std::log10(*tenth)))};
}

QSharedPointer<QCPAxisTicker> SymLog::ticker() const
{
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    ticker->addTick(0.0, QStringLiteral("0"));
    for (int k = 1; k <= 15; ++k) { // ±scale itself would crowd the 0 label
        const double v = scale * std::pow(10.0, k);
        ticker->addTick(toAxis(v), decadeText(v));
        ticker->addTick(toAxis(-v), QStringLiteral("−") + decadeText(v));
    }
    return ticker;
}

QString SymLog::formula(const QString& symbol) const
{
    return QStringLiteral("sign(%1)·log10(1 + |%1| / %2)").arg(symbol, decadeText(scale));
}

QString valueText(double value, int digits)
{
    return std::isfinite(value) ? QString::number(value, 'g', digits) : QObject::tr("not defined");
}

} // namespace bitlens::views

#include "plot_style.moc"
