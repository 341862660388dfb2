#include "graph_controller.h"

#include "job_runner.h"
#include "session.h"

#include "core/data/dataset.h"
#include "core/errors.h"
#include "core/model/model.h"
#include "core/stopwatch.h"
#include "views/graph_panel.h"

#include <QtConcurrent>

namespace bitlens::app {

GraphController::GraphController(Session* session, JobRunner* jobs, views::GraphPanel* panel, QObject* parent)
    : QObject(parent), m_session(session), m_jobs(jobs), m_panel(panel)
{
    m_panel->setFigureSource([session] {
        return FigureSource{&session->layers(), session->totalParams(), session->analysis().get(), &session->plan(),
                            session->estimator().toStdString(), &session->pinned(), &session->tieGroups()};
    });
    connect(m_session, &Session::modelChanged, this, &GraphController::buildGraph);
    connect(m_session, &Session::datasetChanged, this, &GraphController::buildGraph);
    for (auto changed : {&Session::analysisChanged, &Session::planChanged, &Session::layersChanged})
        connect(m_session, changed, m_panel, &views::GraphPanel::refreshColors);
    connect(m_session, &Session::estimatorChanged, m_panel, &views::GraphPanel::refreshColors);
    connect(m_panel, &views::GraphPanel::layoutRequested, this, &GraphController::requestLayout);
    connect(&m_watcher, &QFutureWatcher<Result>::finished, this, &GraphController::onLayoutFinished);
}

GraphController::~GraphController()
{
    m_watcher.waitForFinished();
}

void GraphController::buildGraph()
{
    const std::shared_ptr<Model> model = m_session->model();
    if (!model) {
        m_panel->setGraph(nullptr, tr("Open a model to see its graph."));
        return;
    }
    const std::shared_ptr<const DatasetSplits> data = m_session->dataset();
    const quint64 generation = m_session->generation();
    Session* session = m_session;
    m_jobs->start(QStringLiteral("graph"), tr("Building the model graph"),
                  [this, model, data, generation, session](Progress& progress) {
        if (session->generation() != generation)
            throw Cancelled();
        progress.report(0.0, "Folding the forward graph into modules");
        auto graph = std::make_shared<const ModelGraph>(
            buildModelGraph(*model, data && data->evaluation.count() > 0 ? &data->evaluation : nullptr));
        return std::function<void()>([this, graph, generation, session] {
            if (session->generation() != generation)
                return;
            m_graph = graph;
            session->setModelGraph(graph);
            m_layouter = std::make_shared<GraphLayouter>(*m_graph);
            m_panel->setGraph(m_graph);
            emit graphReady();
        });
    });
}

void GraphController::requestLayout(const GraphExpansion& expansion)
{
    if (m_watcher.isRunning())
        m_pending = expansion; // the latest wins; the running one finishes first
    else
        startLayout(expansion);
}

void GraphController::startLayout(const GraphExpansion& expansion)
{
    if (!m_graph)
        return;
    // The layout thread holds the graph and its layouter, which a new model may replace meanwhile.
    m_watcher.setFuture(QtConcurrent::run([graph = m_graph, layouter = m_layouter, expansion] {
        Result r;
        r.graph = graph;
        r.expansion = expansion;
        const auto start = std::chrono::steady_clock::now();
        try {
            r.layout = layouter->layout(expansion);
        } catch (const std::exception& e) {
            r.error = e.what();
        }
        r.seconds = secondsSince(start);
        return r;
    }));
}

void GraphController::onLayoutFinished()
{
    const Result r = m_watcher.result();
    m_lastSeconds = r.seconds;
    if (m_pending) {
        const GraphExpansion next = *m_pending;
        m_pending.reset();
        startLayout(next);
    }
    if (r.graph != m_graph)
        return; // another model's graph came meanwhile
    if (!r.error.empty()) {
        m_panel->setGraph(nullptr, QString::fromStdString(r.error));
        return;
    }
    m_panel->showLayout(r.expansion, r.layout);
    emit layoutReady();
}

} // namespace bitlens::app
