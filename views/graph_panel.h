#pragma once
// The graph dock: the model's graph coloured by a per-layer figure (chosen in a combo, groups
// showing their layers' max, sum or mean), find by name, expand and collapse, fit, and export
// as SVG, PDF, PNG, Model Explorer node data or Netron's attachment. Clicking a node chooses its
// layers; the app selects them everywhere. Layouts come from outside (a worker thread).

#include "core/graph/graph_export.h"

#include <QWidget>

#include <functional>
#include <memory>

class QComboBox;
class QLineEdit;
class QLabel;

namespace bitlens::views {

class GraphView;
class GraphLegend;

// Threading: GUI thread only.
class GraphPanel final : public QWidget {
    Q_OBJECT
public:
    explicit GraphPanel(QWidget* parent = nullptr);
    ~GraphPanel() override;

    // What the figures are read from, asked each time the colours are computed.
    void setFigureSource(std::function<FigureSource()> source);
    // A new model's graph (null: none yet, with `message`); opens the default groups and asks for
    // their layout.
    void setGraph(std::shared_ptr<const ModelGraph> graph, const QString& message = {});
    std::shared_ptr<const ModelGraph> graph() const { return m_graph; }
    // The layout of `expansion`, when it is still the one wanted.
    void showLayout(const GraphExpansion& expansion, const GraphLayout& layout);
    // The analysis, the plan or the estimator changed.
    void refreshColors();
    void setSelection(const std::vector<int>& layers, int current);

    const GraphExpansion& expansion() const { return m_expansion; }
    void setExpansion(GraphExpansion expansion);
    LayerFigure figure() const;
    void setFigure(LayerFigure figure);
    const GraphColoring& coloring() const { return m_coloring; }
    GraphView* view() const { return m_view; }
    // Writes the graph as the file's extension says (.svg, .pdf, .png, .metrics.json, .json);
    // false with the reason in `error`.
    bool exportTo(const QString& path, QString* error) const;
    // Finds a node by id (exact, else the first containing `text`), opens the groups around it,
    // centres it once laid out and chooses its layers; false when none matches.
    bool find(const QString& text);

signals:
    void layoutRequested(const bitlens::GraphExpansion& expansion);
    void layersChosen(const std::vector<int>& layers, int current);

private:
    void onNodeClicked(int node);
    void onNodeDoubleClicked(int node);
    void chooseExport();
    void recolor(bool keepView);

    std::shared_ptr<const ModelGraph> m_graph;
    std::function<FigureSource()> m_source;
    GraphExpansion m_expansion;
    GraphLayout m_layout;
    bool m_laidOut = false;
    GraphColoring m_coloring;
    bool m_figureChosen = false; // by the user: no automatic fallback any more
    int m_centerWhenLaidOut = -1;
    std::vector<int> m_selected;
    int m_current = -1;
    QComboBox* m_figure;
    QComboBox* m_aggregate;
    QLineEdit* m_find;
    QLabel* m_status;
    GraphLegend* m_legend;
    GraphView* m_view;
};

} // namespace bitlens::views
