// The graph view's figures (issue 21): building a model's graph (forward inlined and folded, one
// sample's shapes), laying it out collapsed and fully expanded with BitLens's per-group dot
// layout (cold cache), opening one block once the rest is laid out (warm), and beside it the peer:
// Graphviz's dot on the same expanded graph in one piece (DOT with a cluster per group). Then the
// GUI side: the GUI thread's work to draw the expanded layout, and its longest event-loop stall
// while the dock lays it out on its thread. Targets: collapsed < 200 ms, expanded < 1 s, no stall
// over 50 ms.
//   bench_graph [DIR] [--runs 3]   DIR: tests/support/make_graph_models.py's output
//                                  (default /tmp/bitlens_graph_bench; made when missing)

#include "bench_common.h"

#include "core/data/sample_set.h"
#include "core/graph/graph_export.h"
#include "core/model/model.h"
#include "core/runtime.h"
#include "views/graph_panel.h"
#include "views/graph_view.h"

#include <graphviz/gvc.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QTimer>
#include <QtConcurrent>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

using namespace bitlens;

namespace {

double msSince(std::chrono::steady_clock::time_point start)
{
    return 1e3 * secondsSince(start);
}

template <typename Work>
double medianMs(int runs, Work work)
{
    return 1e3 * bench::medianSeconds(runs, work);
}

SampleSet probeFor(const std::string& name)
{
    SampleSet s;
    s.source = "random";
    std::mt19937 rng(0);
    if (name == "gpt85m") {
        s.type = SampleType::Token;
        s.sampleShape = {128};
        std::vector<int32_t> tokens(129);
        for (int32_t& t : tokens)
            t = int32_t(rng() % 256);
        s.data.resize(tokens.size() * 4);
        std::memcpy(s.data.data(), tokens.data(), s.data.size());
    } else {
        s.type = SampleType::Float32;
        s.sampleShape = {3, 224, 224};
        std::vector<float> pixels(3 * 224 * 224);
        std::normal_distribution<float> normal;
        for (float& p : pixels)
            p = normal(rng);
        s.data.resize(pixels.size() * 4);
        std::memcpy(s.data.data(), pixels.data(), s.data.size());
        s.labels = {0};
    }
    return s;
}

// The peer: one dot run over the whole expanded graph, clusters for the groups.
double flatDotMs(const ModelGraph& graph, const GraphColoring& coloring)
{
    const std::string dot = graphDot(graph, expandedExpansion(graph), coloring);
    GVC_t* gvc = gvContext();
    const auto start = std::chrono::steady_clock::now();
    Agraph_t* g = agmemread(dot.c_str());
    gvLayout(gvc, g, "dot");
    const double ms = msSince(start);
    gvFreeLayout(gvc, g);
    agclose(g);
    gvFreeContext(gvc);
    return ms;
}

// The GUI thread's longest gap between 5 ms ticks while the dock gets the expanded layout from a
// worker thread and draws it.
qint64 longestStallWhileLayingOut(const std::shared_ptr<const ModelGraph>& graph, double& drawMs)
{
    views::GraphPanel panel;
    panel.resize(400, 900);
    panel.show();
    const std::vector<LayerInfo> noLayers;
    panel.setFigureSource([&] { return FigureSource{&noLayers, 0, nullptr, nullptr, ""}; });
    auto layouter = std::make_shared<GraphLayouter>(*graph);
    QObject::connect(&panel, &views::GraphPanel::layoutRequested, &panel, [&](const GraphExpansion& e) {
        auto* watcher = new QFutureWatcher<GraphLayout>(&panel);
        QObject::connect(watcher, &QFutureWatcher<GraphLayout>::finished, &panel, [&, watcher, e] {
            const auto start = std::chrono::steady_clock::now();
            panel.showLayout(e, watcher->result());
            drawMs = msSince(start);
            watcher->deleteLater();
        });
        watcher->setFuture(QtConcurrent::run([layouter, e] { return layouter->layout(e); }));
    });
    drawMs = -1;
    panel.setGraph(graph); // the default view first, drawn before the clock starts
    while (drawMs < 0)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    qint64 longest = 0;
    QElapsedTimer sinceTick;
    QTimer ticker;
    QObject::connect(&ticker, &QTimer::timeout, [&] { longest = std::max(longest, sinceTick.restart()); });
    drawMs = -1;
    sinceTick.start();
    ticker.start(5);
    panel.setExpansion(expandedExpansion(*graph));
    while (drawMs < 0)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    for (int i = 0; i < 10; ++i) // the repaint after the draw
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 10);
    ticker.stop();
    return longest;
}

void run(const std::string& path, const std::string& name, int runs)
{
    const auto loadStart = std::chrono::steady_clock::now();
    std::unique_ptr<Model> model = Model::load(path);
    const double loadMs = msSince(loadStart);
    const SampleSet probe = probeFor(name);
    std::shared_ptr<const ModelGraph> graph;
    const double buildMs = medianMs(runs, [&] { graph = std::make_shared<const ModelGraph>(buildModelGraph(*model, &probe)); });
    size_t groups = 0;
    for (size_t n = 0; n < graph->nodes.size(); ++n)
        groups += graph->isGroup(int(n)) ? 1 : 0;
    std::printf("%s: %.1f M parameters, %zu layers; graph of %zu nodes in %zu groups, %zu edges\n", name.c_str(),
                double(model->totalParams()) / 1e6, model->layers().size(), graph->nodes.size() - groups, groups,
                graph->edges.size());
    std::printf("  load %.0f ms; build (inline, fold, one-sample forward) %.0f ms\n", loadMs, buildMs);

    int runsCollapsed = 0, runsExpanded = 0;
    const double collapsedMs = medianMs(runs, [&] {
        GraphLayouter fresh(*graph);
        runsCollapsed = fresh.layout(collapsedExpansion(*graph)).groupsLaidOut;
    });
    GraphLayout expanded;
    const double expandedMs = medianMs(runs, [&] {
        GraphLayouter fresh(*graph);
        expanded = fresh.layout(expandedExpansion(*graph));
        runsExpanded = expanded.groupsLaidOut;
    });
    // Warm: the default view laid out, then the first closed group in it opened.
    GraphLayouter warm(*graph);
    GraphExpansion open = defaultExpansion(*graph);
    warm.layout(open);
    int closed = -1;
    for (size_t n = 1; n < graph->nodes.size() && closed < 0; ++n)
        if (graph->isGroup(int(n)) && !open[n] && open[size_t(graph->nodes[n].parent)])
            closed = int(n);
    double openMs = 0.0;
    int openRuns = 0;
    if (closed > 0) {
        open[size_t(closed)] = 1;
        const auto start = std::chrono::steady_clock::now();
        openRuns = warm.layout(open).groupsLaidOut;
        openMs = msSince(start);
    }
    const GraphColoring coloring = colorGraph(*graph, LayerFigure::Bits, FigureAggregate::Mean,
                                              std::vector<double>(model->layers().size(), 32.0));
    const double flatMs = flatDotMs(*graph, coloring);
    std::printf("  layout, cold cache (median of %d): collapsed %.1f ms (%d dot runs), expanded %.1f ms (%d dot runs, "
                "%.0f x %.0f pt)\n",
                runs, collapsedMs, runsCollapsed, expandedMs, runsExpanded, expanded.width, expanded.height);
    std::printf("  opening %s in the default view, warm cache: %.1f ms (%d dot runs)\n",
                closed > 0 ? graph->nodes[size_t(closed)].id.c_str() : "(none closed)", openMs, openRuns);
    std::printf("  peer, Graphviz dot on the whole expanded graph at once (clusters): %.1f ms\n", flatMs);
    double drawMs = 0.0;
    const qint64 stall = longestStallWhileLayingOut(graph, drawMs);
    std::printf("  GUI: drawing the expanded layout %.1f ms on the GUI thread; longest event-loop stall while the "
                "dock laid it out and drew it: %lld ms\n",
                drawMs, static_cast<long long>(stall));
}

} // namespace

int main(int argc, char** argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    std::string dir = "/tmp/bitlens_graph_bench";
    int runs = 3;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = std::max(1, std::atoi(argv[++i]));
        else
            dir = argv[i];
    }
    configureThreads(0);
    std::printf("bench_graph: %d cores, %d threads, %d runs\n", coreCount(), threadCount(), runs);
    if (!std::filesystem::exists(dir + "/gpt85m.pt")) {
        const std::string command = "/usr/bin/python3 " BITLENS_SOURCE_DIR "/tests/support/make_graph_models.py " + dir;
        std::printf("making the models: %s\n", command.c_str());
        if (std::system(command.c_str()) != 0)
            return 1;
    }
    run(dir + "/resnet50.pt", "resnet50", runs);
    run(dir + "/gpt85m.pt", "gpt85m", runs);
    return 0;
}
