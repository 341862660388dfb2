#include "model_impl.h"

#include "compat_ops.h"
#include "torchscript_archive.h"

#include "../data/batch_tensor.h"
#include "../errors.h"
#include "../runtime.h"
#include "../torch_error.h"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace bitlens {
namespace {

// "aten::scaled_dot_product_attention" from TorchScript's "Unknown builtin op: aten::…" error;
// "" for any other error.
std::string unknownOperatorIn(const std::string& error)
{
    const std::string marker = "Unknown builtin op: ";
    const size_t at = error.find(marker);
    if (at == std::string::npos)
        return {};
    const size_t begin = at + marker.size();
    size_t end = begin;
    while (end < error.size() && (std::isalnum(static_cast<unsigned char>(error[end])) || error[end] == '_'
                                  || error[end] == ':' || error[end] == '.'))
        ++end;
    std::string op = error.substr(begin, end - begin);
    while (!op.empty() && op.back() == '.') // the sentence's full stop
        op.pop_back();
    return op;
}

torch::jit::Module loadArchive(const std::string& path)
{
    if (!fs::exists(path))
        throw ModelLoadError(path + ": file not found");
    if (fs::is_directory(path))
        throw ModelLoadError(path + ": is a folder, not a TorchScript archive");
    checkTorchScriptArchive(path);
    registerCompatOperators();
    try {
        return torch::jit::load(path, torch::kCPU);
    } catch (const std::exception& e) {
        if (const std::string op = unknownOperatorIn(e.what()); !op.empty())
            throw ModelLoadError(path + ": uses the operator " + op + ", which this LibTorch (" + std::string(libtorchVersion())
                                 + ") does not have: it comes from a newer PyTorch; re-export the model with "
                                   "eager attention (attn_implementation=\"eager\" for Hugging Face models) or "
                                   "report the operator to BitLens");
        const std::string cause = torchErrorSummary(e);
        if (cause.find("central directory") != std::string::npos || cause.find("failed reading") != std::string::npos)
            throw ModelLoadError(path + ": truncated or corrupt TorchScript archive (" + cause + ")");
        throw ModelLoadError(path + ": cannot be loaded as TorchScript (" + cause
                             + "); was it saved with torch.save instead of torch.jit.save?");
    }
}

// A layer is named by its module when its weight is that module's "weight" ("layer2.conv1"), else
// by the parameter itself ("encoder.attn.in_proj_weight").
std::string layerNameOf(const std::string& weightPath)
{
    const std::string suffix = ".weight";
    if (weightPath.size() > suffix.size() && weightPath.compare(weightPath.size() - suffix.size(), suffix.size(), suffix) == 0)
        return weightPath.substr(0, weightPath.size() - suffix.size());
    return weightPath;
}

std::vector<int64_t> toVector(c10::IntArrayRef sizes)
{
    return {sizes.begin(), sizes.end()};
}

} // namespace

std::unordered_map<std::string, size_t> Model::Impl::weightIndex() const
{
    std::unordered_map<std::string, size_t> index;
    for (size_t i = 0; i < layers.size(); ++i)
        index.emplace(weightPaths[i], i);
    return index;
}

LayerGraph& Model::Impl::layerGraph()
{
    if (!graph)
        graph = std::make_unique<LayerGraph>(module, weightIndex());
    return *graph;
}

Model::Model(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
Model::~Model() = default;

std::unique_ptr<Model> Model::load(const std::string& path)
{
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->module = loadArchive(path);
    impl->module.eval();
    for (const auto& p : impl->module.parameters())
        impl->totalParams += p.numel();

    for (const LayerWeightUse& use : findLayerWeights(impl->module)) {
        // BitLens works on [out, in]; a weight stored [in, out] is seen through its transpose,
        // a view, so writes still reach the module's tensor.
        const torch::Tensor stored = attributeTensor(impl->module, use.weightPath);
        const torch::Tensor w = use.transposed ? stored.t() : stored;
        LayerInfo info;
        info.name = layerNameOf(use.weightPath);
        info.kind = use.kind;
        info.groups = use.groups;
        info.weightShape = toVector(w.sizes());
        info.weightParams = w.numel();
        const torch::Tensor bias = use.biasPath.empty() ? torch::Tensor() : attributeTensor(impl->module, use.biasPath);
        info.biasParams = bias.defined() ? bias.numel() : 0;
        impl->layers.push_back(std::move(info));
        impl->weightPaths.push_back(use.weightPath);
        impl->transposed.push_back(use.transposed);
        impl->weights.push_back(w);
        impl->biases.push_back(bias);
    }
    if (impl->layers.empty())
        throw ModelLoadError(path + ": the model has no compressible layer (no weight that forward feeds to a "
                                    "convolution, linear or embedding)");
    return std::unique_ptr<Model>(new Model(std::move(impl)));
}

const std::string& Model::path() const { return d->path; }
const std::vector<LayerInfo>& Model::layers() const { return d->layers; }
int64_t Model::totalParams() const { return d->totalParams; }
bool Model::profiled() const { return !d->outputShape.empty(); }
std::vector<int64_t> Model::outputShape() const { return d->outputShape; }
Model::Impl& Model::impl() const { return *d; }

int64_t Model::totalMacs() const
{
    if (!profiled())
        return -1;
    int64_t total = 0;
    for (const LayerInfo& l : d->layers)
        total += std::max<int64_t>(l.macsPerSample, 0);
    return total;
}

void Model::profile(const SampleSet& probe)
{
    if (probe.count() == 0)
        throw ModelLoadError(d->path + ": cannot profile on an empty dataset (" + probe.source + ")");
    const int64_t n = std::min<int64_t>(2, probe.count());
    const torch::Tensor input = inputBatch(probe, 0, n);
    LayerGraph::Capture capture;
    try {
        torch::NoGradGuard noGrad;
        capture = d->layerGraph().runCapturing(input);
    } catch (const std::exception& e) {
        throw ModelLoadError(d->path + ": forward fails on input of shape [" + shapeString(toVector(input.sizes()))
                             + "] from " + probe.source + " (" + torchErrorSummary(e) + ")");
    }
    if (!capture.output.defined() || capture.output.dim() < 1)
        throw ModelLoadError(d->path + ": forward does not return a batch of outputs");

    const auto& calls = d->graph->calls();
    for (LayerInfo& l : d->layers) {
        l.macsPerSample = d->graph->nestedCalls() > 0 ? -1 : 0;
        l.calls = 0;
    }
    for (size_t i = 0; i < calls.size(); ++i) {
        LayerInfo& l = d->layers[calls[i].layer];
        l.calls += 1;
        if (calls[i].node->kind() == c10::aten::embedding)
            continue; // a lookup, no multiply-accumulates (a tied head's linear use of it has them)
        // Every output element of conv/linear is one dot product over weight.numel() / out_features
        // inputs, so MACs = (output elements / out_features) * weight elements.
        const int64_t outPerSample = capture.outputs[i].numel() / n;
        l.macsPerSample = std::max<int64_t>(l.macsPerSample, 0) + outPerSample / l.weightShape[0] * l.weightParams;
    }
    d->outputShape = toVector(capture.output.sizes().slice(1));
}

std::string demoModelDir()
{
    if (const char* env = std::getenv("BITLENS_DEMO_DIR"); env && *env)
        return env;
    return BITLENS_DEMO_DIR;
}

std::string defaultModelPath()
{
    return (fs::path(demoModelDir()) / "fmnist_resnet.pt").string();
}

} // namespace bitlens
