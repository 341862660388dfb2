#pragma once
// Keeps the graph dock current: builds the model's graph on JobRunner's worker when a model or
// dataset opens (one sample's forward gives the shapes), lays it out on a thread of its own (so
// a long analysis never holds a layout back) whenever the dock asks, and recolours it when the
// analysis, the plan or the estimator change.

#include "core/graph/graph_layout.h"

#include <QFutureWatcher>
#include <QObject>

#include <memory>
#include <optional>

namespace bitlens::views {
class GraphPanel;
}

namespace bitlens::app {

class JobRunner;
class Session;

// Threading: GUI thread; layouts run on the global thread pool, one at a time.
class GraphController final : public QObject {
    Q_OBJECT
public:
    GraphController(Session* session, JobRunner* jobs, views::GraphPanel* panel, QObject* parent = nullptr);
    ~GraphController() override;

    // Seconds the last layout took on its thread, and how many groups it laid out (tests, status).
    double lastLayoutSeconds() const { return m_lastSeconds; }

signals:
    void graphReady();
    void layoutReady();

private:
    void buildGraph();
    void requestLayout(const GraphExpansion& expansion);
    void startLayout(const GraphExpansion& expansion);
    void onLayoutFinished();

    Session* m_session;
    JobRunner* m_jobs;
    views::GraphPanel* m_panel;
    std::shared_ptr<const ModelGraph> m_graph;
    std::shared_ptr<GraphLayouter> m_layouter; // used by one layout thread at a time
    struct Result {
        std::shared_ptr<const ModelGraph> graph; // laid out for this graph; a newer one drops it
        GraphExpansion expansion;
        GraphLayout layout;
        std::string error;
        double seconds = 0.0;
    };
    QFutureWatcher<Result> m_watcher;
    std::optional<GraphExpansion> m_pending; // asked for while another layout ran
    double m_lastSeconds = 0.0;
};

} // namespace bitlens::app
