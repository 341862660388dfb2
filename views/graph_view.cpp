#include "graph_view.h"

#include "format.h"

#include <QGraphicsItemGroup>
#include <QImage>
#include <QGraphicsPathItem>
#include <QGraphicsRectItem>
#include <QGraphicsSimpleTextItem>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QScrollBar>
#include <QWheelEvent>

#include <cmath>

namespace bitlens::views {
namespace {

QColor qcolor(Rgb c)
{
    return QColor(c.r, c.g, c.b);
}

QFont graphFont(double size, bool bold)
{
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPixelSize(std::max(1, int(std::lround(size)))); // scene units are the layout's points
    f.setBold(bold);
    return f;
}

QPainterPath bezierPath(const std::vector<GraphPoint>& b)
{
    QPainterPath path(QPointF(b[0].x, b[0].y));
    for (size_t i = 1; i + 2 < b.size(); i += 3)
        path.cubicTo(b[i].x, b[i].y, b[i + 1].x, b[i + 1].y, b[i + 2].x, b[i + 2].y);
    return path;
}

QPointF anchored(const QFontMetricsF& metrics, const QString& text, double x, double y, Anchor anchor)
{
    const double w = metrics.horizontalAdvance(text);
    const double left = anchor == Anchor::Middle ? x - w / 2 : anchor == Anchor::End ? x - w : x;
    return {left, y - metrics.ascent()};
}

// Scene items for core's drawing; every item of a node carries the node's index.
class SceneCanvas final : public GraphCanvas {
public:
    SceneCanvas(QGraphicsScene* scene, std::vector<QRectF>& boxes, const ModelGraph& graph, const GraphColoring& coloring)
        : m_scene(scene), m_boxes(boxes), m_graph(graph), m_coloring(coloring)
    {
    }
    void rect(double x, double y, double w, double h, const Rgb* fill, Rgb stroke, double width) override
    {
        QPainterPath path;
        path.addRoundedRect(QRectF(x, y, w, h), 3, 3);
        auto* item = m_scene->addPath(path, width > 0 ? QPen(qcolor(stroke), width) : QPen(Qt::NoPen),
                                      fill ? QBrush(qcolor(*fill)) : QBrush(Qt::NoBrush));
        if (m_node >= 0 && m_boxes[size_t(m_node)].isNull())
            m_boxes[size_t(m_node)] = QRectF(x, y, w, h);
        tag(item);
    }
    void curve(const std::vector<GraphPoint>& b, Rgb stroke) override
    {
        tag(m_scene->addPath(bezierPath(b), QPen(qcolor(stroke), 1)));
    }
    void triangle(GraphPoint a, GraphPoint b, GraphPoint c, Rgb fill) override
    {
        tag(m_scene->addPolygon(QPolygonF({QPointF(a.x, a.y), QPointF(b.x, b.y), QPointF(c.x, c.y)}), Qt::NoPen,
                                qcolor(fill)));
    }
    void text(double x, double y, const std::string& t, double size, bool bold, Rgb color, Anchor anchor) override
    {
        const QFont font = graphFont(size, bold);
        QString s = QString::fromStdString(t);
        const QFontMetricsF metrics(font);
        if (m_node >= 0) // inside a box: elide to its width
            s = metrics.elidedText(s, Qt::ElideMiddle, m_boxes[size_t(m_node)].width() - 6);
        auto* item = m_scene->addSimpleText(s, font);
        item->setBrush(qcolor(color));
        item->setPos(anchored(metrics, s, x, y, anchor));
        tag(item);
    }
    void beginNode(int node) override
    {
        m_node = node;
        m_tooltip = GraphView::nodeText(m_graph, m_coloring, node);
    }
    void endNode() override { m_node = -1; }

private:
    void tag(QGraphicsItem* item)
    {
        item->setData(0, m_node);
        if (m_node >= 0)
            item->setToolTip(m_tooltip);
    }
    QGraphicsScene* m_scene;
    std::vector<QRectF>& m_boxes;
    const ModelGraph& m_graph;
    const GraphColoring& m_coloring;
    int m_node = -1;
    QString m_tooltip;
};

class PainterCanvas final : public GraphCanvas {
public:
    explicit PainterCanvas(QPainter& p) : m_p(p) {}
    void rect(double x, double y, double w, double h, const Rgb* fill, Rgb stroke, double width) override
    {
        m_p.setPen(width > 0 ? QPen(qcolor(stroke), width) : QPen(Qt::NoPen));
        m_p.setBrush(fill ? QBrush(qcolor(*fill)) : QBrush(Qt::NoBrush));
        m_p.drawRoundedRect(QRectF(x, y, w, h), 3, 3);
    }
    void curve(const std::vector<GraphPoint>& b, Rgb stroke) override
    {
        m_p.setPen(QPen(qcolor(stroke), 1));
        m_p.setBrush(Qt::NoBrush);
        m_p.drawPath(bezierPath(b));
    }
    void triangle(GraphPoint a, GraphPoint b, GraphPoint c, Rgb fill) override
    {
        m_p.setPen(Qt::NoPen);
        m_p.setBrush(qcolor(fill));
        m_p.drawPolygon(QPolygonF({QPointF(a.x, a.y), QPointF(b.x, b.y), QPointF(c.x, c.y)}));
    }
    void text(double x, double y, const std::string& t, double size, bool bold, Rgb color, Anchor anchor) override
    {
        const QFont font = graphFont(size, bold);
        const QString s = QString::fromStdString(t);
        m_p.setFont(font);
        m_p.setPen(qcolor(color));
        const QFontMetricsF metrics(font);
        m_p.drawText(anchored(metrics, s, x, y, anchor) + QPointF(0, metrics.ascent()), s);
    }

private:
    QPainter& m_p;
};

// The whole graph small, with the main view's visible part framed.
class Minimap final : public QGraphicsView {
public:
    using QGraphicsView::QGraphicsView;
    QRectF visible;

protected:
    void drawForeground(QPainter* painter, const QRectF&) override
    {
        painter->setPen(QPen(QColor(26, 115, 232), 0));
        painter->setBrush(QColor(26, 115, 232, 40));
        painter->drawRect(visible);
    }
    void mousePressEvent(QMouseEvent* event) override { centerMain(event->pos()); }
    void mouseMoveEvent(QMouseEvent* event) override { centerMain(event->pos()); }

private:
    void centerMain(const QPoint& pos)
    {
        if (auto* main = qobject_cast<QGraphicsView*>(parentWidget()))
            main->centerOn(mapToScene(pos));
    }
};

} // namespace

GraphView::GraphView(QWidget* parent) : QGraphicsView(parent), m_minimap(new Minimap(this))
{
    setScene(new QGraphicsScene(this));
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setBackgroundBrush(Qt::white);
    m_minimap->setScene(scene());
    m_minimap->setInteractive(false);
    m_minimap->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_minimap->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_minimap->setFrameShape(QFrame::Box);
    m_minimap->setRenderHints(QPainter::Antialiasing);
    m_minimap->hide();
}

QString GraphView::nodeText(const ModelGraph& graph, const GraphColoring& coloring, int node)
{
    const GraphNode& n = graph.nodes[size_t(node)];
    QString text = QStringLiteral("<b>%1</b><br>%2").arg(QString::fromStdString(n.id.empty() ? n.label : n.id).toHtmlEscaped(),
                                                       QString::fromStdString(n.type).toHtmlEscaped());
    if (!n.shape.empty())
        text += QStringLiteral("<br>output %1").arg(shapeText(n.shape));
    const double value = coloring.nodeValues[size_t(node)];
    const LayerFigureInfo& info = figureInfo(coloring.figure);
    if (n.kind == GraphNodeKind::Layer || n.kind == GraphNodeKind::Group) {
        QString shown = std::isnan(value) ? tr("not analysed") : QString::number(value, 'g', 4);
        if (info.scale == ColorScaleKind::Categorical && !std::isnan(value) && size_t(value) < coloring.categories.size())
            shown = QString::fromStdString(coloring.categories[size_t(value)]);
        else if (info.scale == ColorScaleKind::Categorical && n.kind == GraphNodeKind::Group)
            shown = tr("mixed");
        text += QStringLiteral("<br>%1%2: %3")
                    .arg(QString::fromUtf8(info.name).toHtmlEscaped(),
                         n.kind == GraphNodeKind::Group ? QStringLiteral(" (%1 of %2 layers)")
                                                              .arg(QString::fromUtf8(aggregateName(coloring.aggregate)))
                                                              .arg(graph.layersUnder(node).size())
                                                        : QString(),
                         shown);
    }
    return text;
}

void GraphView::showLayout(std::shared_ptr<const ModelGraph> graph, const GraphLayout& layout,
                           const GraphColoring& coloring, bool keepView)
{
    const QTransform zoom = transform();
    const QPointF center = mapToScene(viewport()->rect().center());
    scene()->clear();
    m_outlines.clear();
    m_graph = std::move(graph);
    m_boxes.assign(m_graph->nodes.size(), QRectF());
    m_open.assign(m_graph->nodes.size(), 0);
    for (const PlacedNode& p : layout.nodes)
        m_open[size_t(p.node)] = p.open ? 1 : 0;
    SceneCanvas canvas(scene(), m_boxes, *m_graph, coloring);
    drawGraphBody(canvas, *m_graph, layout, coloring, 0.0);
    scene()->setSceneRect(QRectF(-20, -20, layout.width + 40, layout.height + 40));
    if (keepView) {
        setTransform(zoom);
        centerOn(center);
    } else {
        fitWidth();
    }
    updateMinimap();
}

void GraphView::clear(const QString& message)
{
    scene()->clear();
    m_outlines.clear();
    m_graph.reset();
    m_boxes.clear();
    auto* text = scene()->addSimpleText(message, graphFont(13, false));
    text->setBrush(QColor(95, 99, 104));
    scene()->setSceneRect(text->boundingRect().adjusted(-20, -20, 20, 20));
    resetTransform();
    m_minimap->hide();
}

void GraphView::setHighlighted(const std::vector<int>& layers, int current)
{
    for (QGraphicsItem* item : m_outlines)
        delete item;
    m_outlines.clear();
    if (!m_graph)
        return;
    for (size_t n = 0; n < m_boxes.size(); ++n) {
        if (m_boxes[n].isNull() || m_open[n])
            continue; // an open group's frame: its children show the outline
        const std::vector<int> under = m_graph->layersUnder(int(n));
        const bool isCurrent = std::find(under.begin(), under.end(), current) != under.end();
        const bool selected = isCurrent || std::any_of(under.begin(), under.end(), [&](int l) {
                                  return std::find(layers.begin(), layers.end(), l) != layers.end();
                              });
        if (!selected)
            continue;
        QPainterPath path;
        path.addRoundedRect(m_boxes[n].adjusted(-3, -3, 3, 3), 5, 5);
        auto* outline = scene()->addPath(path, QPen(QColor(234, 67, 53), isCurrent ? 3.5 : 2, isCurrent ? Qt::SolidLine : Qt::DashLine));
        outline->setZValue(10);
        outline->setData(0, int(n));
        m_outlines.push_back(outline);
    }
}

void GraphView::fitAll()
{
    fitInView(sceneRect(), Qt::KeepAspectRatio);
    // Small graphs stay at their natural size rather than blown up.
    if (transform().m11() > 1.0)
        setTransform(QTransform());
    updateMinimap();
}

void GraphView::fitWidth()
{
    // A model is a long chain: fit its width (not below a readable size), start at its input.
    const double zoom = std::clamp(viewport()->width() / sceneRect().width(), 0.55, 1.0);
    setTransform(QTransform::fromScale(zoom, zoom));
    centerOn(sceneRect().center().x(), sceneRect().top() + viewport()->height() / zoom / 2);
    updateMinimap();
}

void GraphView::centerOnNode(int node)
{
    if (node >= 0 && size_t(node) < m_boxes.size() && !m_boxes[size_t(node)].isNull()) {
        if (transform().m11() < 0.6)
            setTransform(QTransform::fromScale(0.8, 0.8));
        centerOn(m_boxes[size_t(node)].center());
    }
}

int GraphView::nodeAt(const QPoint& pos) const
{
    for (QGraphicsItem* item : items(pos)) {
        const QVariant node = item->data(0);
        if (node.isValid() && node.toInt() >= 0)
            return node.toInt();
    }
    return -1;
}

void GraphView::wheelEvent(QWheelEvent* event)
{
    const double factor = std::pow(1.0015, event->angleDelta().y());
    const double scaleNow = transform().m11();
    if ((scaleNow < 0.05 && factor < 1) || (scaleNow > 8 && factor > 1))
        return;
    scale(factor, factor);
    updateMinimap();
}

void GraphView::mousePressEvent(QMouseEvent* event)
{
    m_pressAt = event->pos();
    QGraphicsView::mousePressEvent(event);
}

void GraphView::mouseReleaseEvent(QMouseEvent* event)
{
    QGraphicsView::mouseReleaseEvent(event);
    // A click, not the end of a drag that panned.
    if (event->button() == Qt::LeftButton && (event->pos() - m_pressAt).manhattanLength() < 4)
        if (const int node = nodeAt(event->pos()); node >= 0)
            emit nodeClicked(node);
}

void GraphView::mouseDoubleClickEvent(QMouseEvent* event)
{
    if (const int node = nodeAt(event->pos()); node >= 0)
        emit nodeDoubleClicked(node);
}

void GraphView::resizeEvent(QResizeEvent* event)
{
    QGraphicsView::resizeEvent(event);
    updateMinimap();
}

void GraphView::scrollContentsBy(int dx, int dy)
{
    QGraphicsView::scrollContentsBy(dx, dy);
    updateMinimap();
}

void GraphView::updateMinimap()
{
    const QRectF visible = mapToScene(viewport()->rect()).boundingRect();
    const bool larger = m_graph && (visible.width() < sceneRect().width() * 0.95 || visible.height() < sceneRect().height() * 0.95);
    m_minimap->setVisible(larger);
    if (!larger)
        return;
    const QSizeF scene = sceneRect().size();
    const double side = 160;
    const QSize size = scene.width() > scene.height() ? QSize(int(side), int(std::max(40.0, side * scene.height() / scene.width())))
                                                      : QSize(int(std::max(40.0, side * scene.width() / scene.height())), int(side));
    m_minimap->setGeometry(viewport()->width() - size.width() - 8, viewport()->height() - size.height() - 8, size.width(), size.height());
    m_minimap->fitInView(sceneRect(), Qt::KeepAspectRatio);
    static_cast<Minimap*>(m_minimap)->visible = visible;
    m_minimap->viewport()->update();
}

QImage graphImage(const ModelGraph& graph, const GraphLayout& layout, const GraphColoring& coloring, double scale)
{
    const double width = std::max(layout.width, kGraphMinWidth);
    QImage image(QSize(int(std::ceil(width * scale)), int(std::ceil((layout.height + kGraphLegendHeight) * scale))),
                 QImage::Format_ARGB32);
    image.fill(Qt::white);
    const int dotsPerMeter = int(std::lround(72 * scale / 0.0254));
    image.setDotsPerMeterX(dotsPerMeter);
    image.setDotsPerMeterY(dotsPerMeter);
    QPainter painter(&image);
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    painter.scale(scale, scale);
    PainterCanvas canvas(painter);
    drawGraphLegend(canvas, coloring, width);
    drawGraphBody(canvas, graph, layout, coloring, kGraphLegendHeight);
    return image;
}

void paintGraphLegend(QPainter& painter, const GraphColoring& coloring, double width)
{
    PainterCanvas canvas(painter);
    drawGraphLegend(canvas, coloring, width);
}

} // namespace bitlens::views
