#include "graph_panel.h"

#include "graph_view.h"

#include "core/errors.h"
#include "core/io/atomic_file.h"

#include <QComboBox>
#include <QCompleter>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace bitlens::views {

// The colour scale above the graph, fixed while the graph zooms and pans.
class GraphLegend final : public QWidget {
public:
    using QWidget::QWidget;
    void setColoring(const GraphColoring* coloring)
    {
        m_coloring = coloring;
        update();
    }
    QSize sizeHint() const override { return {400, int(kGraphLegendHeight) + 4}; }

protected:
    void paintEvent(QPaintEvent*) override
    {
        if (!m_coloring || m_coloring->nodeColors.empty())
            return;
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        paintGraphLegend(p, *m_coloring, width());
    }

private:
    const GraphColoring* m_coloring = nullptr;
};

namespace {

QToolButton* toolButton(const QString& text, const QString& tip, QWidget* parent)
{
    auto* b = new QToolButton(parent);
    b->setText(text);
    b->setToolTip(tip);
    b->setAutoRaise(true);
    return b;
}

} // namespace

GraphPanel::GraphPanel(QWidget* parent)
    : QWidget(parent), m_figure(new QComboBox(this)), m_aggregate(new QComboBox(this)), m_find(new QLineEdit(this)),
      m_status(new QLabel(this)), m_legend(new GraphLegend(this)), m_view(new GraphView(this))
{
    for (const LayerFigureInfo& info : layerFigures())
        m_figure->addItem(QString::fromUtf8(info.name), int(info.figure));
    m_figure->setToolTip(tr("The per-layer figure that colours the graph"));
    m_figure->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_figure->setMinimumContentsLength(10);
    for (FigureAggregate a : {FigureAggregate::Max, FigureAggregate::Sum, FigureAggregate::Mean})
        m_aggregate->addItem(tr("groups: %1").arg(QString::fromUtf8(aggregateName(a))), int(a));
    m_aggregate->setToolTip(tr("What a group shows of its layers' figures"));
    m_find->setPlaceholderText(tr("Find a module…"));
    m_find->setClearButtonEnabled(true);
    auto* fit = toolButton(tr("Fit"), tr("Show the whole graph"), this);
    // The rest in one menu, so the dock stays narrow on a small screen.
    auto* more = toolButton(tr("Graph ▾"), tr("Open or close every group, export"), this);
    more->setPopupMode(QToolButton::InstantPopup);
    auto* menu = new QMenu(more);
    QAction* expand = menu->addAction(tr("Expand all groups"));
    QAction* collapse = menu->addAction(tr("Collapse all groups"));
    menu->addSeparator();
    QAction* exportAction = menu->addAction(tr("Export… (SVG, PDF, PNG, DOT, Model Explorer, Netron)"));
    more->setMenu(menu);

    // Two rows, so a narrow dock keeps the search field usable.
    auto* colours = new QHBoxLayout;
    colours->setContentsMargins(4, 2, 4, 0);
    colours->addWidget(m_figure, 1);
    colours->addWidget(m_aggregate);
    auto* tools = new QHBoxLayout;
    tools->setContentsMargins(4, 0, 4, 0);
    tools->addWidget(m_find, 1);
    tools->addWidget(fit);
    tools->addWidget(more);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(colours);
    layout->addLayout(tools);
    layout->addWidget(m_legend);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_status);
    m_status->setContentsMargins(6, 0, 6, 2);
    m_status->setWordWrap(true);
    m_view->clear(tr("Open a model to see its graph."));

    connect(m_figure, &QComboBox::activated, this, [this] {
        m_figureChosen = true;
        m_aggregate->setCurrentIndex(m_aggregate->findData(int(figureInfo(figure()).aggregate)));
        recolor(true);
    });
    connect(m_aggregate, &QComboBox::activated, this, [this] { recolor(true); });
    connect(m_find, &QLineEdit::returnPressed, this, [this] {
        if (!find(m_find->text()))
            m_status->setText(tr("No module matches “%1”.").arg(m_find->text()));
    });
    connect(fit, &QToolButton::clicked, m_view, &GraphView::fitAll);
    connect(expand, &QAction::triggered, this, [this] {
        if (m_graph)
            setExpansion(expandedExpansion(*m_graph));
    });
    connect(collapse, &QAction::triggered, this, [this] {
        if (m_graph)
            setExpansion(collapsedExpansion(*m_graph));
    });
    connect(exportAction, &QAction::triggered, this, &GraphPanel::chooseExport);
    connect(m_view, &GraphView::nodeClicked, this, &GraphPanel::onNodeClicked);
    connect(m_view, &GraphView::nodeDoubleClicked, this, &GraphPanel::onNodeDoubleClicked);
}

GraphPanel::~GraphPanel() = default;

void GraphPanel::setFigureSource(std::function<FigureSource()> source)
{
    m_source = std::move(source);
}

LayerFigure GraphPanel::figure() const
{
    return LayerFigure(m_figure->currentData().toInt());
}

void GraphPanel::setFigure(LayerFigure figure)
{
    m_figure->setCurrentIndex(m_figure->findData(int(figure)));
    m_aggregate->setCurrentIndex(m_aggregate->findData(int(figureInfo(figure).aggregate)));
    m_figureChosen = true;
    recolor(true);
}

void GraphPanel::setGraph(std::shared_ptr<const ModelGraph> graph, const QString& message)
{
    // The same model again (now with shapes, from a dataset): the user's open groups stay open.
    const bool sameNodes = graph && m_graph && graph->nodes.size() == m_graph->nodes.size()
                           && std::equal(graph->nodes.begin(), graph->nodes.end(), m_graph->nodes.begin(),
                                         [](const GraphNode& a, const GraphNode& b) { return a.id == b.id; });
    m_graph = std::move(graph);
    m_laidOut = false;
    m_centerWhenLaidOut = -1;
    if (!m_graph) {
        m_view->clear(message);
        m_status->setText(message);
        return;
    }
    QStringList ids;
    for (const GraphNode& n : m_graph->nodes)
        if (!n.id.empty())
            ids << QString::fromStdString(n.id);
    if (QCompleter* old = m_find->completer())
        old->deleteLater();
    auto* completer = new QCompleter(ids, m_find);
    completer->setFilterMode(Qt::MatchContains);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_find->setCompleter(completer);
    m_view->clear(tr("Laying out…"));
    setExpansion(sameNodes ? m_expansion : defaultExpansion(*m_graph));
}

void GraphPanel::setExpansion(GraphExpansion expansion)
{
    m_expansion = std::move(expansion);
    m_status->setText(tr("Laying out…"));
    emit layoutRequested(m_expansion);
}

void GraphPanel::showLayout(const GraphExpansion& expansion, const GraphLayout& layout)
{
    if (!m_graph || expansion != m_expansion)
        return; // a newer expansion is on its way
    const bool first = !m_laidOut;
    m_layout = layout;
    m_laidOut = true;
    recolor(!first);
    size_t leaves = 0;
    for (const PlacedNode& p : layout.nodes)
        leaves += p.open ? 0 : 1;
    m_status->setText(tr("%1 of %2 nodes shown · double-click a group to open or close it")
                          .arg(leaves)
                          .arg(m_graph->nodes.size() - 1));
    if (m_centerWhenLaidOut >= 0) {
        m_view->centerOnNode(m_centerWhenLaidOut);
        m_centerWhenLaidOut = -1;
    }
}

void GraphPanel::refreshColors()
{
    recolor(true);
}

void GraphPanel::recolor(bool keepView)
{
    if (!m_graph || !m_source)
        return;
    const FigureSource source = m_source();
    if (!m_figureChosen) {
        const LayerFigure f = defaultFigure(source);
        m_figure->setCurrentIndex(m_figure->findData(int(f)));
        m_aggregate->setCurrentIndex(m_aggregate->findData(int(figureInfo(f).aggregate)));
    }
    m_coloring = colorGraph(*m_graph, figure(), FigureAggregate(m_aggregate->currentData().toInt()), source);
    m_legend->setColoring(&m_coloring);
    if (m_laidOut) {
        m_view->showLayout(m_graph, m_layout, m_coloring, keepView);
        m_view->setHighlighted(m_selected, m_current);
    }
}

void GraphPanel::setSelection(const std::vector<int>& layers, int current)
{
    m_selected = layers;
    m_current = current;
    m_view->setHighlighted(layers, current);
}

void GraphPanel::onNodeClicked(int node)
{
    std::vector<int> layers = m_graph->layersUnder(node);
    if (layers.empty())
        return;
    // The hottest layer of a group is the one the plots show.
    int current = layers.front();
    for (int l : layers)
        if (size_t(l) < m_coloring.layerValues.size() && std::isfinite(m_coloring.layerValues[size_t(l)])
            && !(m_coloring.layerValues[size_t(l)] <= m_coloring.layerValues[size_t(current)]))
            current = l;
    emit layersChosen(layers, current);
}

void GraphPanel::onNodeDoubleClicked(int node)
{
    if (node <= 0 || !m_graph->isGroup(node))
        return;
    GraphExpansion next = m_expansion;
    next[size_t(node)] = next[size_t(node)] ? 0 : 1;
    m_centerWhenLaidOut = node;
    setExpansion(std::move(next));
}

bool GraphPanel::find(const QString& text)
{
    if (!m_graph || text.isEmpty())
        return false;
    int found = m_graph->find(text.toStdString());
    for (size_t n = 1; found < 0 && n < m_graph->nodes.size(); ++n)
        if (QString::fromStdString(m_graph->nodes[n].id).contains(text, Qt::CaseInsensitive))
            found = int(n);
    if (found < 0)
        return false;
    GraphExpansion next = m_expansion;
    for (int p = m_graph->nodes[size_t(found)].parent; p > 0; p = m_graph->nodes[size_t(p)].parent)
        next[size_t(p)] = 1;
    m_centerWhenLaidOut = found;
    if (next != m_expansion)
        setExpansion(std::move(next));
    else
        m_view->centerOnNode(found);
    onNodeClicked(found);
    return true;
}

bool GraphPanel::exportTo(const QString& path, QString* error) const
{
    if (!m_graph || !m_laidOut) {
        *error = tr("There is no graph to export yet.");
        return false;
    }
    try {
        if (path.endsWith(QLatin1String(".png"), Qt::CaseInsensitive)) {
            const QImage image = graphImage(*m_graph, m_layout, m_coloring, 2.0); // print-sharp
            AtomicFile file(path.toStdString());
            file.write([&](const std::string& temporary) {
                if (!image.save(QString::fromStdString(temporary), "PNG"))
                    throw Error(path.toStdString() + ": cannot write the PNG");
            });
            file.commit();
            return true;
        }
        writeGraphFile(path.toStdString(), *m_graph, m_expansion, m_layout, m_coloring, m_source());
        return true;
    } catch (const Error& e) {
        *error = QString::fromStdString(e.what());
        return false;
    }
}

void GraphPanel::chooseExport()
{
    if (!m_graph)
        return;
    const QString stem = QString::fromStdString(m_graph->nodes[0].label);
    QString filter;
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export the graph"), stem + QStringLiteral("_graph.svg"),
        tr("SVG figure (*.svg);;PDF figure (*.pdf);;PNG image (*.png);;Graphviz DOT (*.dot);;"
           "Model Explorer node data (*.json);;Netron metrics (*.metrics.json)"),
        &filter);
    if (path.isEmpty())
        return;
    QString error;
    if (!exportTo(path, &error))
        QMessageBox::warning(this, tr("Export the graph"), error);
    else
        m_status->setText(tr("Wrote %1").arg(path));
}

} // namespace bitlens::views
