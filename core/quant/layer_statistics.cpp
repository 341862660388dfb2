#include "layer_statistics.h"

#include "../data/sample_set.h"
#include "../model/layer_inputs.h"
#include "../progress.h"
#include "input_transform.h"

namespace bitlens {
namespace {

// How a convolution slides over its input: what unfolding the input into X needs.
struct ConvGeometry {
    std::vector<int64_t> kernel, stride, padding, dilation;
    int64_t groups = 1;
};

std::vector<int64_t> intList(const torch::jit::Node* node, size_t input, const char* what, std::string& why)
{
    const torch::jit::Value* value = node->input(input);
    if (const std::optional<c10::IValue> v = torch::jit::toIValue(value); v && v->isIntList())
        return v->toIntVector();
    // Scripted and traced models build the list in the graph from constants.
    std::vector<int64_t> list;
    if (value->node()->kind() == c10::prim::ListConstruct) {
        for (const torch::jit::Value* item : value->node()->inputs()) {
            const std::optional<c10::IValue> v = torch::jit::toIValue(item);
            if (!v || !v->isInt())
                break;
            list.push_back(v->toInt());
        }
        if (list.size() == value->node()->inputs().size())
            return list;
    }
    if (why.empty())
        why = std::string("its convolution's ") + what + " is not a constant list of integers";
    return {};
}

// Unfold's arguments for an aten::conv1d / conv2d / _convolution node; `why` says what is unusable.
ConvGeometry convGeometry(const torch::jit::Node* node, const std::vector<int64_t>& weightShape, std::string& why)
{
    const bool general = node->kind() == c10::Symbol::fromQualString("aten::_convolution");
    ConvGeometry g;
    g.kernel.assign(weightShape.begin() + 2, weightShape.end());
    g.stride = intList(node, 3, "stride", why);
    g.padding = intList(node, 4, "padding", why);
    g.dilation = intList(node, 5, "dilation", why);
    if (general) {
        const std::optional<c10::IValue> transposed = torch::jit::toIValue(node->input(6));
        if (!transposed || !transposed->isBool() || transposed->toBool())
            why = "it is a transposed convolution";
    }
    const std::optional<c10::IValue> groups = torch::jit::toIValue(node->input(general ? 8 : 6));
    g.groups = groups && groups->isInt() ? groups->toInt() : 0;
    if (g.groups != 1 && why.empty())
        why = "it is a grouped convolution";
    return g;
}

// X: one row per position the weight is applied at, its columns in the weight matrix's order.
torch::Tensor inputRows(const torch::Tensor& x, const ConvGeometry* conv)
{
    if (!conv)
        return x.reshape({-1, x.size(-1)});
    const bool oneD = conv->kernel.size() == 1;
    auto two = [&](const std::vector<int64_t>& v, int64_t fill) {
        return oneD ? std::vector<int64_t>{fill, v[0]} : v;
    };
    const torch::Tensor image = oneD ? x.unsqueeze(2) : x;
    const torch::Tensor patches = torch::im2col(image, two(conv->kernel, 1), two(conv->dilation, 1),
                                                two(conv->padding, 0), two(conv->stride, 1));
    return patches.transpose(1, 2).reshape({-1, patches.size(1)});
}

} // namespace

std::vector<LayerStatistics> collectLayerStatistics(Model& model, const SampleSet& calibration,
                                                    const std::vector<bool>& gram, Progress& progress)
{
    Model::Impl& m = model.impl();
    const LayerGraph& graph = m.layerGraph();
    std::vector<LayerStatistics> stats(m.layers.size());
    std::vector<std::optional<ConvGeometry>> conv(m.layers.size());
    for (const LayerGraph::Call& call : graph.calls()) {
        const LayerInfo& layer = m.layers[call.layer];
        LayerStatistics& s = stats[call.layer];
        if (layer.kind == LayerKind::Embedding)
            s.unavailable = "it is an embedding";
        else if ((layer.kind == LayerKind::Conv1d || layer.kind == LayerKind::Conv2d) && !conv[call.layer])
            conv[call.layer] = convGeometry(call.node, layer.weightShape, s.unavailable);
    }
    std::vector<int64_t> counted(m.layers.size(), 0); // values summed into channelMeanAbs, per channel
    forEachLayerInput(m, calibration, progress, 0.0, 1.0, "Layer input statistics", [&](size_t l, const torch::Tensor& x) {
        LayerStatistics& s = stats[l];
        if (!s.unavailable.empty())
            return;
        if (!x.is_floating_point()) {
            s.unavailable = "its input is not a float tensor";
            return;
        }
        const int64_t channelDim = inputChannelDim(m.layers[l].kind, x.dim());
        const int64_t expected = m.layers[l].weightShape[1];
        if (x.size(channelDim) != expected) {
            s.unavailable = "its input has " + std::to_string(x.size(channelDim)) + " channels where the weight reads "
                + std::to_string(expected);
            return;
        }
        const torch::Tensor a = x.detach().to(torch::kFloat64).abs().transpose(channelDim, -1);
        const torch::Tensor perChannel = a.reshape({-1, a.size(-1)});
        if (s.channels == 0) {
            s.channels = expected;
            s.channelMeanAbs = torch::zeros({expected}, torch::kFloat64);
            s.channelMaxAbs = torch::zeros({expected}, torch::kFloat64);
        }
        s.channelMeanAbs.add_(perChannel.sum(0));
        s.channelMaxAbs = torch::maximum(s.channelMaxAbs, std::get<0>(perChannel.max(0)));
        counted[l] += perChannel.size(0);
        if (gram[l]) {
            // Each batch's product in float32 (half the time of float64), summed over batches in float64.
            const torch::Tensor rows = inputRows(x.detach(), conv[l] ? &*conv[l] : nullptr).to(torch::kFloat32);
            if (!s.gram.defined())
                s.gram = torch::zeros({rows.size(1), rows.size(1)}, torch::kFloat64);
            s.gram.add_(rows.t().matmul(rows).to(torch::kFloat64));
            s.rows += rows.size(0);
        }
    });
    for (size_t l = 0; l < stats.size(); ++l) {
        if (stats[l].unavailable.empty() && counted[l] == 0)
            stats[l].unavailable = "it was not called on the calibration set";
        if (counted[l] > 0)
            stats[l].channelMeanAbs.div_(static_cast<double>(counted[l]));
    }
    return stats;
}

const std::vector<LayerStatistics>& cachedLayerStatistics(Model& model, const SampleSet& calibration,
                                                          const std::vector<bool>& gram, Progress& progress)
{
    Model::Impl& m = model.impl();
    const std::string key = calibration.cacheKey();
    std::vector<bool> wanted = gram;
    bool complete = m.statisticsKey == key && m.statistics.size() == gram.size();
    for (size_t l = 0; l < gram.size(); ++l) {
        const bool have = complete && m.statistics[l].gram.defined();
        complete = complete && (!gram[l] || have || !m.statistics[l].unavailable.empty());
        wanted[l] = gram[l] || (m.statisticsKey == key && l < m.statistics.size() && m.statistics[l].gram.defined());
    }
    if (!complete) {
        m.statistics = collectLayerStatistics(model, calibration, wanted, progress);
        m.statisticsKey = key;
    }
    return m.statistics;
}

} // namespace bitlens
