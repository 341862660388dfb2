// The model as a graph (core/graph): its layer nodes are the model's layers, for the demos and for
// every zoo export of PyTorch 2.11; edges are the data dependencies the models' source code
// writes (a residual add reads the block's last norm and its shortcut); shapes are the forward's;
// colours follow the figure; the layout nests and separates boxes; the exported files have the
// structure Model Explorer's and Netron's readers expect.

#include "core/data/dataset.h"
#include "core/errors.h"
#include "core/graph/graph_export.h"
#include "core/model/model.h"
#include "core/progress.h"
#include "test_paths.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QXmlStreamReader>
#include <QtTest>

#include <cmath>
#include <numeric>
#include <map>
#include <set>

using namespace bitlens;

namespace {

QString zooPath(const QString& file)
{
    return QStringLiteral(BITLENS_ZOO_DIR "/") + file;
}

std::set<int> inputsOf(const ModelGraph& g, int node)
{
    std::set<int> in;
    for (const GraphEdge& e : g.edges)
        if (e.to == node)
            in.insert(e.from);
    return in;
}

int node(const ModelGraph& g, const char* id)
{
    const int n = g.find(id);
    if (n < 0)
        qFatal("no node %s", id);
    return n;
}

// Structure every graph must have: a tree of groups over the leaves, edges between leaves,
// unique ids, no cycle, every leaf reached from an input.
void checkWellFormed(const ModelGraph& g)
{
    std::set<std::string> ids;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const GraphNode& n = g.nodes[i];
        QVERIFY2(ids.insert(n.id).second, n.id.c_str());
        if (i == 0)
            continue;
        QVERIFY(n.parent >= 0 && g.isGroup(n.parent));
        const auto& siblings = g.nodes[size_t(n.parent)].children;
        QCOMPARE(std::count(siblings.begin(), siblings.end(), int(i)), 1);
        // A module with one leaf is that leaf; one with one submodule stays a group (heads.head).
        if (n.kind == GraphNodeKind::Group && n.children.size() < 2)
            QVERIFY2(g.nodes[size_t(n.children.front())].id.rfind(n.id + ".", 0) == 0, n.id.c_str());
    }
    std::vector<int> indegree(g.nodes.size(), 0);
    std::vector<std::vector<int>> out(g.nodes.size());
    for (const GraphEdge& e : g.edges) {
        QVERIFY(!g.isGroup(e.from) && !g.isGroup(e.to));
        ++indegree[size_t(e.to)];
        out[size_t(e.from)].push_back(e.to);
    }
    // Acyclic: Kahn's order takes every leaf.
    std::vector<int> ready;
    size_t leaves = 0;
    for (size_t i = 0; i < g.nodes.size(); ++i)
        if (!g.isGroup(int(i))) {
            ++leaves;
            if (indegree[i] == 0)
                ready.push_back(int(i));
        }
    const std::vector<int> zeroIn = ready;
    size_t sorted = 0;
    while (!ready.empty()) {
        const int n = ready.back();
        ready.pop_back();
        ++sorted;
        for (int m : out[size_t(n)])
            if (--indegree[size_t(m)] == 0)
                ready.push_back(m);
    }
    QCOMPARE(sorted, leaves);
    // Every leaf computes on the data: reached from an input, or a layer reading constants only
    // (position embeddings), which starts a chain of its own.
    std::vector<int> reached(g.nodes.size(), 0), stack;
    for (int n : zeroIn)
        if (g.nodes[size_t(n)].kind == GraphNodeKind::Input || g.nodes[size_t(n)].kind == GraphNodeKind::Layer)
            stack.push_back(n);
    while (!stack.empty()) {
        const int n = stack.back();
        stack.pop_back();
        if (reached[size_t(n)]++)
            continue;
        stack.insert(stack.end(), out[size_t(n)].begin(), out[size_t(n)].end());
    }
    for (size_t i = 0; i < g.nodes.size(); ++i)
        if (!g.isGroup(int(i)))
            QVERIFY2(reached[i], g.nodes[i].id.c_str());
    QVERIFY(reached[size_t(g.find("/output"))]);
}

// Every layer has at least one Layer node and every Layer node names a layer.
void checkLayers(const ModelGraph& g, const Model& model)
{
    for (size_t l = 0; l < model.layers().size(); ++l)
        QVERIFY2(!g.layerNodes(int(l)).empty(), model.layers()[l].name.c_str());
    for (const GraphNode& n : g.nodes)
        if (n.kind == GraphNodeKind::Layer)
            QVERIFY(n.layer >= 0 && n.layer < int(model.layers().size()));
    std::vector<int> all(model.layers().size());
    std::iota(all.begin(), all.end(), 0);
    QCOMPARE(g.layersUnder(0), all);
}

} // namespace

class TstModelGraph : public QObject {
    Q_OBJECT

private slots:
    void demoLayersAndStructure_data()
    {
        QTest::addColumn<QString>("name");
        for (const char* n : {"fmnist_cnn", "fmnist_resnet", "fortunes_lm"})
            QTest::newRow(n) << n;
    }
    void demoLayersAndStructure()
    {
        QFETCH(QString, name);
        const auto model = Model::load(testing::demoModel(name.toLatin1()).toStdString());
        const ModelGraph g = buildModelGraph(*model, nullptr);
        checkWellFormed(g);
        checkLayers(g, *model);
        if (QTest::currentTestFailed())
            return;
        // A demo's layers are modules of their own: each is its module's one leaf, named by it.
        for (size_t l = 0; l < model->layers().size(); ++l)
            QCOMPARE(g.nodes[size_t(g.layerNodes(int(l)).front())].id, model->layers()[l].name);
    }

    // The zoo's PyTorch 2.11 exports, traced Hugging Face and torchvision models.
    void zooLayersAndStructure_data()
    {
        QTest::addColumn<QString>("name");
        const QJsonObject refs = readReferences()["models"].toObject();
        for (const QString& name : refs.keys())
            QTest::newRow(name.toLatin1()) << name;
    }
    void zooLayersAndStructure()
    {
        QFETCH(QString, name);
        const QJsonObject ref = readReferences()["models"].toObject()[name].toObject();
        const auto model = Model::load(zooPath(name + ".pt").toStdString());
        const ModelGraph g = buildModelGraph(*model, nullptr);
        checkWellFormed(g);
        checkLayers(g, *model);
        if (QTest::currentTestFailed())
            return;
        // PyTorch's module names: a layer's node is its module (Hugging Face's fused and Conv1D
        // projections included), or where its module is never called but its weight read (swin's
        // attention reads qkv.weight), named by it in the caller; a tied head is a Layer node of
        // the weight it shares.
        for (const QJsonValue& v : ref["layers"].toArray()) {
            const QJsonObject l = v.toObject();
            const std::string module = l["name"].toString().toStdString();
            const std::string owner = l.contains("tied_to") ? l["tied_to"].toString().toStdString() : module;
            int layer = -1;
            for (size_t i = 0; i < model->layers().size(); ++i)
                if (model->layers()[i].name == owner || model->layers()[i].name == owner + ".weight")
                    layer = int(i);
            QVERIFY2(layer >= 0, owner.c_str());
            bool found = false;
            const std::string parent = module.substr(0, module.rfind('.'));
            const std::string inCaller = parent + "/" + module.substr(module.rfind('.') + 1);
            for (int n : g.layerNodes(layer))
                found = found || g.nodes[size_t(n)].id == module || g.nodes[size_t(n)].id == inCaller;
            QVERIFY2(found, module.c_str());
            // A tied head and its embedding are marked as sharing their weight.
            if (l.contains("tied_to")) {
                const FigureSource source{&model->layers(), 0, nullptr, nullptr, ""};
                const std::vector<std::string> badges = layerBadges(g, source);
                for (int n : g.layerNodes(layer))
                    QCOMPARE(badges[size_t(n)], std::string("shared"));
                QCOMPARE(g.layerNodes(layer).size(), size_t(2));
            }
        }
    }

    // train_fmnist.py's BasicBlock: relu(bn2(conv2(relu(bn1(conv1(x))))) + downsample(x)).
    void residualAddsReadTheBlockAndItsShortcut()
    {
        const auto model = Model::load(testing::demoModel("fmnist_resnet").toStdString());
        const ModelGraph g = buildModelGraph(*model, nullptr);
        const int add1 = node(g, "layer1/add");
        QCOMPARE(inputsOf(g, add1), (std::set<int>{node(g, "layer1.bn2"), node(g, "stem.2")}));
        QCOMPARE(inputsOf(g, node(g, "layer1.conv1")), std::set<int>{node(g, "stem.2")});
        const int add2 = node(g, "layer2/add");
        QCOMPARE(inputsOf(g, add2), (std::set<int>{node(g, "layer2.bn2"), node(g, "layer2.downsample.1")}));
        QCOMPARE(inputsOf(g, node(g, "layer2.downsample.0")), std::set<int>{node(g, "layer1/relu_1")});
        // fc(flatten(adaptive_avg_pool2d(x, 1), 1)): flatten only reshapes, so the edge passes it.
        QCOMPARE(inputsOf(g, node(g, "fc")), std::set<int>{node(g, "/adaptive_avg_pool2d")});
        QCOMPARE(g.find("/flatten"), -1);
        QCOMPARE(g.nodes[size_t(g.find("layer2"))].type, std::string("BasicBlock"));
        QVERIFY(g.inside(add2, g.find("layer2")));
    }

    // One sample's forward: a layer's output has its weight's output channels, the last node the
    // logits' shape.
    void shapesAreTheForwards()
    {
        const auto model = Model::load(testing::demoModel("fmnist_resnet").toStdString());
        NullProgress progress;
        DatasetOptions options;
        options.calibrationSize = 8;
        const DatasetSplits data = loadDataset(testing::fashionMnistDir().toStdString(), options, progress);
        const ModelGraph g = buildModelGraph(*model, &data.evaluation);
        QVERIFY(g.shapesKnown);
        for (size_t l = 0; l < model->layers().size(); ++l) {
            const GraphNode& n = g.nodes[size_t(g.layerNodes(int(l)).front())];
            QCOMPARE(n.shape.front(), int64_t(1));
            QCOMPARE(n.shape[1], model->layers()[l].weightShape[0]);
        }
        QCOMPARE(g.nodes[size_t(node(g, "fc"))].shape, (std::vector<int64_t>{1, 10}));
        QCOMPARE(g.nodes[size_t(node(g, "layer4/add"))].shape, g.nodes[size_t(node(g, "layer4.bn2"))].shape);
    }

    // A leaf takes its layer's value, a group the max, sum or mean of the layers whose names lie
    // under its module (counted here from the names, not from the graph's tree); colours rise
    // with the value along the scale.
    void coloursFollowTheFigure()
    {
        const auto model = Model::load(testing::demoModel("fmnist_resnet").toStdString());
        const ModelGraph g = buildModelGraph(*model, nullptr);
        const auto& layers = model->layers();
        std::vector<double> values;
        for (size_t l = 0; l < layers.size(); ++l)
            values.push_back(double(layers[l].weightParams));
        for (FigureAggregate a : {FigureAggregate::Max, FigureAggregate::Sum, FigureAggregate::Mean}) {
            const GraphColoring c = colorGraph(g, LayerFigure::Bytes, a, values);
            for (const char* group : {"layer1", "layer2", "layer2.downsample", "stem"}) {
                std::vector<double> under;
                for (size_t l = 0; l < layers.size(); ++l)
                    if (layers[l].name.rfind(std::string(group) + ".", 0) == 0)
                        under.push_back(values[l]);
                double expected = a == FigureAggregate::Max ? *std::max_element(under.begin(), under.end()) : 0.0;
                if (a != FigureAggregate::Max)
                    expected = std::accumulate(under.begin(), under.end(), 0.0) / (a == FigureAggregate::Sum ? 1.0 : double(under.size()));
                QCOMPARE(c.nodeValues[size_t(node(g, group))], expected);
            }
            QVERIFY(std::isnan(c.nodeValues[size_t(node(g, "layer1/add"))]));
        }
        const GraphColoring c = colorGraph(g, LayerFigure::Bytes, FigureAggregate::Max, values);
        const auto largest = size_t(std::max_element(values.begin(), values.end()) - values.begin());
        const auto smallest = size_t(std::min_element(values.begin(), values.end()) - values.begin());
        QCOMPARE(c.nodeColors[size_t(g.layerNodes(int(largest)).front())], (Rgb{253, 231, 37})); // viridis' top
        QCOMPARE(c.nodeColors[size_t(g.layerNodes(int(smallest)).front())], (Rgb{68, 1, 84}));   // and bottom
        QVERIFY(c.scale.logarithmic); // 16 to 147,456 weights: more than 100x
        // A plan's figures: bits per layer as planned, a method by name.
        CompressionPlan plan;
        plan.layers["fc"].weight.bits = 8;
        plan.layers["fc"].weight.format = NumberFormat::Int;
        plan.layers["fc"].weight.method = QuantMethod::Gptq;
        const FigureSource source{&layers, model->totalParams(), nullptr, &plan, ""};
        const std::vector<double> bits = layerFigureValues(LayerFigure::Bits, source);
        QCOMPARE(bits[size_t(g.nodes[size_t(node(g, "fc"))].layer)], 8.0);
        QCOMPARE(bits[0], 32.0);
        const std::vector<double> methods = layerFigureValues(LayerFigure::Method, source);
        QCOMPARE(methodNames()[size_t(methods[size_t(g.nodes[size_t(node(g, "fc"))].layer)])], std::string("gptq"));
        QVERIFY(std::isnan(layerFigureValues(LayerFigure::TopEigenvalue, source)[0])); // nothing analysed
        // Badges: a pin, a tie group.
        const std::set<std::string> pins{"fc"};
        const std::vector<std::vector<std::string>> ties{{"layer1.conv1", "layer1.conv2"}};
        const FigureSource marks{&layers, 0, nullptr, nullptr, "", &pins, &ties};
        const std::vector<std::string> badges = layerBadges(g, marks);
        QCOMPARE(badges[size_t(node(g, "fc"))], std::string("pin"));
        QCOMPARE(badges[size_t(node(g, "layer1.conv2"))], std::string("tie 1"));
        QCOMPARE(badges[size_t(node(g, "layer2.conv1"))], std::string());
    }

    // Boxes nest in their open group's frame and do not overlap their siblings; edges start and
    // end on boxes; opening one group lays out only it and its ancestors again.
    void layoutNestsAndCaches()
    {
        const auto model = Model::load(zooPath("gpt2.pt").toStdString());
        const ModelGraph g = buildModelGraph(*model, nullptr);
        GraphLayouter layouter(g);
        const GraphExpansion all = expandedExpansion(g);
        const GraphLayout layout = layouter.layout(all);
        std::map<int, const PlacedNode*> placed;
        for (const PlacedNode& p : layout.nodes)
            placed[p.node] = &p;
        QCOMPARE(placed.size(), g.nodes.size() - 1); // every node but the root
        const double eps = 1e-6;
        for (const PlacedNode& p : layout.nodes) {
            QVERIFY(p.width > 0 && p.height > 0);
            const int parent = g.nodes[size_t(p.node)].parent;
            if (parent > 0) {
                const PlacedNode& f = *placed[parent];
                QVERIFY2(p.x >= f.x - eps && p.y >= f.y + kGroupHeader - 1 && p.x + p.width <= f.x + f.width + eps
                             && p.y + p.height <= f.y + f.height + eps,
                         g.nodes[size_t(p.node)].id.c_str());
            }
            for (const PlacedNode& q : layout.nodes)
                if (&q != &p && g.nodes[size_t(q.node)].parent == parent)
                    QVERIFY2(p.x + p.width <= q.x + eps || q.x + q.width <= p.x + eps || p.y + p.height <= q.y + eps
                                 || q.y + q.height <= p.y + eps,
                             (g.nodes[size_t(p.node)].id + " overlaps " + g.nodes[size_t(q.node)].id).c_str());
        }
        const auto onBorder = [](const PlacedNode& b, GraphPoint pt) {
            return pt.x >= b.x - 2 && pt.x <= b.x + b.width + 2 && pt.y >= b.y - 2 && pt.y <= b.y + b.height + 2;
        };
        for (const PlacedEdge& e : layout.edges) {
            QVERIFY(e.path.size() >= 4 && (e.path.size() - 1) % 3 == 0);
            QVERIFY(onBorder(*placed[e.from], e.path.front()) || placed[e.from]->open);
            QVERIFY(onBorder(*placed[e.to], e.path.back()) || placed[e.to]->open);
        }
        // Every data edge shows once all is open: directly between siblings; else it leaves its
        // source towards a group holding the target, and enters the target from a group holding
        // the source or from the target's own group's border.
        std::set<std::pair<int, int>> drawn;
        for (const PlacedEdge& e : layout.edges)
            drawn.insert({e.from, e.to});
        for (const GraphEdge& e : g.edges) {
            const int pa = g.nodes[size_t(e.from)].parent, pb = g.nodes[size_t(e.to)].parent;
            if (pa == pb) {
                QVERIFY(drawn.count({e.from, e.to}));
                continue;
            }
            QVERIFY(std::any_of(drawn.begin(), drawn.end(), [&](const auto& d) {
                return d.first == e.from && (d.second == pa || g.inside(e.to, d.second));
            }));
            QVERIFY(std::any_of(drawn.begin(), drawn.end(), [&](const auto& d) {
                return d.second == e.to && (d.first == pb || g.inside(e.from, d.first));
            }));
        }

        GraphExpansion some = collapsedExpansion(g);
        GraphLayouter fresh(g);
        QCOMPARE(fresh.layout(some).groupsLaidOut, 1);
        const int transformer = node(g, "transformer");
        some[size_t(transformer)] = 1;
        QCOMPARE(fresh.layout(some).groupsLaidOut, 2); // the transformer, then the root around it
        const int block = node(g, "transformer.h.0");
        some[size_t(node(g, "transformer.h"))] = 1;
        some[size_t(block)] = 1;
        QCOMPARE(fresh.layout(some).groupsLaidOut, 1 + g.depth(block)); // the block and its 3 ancestors
        QCOMPARE(fresh.layout(some).groupsLaidOut, 0);
    }

    // The files: SVG is XML with a box per visible node; the PDF's cross-reference table points
    // at its objects; DOT has a cluster per open group; Model Explorer's node data and Netron's
    // attachment have the fields their readers look up.
    void exportedFilesHaveTheirFormats()
    {
        const auto model = Model::load(testing::demoModel("fmnist_resnet").toStdString());
        const ModelGraph g = buildModelGraph(*model, nullptr);
        CompressionPlan plan;
        plan.defaults.weight.format = NumberFormat::Int;
        plan.defaults.weight.bits = 4;
        plan.layers["fc"] = plan.defaults;
        plan.layers["fc"].weight.bits = 8;
        const FigureSource source{&model->layers(), model->totalParams(), nullptr, &plan, ""};
        const GraphColoring c = colorGraph(g, LayerFigure::Bits, FigureAggregate::Mean, layerFigureValues(LayerFigure::Bits, source));
        const GraphExpansion open = defaultExpansion(g);
        GraphLayouter layouter(g);
        const GraphLayout layout = layouter.layout(open);

        const std::string svg = graphSvg(g, layout, c);
        QXmlStreamReader xml(QByteArray::fromStdString(svg));
        int rects = 0, texts = 0;
        while (!xml.atEnd())
            if (xml.readNext() == QXmlStreamReader::StartElement) {
                rects += xml.name() == QLatin1String("rect");
                texts += xml.name() == QLatin1String("text");
            }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY(rects > int(layout.nodes.size()));
        QVERIFY(svg.find(">fc</text>") != std::string::npos);

        const std::string pdf = graphPdf(g, layout, c);
        QVERIFY(pdf.rfind("%PDF-1.4", 0) == 0);
        const size_t xref = std::stoul(pdf.substr(pdf.rfind("startxref") + 10));
        QCOMPARE(pdf.substr(xref, 4), std::string("xref"));
        for (int obj = 1; obj <= 6; ++obj) {
            const size_t offset = std::stoul(pdf.substr(xref + 9 + size_t(obj) * 20, 10));
            QCOMPARE(pdf.substr(offset, std::to_string(obj).size() + 6), std::to_string(obj) + " 0 obj");
        }

        const std::string dot = graphDot(g, open, c);
        int openGroups = 0;
        for (size_t i = 1; i < g.nodes.size(); ++i)
            openGroups += open[i] ? 1 : 0;
        int clusters = 0;
        for (size_t at = 0; (at = dot.find("subgraph cluster_", at)) != std::string::npos; ++at)
            ++clusters;
        QCOMPARE(clusters, openGroups);

        const QJsonObject me = QJsonDocument::fromJson(QByteArray::fromStdString(modelExplorerNodeData(g, c))).object();
        QCOMPARE(me.keys(), QStringList{"fmnist_resnet"});
        const QJsonObject results = me["fmnist_resnet"].toObject()["results"].toObject();
        QCOMPARE(results.size(), int(model->layers().size()));
        QCOMPARE(results["fc"].toObject()["value"].toDouble(), 8.0);
        QCOMPARE(results["layer1.conv1"].toObject()["value"].toDouble(), 4.0);
        QVERIFY(results["fc"].toObject()["bgColor"].toString().startsWith('#'));
        const QJsonArray gradient = me["fmnist_resnet"].toObject()["gradient"].toArray();
        QCOMPARE(gradient.first().toObject()["stop"].toDouble(), 0.0);
        QCOMPARE(gradient.last().toObject()["stop"].toDouble(), 1.0);

        const QJsonObject netron = QJsonDocument::fromJson(QByteArray::fromStdString(netronMetrics(g, source))).object();
        QCOMPARE(netron["signature"].toString(), QString("netron:attachment"));
        int bitsEntries = 0;
        for (const QJsonValue& v : netron["metrics"].toArray()) {
            const QJsonObject m = v.toObject();
            QCOMPARE(m["kind"].toString(), QString("node"));
            QVERIFY(g.find(m["target"].toString().toStdString()) > 0);
            QVERIFY(m["value"].isDouble());
            if (m["name"].toString() == "bits")
                ++bitsEntries;
        }
        QCOMPARE(bitsEntries, int(model->layers().size()));
        QCOMPARE(graphFileFormat("out/model.metrics.json"), GraphFileFormat::NetronMetrics);
        QCOMPARE(graphFileFormat("nodes.JSON"), GraphFileFormat::ModelExplorerNodeData);
        QVERIFY_THROWS_EXCEPTION(Error, graphFileFormat("graph.png"));
    }

private:
    static QJsonObject readReferences()
    {
        QFile f(zooPath("references.json"));
        if (!f.open(QIODevice::ReadOnly))
            qFatal("no zoo references");
        return QJsonDocument::fromJson(f.readAll()).object();
    }
};

QTEST_GUILESS_MAIN(TstModelGraph)
#include "tst_model_graph.moc"
