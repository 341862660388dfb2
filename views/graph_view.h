#pragma once
// The model graph drawn in a QGraphicsView: core's drawing (graph_drawing.h) as scene items, one
// group of items per node with its tooltip; wheel zoom, drag pan, fit, a minimap while the graph
// is larger than the view, and outlines on the selected layers' nodes.

#include "core/graph/graph_drawing.h"

#include <QGraphicsView>

#include <memory>
#include <vector>

class QImage;
class QPainter;

namespace bitlens::views {

// Threading: GUI thread only.
class GraphView final : public QGraphicsView {
    Q_OBJECT
public:
    explicit GraphView(QWidget* parent = nullptr);

    // Draws the layout; the graph must outlive the next call. Keeps the zoom when `keepView`.
    void showLayout(std::shared_ptr<const ModelGraph> graph, const GraphLayout& layout, const GraphColoring& coloring,
                    bool keepView);
    void clear(const QString& message);
    // Outlines the visible nodes of these layers (a closed group: once, for any of its layers);
    // `current`'s nodes stronger.
    void setHighlighted(const std::vector<int>& layers, int current);
    void fitAll();
    void fitWidth(); // the graph's width, from its top
    // A shown node's box in scene coordinates; null when the node is not shown.
    QRectF nodeBox(int node) const
    {
        return node >= 0 && size_t(node) < m_boxes.size() ? m_boxes[size_t(node)] : QRectF();
    }
    void centerOnNode(int node);
    // The node's tooltip text: what it is and its figure.
    static QString nodeText(const ModelGraph& graph, const GraphColoring& coloring, int node);

signals:
    void nodeClicked(int node);
    void nodeDoubleClicked(int node);

protected:
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void scrollContentsBy(int dx, int dy) override;

private:
    int nodeAt(const QPoint& pos) const;
    void updateMinimap();

    std::shared_ptr<const ModelGraph> m_graph;
    std::vector<QRectF> m_boxes; // per graph node, its box in the scene (null when not shown)
    std::vector<char> m_open;    // per graph node, shown as an open group's frame
    std::vector<QGraphicsItem*> m_outlines;
    QGraphicsView* m_minimap;
    QPoint m_pressAt;
};

// The figure as an image, legend above the graph, `scale` pixels a point (its dpi says 72 × scale,
// so it prints at the PDF's size): the dock's PNG export and the report's.
QImage graphImage(const ModelGraph& graph, const GraphLayout& layout, const GraphColoring& coloring, double scale);
// The legend alone, drawn with a QPainter `width` points wide.
void paintGraphLegend(QPainter& painter, const GraphColoring& coloring, double width);

} // namespace bitlens::views
