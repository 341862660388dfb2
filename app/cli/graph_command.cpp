// bitlens-cli graph: the model's graph coloured by a per-layer figure, as a figure, DOT or the
// node data of Model Explorer and Netron.

#include "cli_commands.h"
#include "cli_support.h"

#include "core/errors.h"
#include "core/graph/graph_export.h"
#include "core/io/analysis_bundle.h"
#include "core/stopwatch.h"

#include <iostream>

namespace bitlens::cli {
namespace {

GraphExpansion expansionFrom(const std::string& name, const ModelGraph& graph)
{
    if (name == "none")
        return collapsedExpansion(graph);
    if (name == "all")
        return expandedExpansion(graph);
    if (name == "auto")
        return defaultExpansion(graph);
    throw UsageError("--expand " + name + " is not one of none, auto, all");
}

FigureAggregate aggregateFrom(const std::string& name, LayerFigure figure)
{
    if (name.empty())
        return figureInfo(figure).aggregate;
    for (FigureAggregate a : {FigureAggregate::Max, FigureAggregate::Sum, FigureAggregate::Mean})
        if (name == aggregateName(a))
            return a;
    throw UsageError("--aggregate " + name + " is not one of max, sum, mean");
}

// The model's dataset gives the edges' shapes; a graph without them is still worth drawing.
std::unique_ptr<SampleSet> probeFor(const std::string& modelPath, const CliArgs& args, Progress& progress)
{
    DatasetOptions options = defaultDatasetOptionsFor(modelPath);
    options.calibrationSize = 1;
    options.contextLength = args.integer("context", options.contextLength, 1);
    try {
        const std::string data = args.options.count("data") ? args.value("data", "") : defaultDatasetFor(modelPath);
        return std::make_unique<SampleSet>(loadDataset(data, options, progress).evaluation);
    } catch (const Error& e) {
        std::cerr << "bitlens-cli: no tensor shapes on the graph: " << e.what() << "\n";
        return nullptr;
    }
}

} // namespace

int runGraph(const CliArgs& args)
{
    const std::vector<std::string> outputs = splitList(args.value("out", ""), ',');
    if (outputs.empty())
        throw UsageError("'graph' needs --out FILE (.svg, .pdf, .dot, .json, .metrics.json; several comma-separated)");
    std::vector<GraphFileFormat> formats;
    for (const std::string& out : outputs)
        formats.push_back(graphFileFormat(out));

    TerminalProgress progress(args);
    const std::string modelPath = modelArgument(args);
    std::unique_ptr<Model> model = Model::load(modelPath);
    const std::unique_ptr<SampleSet> probe = probeFor(modelPath, args, progress);
    ModelAnalysis analysis;
    if (args.options.count("bundle")) {
        analysis = readAnalysisBundle(args.value("bundle", ""));
        if (analysis.layers.size() != model->layers().size())
            throw Error(args.value("bundle", "") + " is an analysis of " + analysis.modelPath + ", not of " + modelPath);
    }
    const CompressionPlan plan = args.options.count("plan") ? readPlanFor(*model, args.value("plan", "")) : CompressionPlan{};
    const FigureSource source{&model->layers(), model->totalParams(), args.options.count("bundle") ? &analysis : nullptr,
                              &plan, args.value("estimator", "")};

    auto start = std::chrono::steady_clock::now();
    const ModelGraph graph = buildModelGraph(*model, probe.get());
    const double buildSeconds = secondsSince(start);
    const LayerFigure figure = args.options.count("color") ? layerFigureFromId(args.value("color", "")) : defaultFigure(source);
    const GraphColoring coloring = colorGraph(graph, figure, aggregateFrom(args.value("aggregate", ""), figure), source);
    const GraphExpansion open = expansionFrom(args.value("expand", "auto"), graph);
    GraphLayouter layouter(graph);
    GraphLayout layout;
    double layoutSeconds = 0.0;
    for (size_t i = 0; i < outputs.size(); ++i) {
        if (drawsGraph(formats[i]) && layout.nodes.empty()) {
            start = std::chrono::steady_clock::now();
            layout = layouter.layout(open);
            layoutSeconds = secondsSince(start);
        }
        writeGraphFile(outputs[i], graph, open, layout, coloring, source);
    }
    size_t groups = 0;
    for (size_t n = 0; n < graph.nodes.size(); ++n)
        groups += graph.isGroup(static_cast<int>(n)) ? 1 : 0;
    std::cout << modelPath << ": " << graph.nodes.size() - groups << " nodes in " << groups << " groups, "
              << graph.edges.size() << " edges (built in " << static_cast<int>(buildSeconds * 1000) << " ms";
    if (!layout.nodes.empty())
        std::cout << ", laid out in " << static_cast<int>(layoutSeconds * 1000) << " ms";
    std::cout << "); coloured by " << figureInfo(figure).id << "\n";
    for (const std::string& out : outputs)
        std::cout << "  wrote " << out << "\n";
    return 0;
}

} // namespace bitlens::cli
