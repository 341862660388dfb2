#include "hessian_operator.h"

#include "../data/batch_tensor.h"
#include "../errors.h"
#include "../eval/evaluation_loop.h"
#include "../eval/task.h"
#include "../model/compat_ops.h"
#include "../model/device_module.h"
#include "../model/model_impl.h"
#include "../progress.h"
#include "../quant/plan_graph.h"

#include <cmath>

namespace bitlens {

struct HessianOperator::Impl {
    struct Batch {
        torch::Tensor input;
        torch::Tensor target;
        double weight = 0.0; // its share of the calibration samples
        torch::Tensor loss;
        std::vector<torch::Tensor> grads; // with graph, when kept
    };
    Model::Impl* model = nullptr;
    std::unique_ptr<DeviceModule> there; // where the graphs run
    const Task* task = nullptr; // of the calibration data
    std::unique_ptr<torch::jit::GraphFunction> forward;
    std::vector<torch::Tensor> leaves; // layer weights as autograd leaves
    std::vector<Batch> batches;
    bool keepGraphs = true;
    int64_t samples = 0;
    double loss = 0.0;
    std::vector<torch::Tensor> gradient; // flat float64, averaged
    int64_t layerProducts = 0;
    int64_t modelProducts = 0;

    // The batch's loss and its gradient with respect to every layer weight, differentiable again.
    std::pair<torch::Tensor, std::vector<torch::Tensor>> firstOrder(const Batch& b)
    {
        torch::AutoGradMode enable(true); // callers may run under NoGradGuard
        const MathAttentionScope twiceDifferentiable;
        const torch::Tensor out = outputTensor(model->layerGraph().run(*forward, b.input, leaves, &there->module()), model->path);
        torch::Tensor loss = task->meanLoss(out.to(torch::kFloat32), b.target);
        std::vector<torch::Tensor> grads = torch::autograd::grad({loss}, leaves, {}, true, true, true);
        for (size_t l = 0; l < grads.size(); ++l) {
            if (!grads[l].defined()) // the layer does not reach the loss
                grads[l] = torch::zeros_like(leaves[l]).requires_grad_(false);
        }
        return {loss, std::move(grads)};
    }

    // Σ_b w_b ∂(g_bᵀ v)/∂w for the layers in `wrt`, v given per layer (undefined = zero).
    std::vector<torch::Tensor> product(const std::vector<torch::Tensor>& v, const std::vector<size_t>& wrt,
                                       Progress& progress, std::vector<double>* perBatchQuadratic)
    {
        torch::AutoGradMode enable(true);
        std::vector<torch::Tensor> sum(wrt.size());
        std::vector<torch::Tensor> inputs;
        for (size_t l : wrt)
            inputs.push_back(leaves[l]);
        for (Batch& b : batches) {
            progress.checkCancelled();
            std::vector<torch::Tensor> grads = keepGraphs ? b.grads : firstOrder(b).second;
            torch::Tensor dot;
            for (size_t l = 0; l < v.size(); ++l) {
                if (!v[l].defined() || !grads[l].requires_grad())
                    continue;
                // In float32 also for a bfloat16 graph: the dot product is a long sum.
                const torch::Tensor vl = v[l].to(grads[l].device(), torch::kFloat32).view_as(grads[l]);
                const torch::Tensor term = (grads[l].to(torch::kFloat32) * vl).sum();
                dot = dot.defined() ? dot + term : term;
            }
            if (!dot.defined()) { // no layer in v reaches the loss
                if (perBatchQuadratic)
                    perBatchQuadratic->push_back(0.0);
                continue;
            }
            const std::vector<torch::Tensor> hv = torch::autograd::grad({dot}, inputs, {}, keepGraphs, false, true);
            double quadratic = 0.0;
            for (size_t k = 0; k < wrt.size(); ++k) {
                if (!hv[k].defined())
                    continue;
                // Summed in float64 where the product ran: one copy per product, not per batch.
                const torch::Tensor flat = hv[k].reshape({-1}).to(torch::kFloat64);
                if (perBatchQuadratic && v[wrt[k]].defined())
                    quadratic += at::dot(flat, v[wrt[k]].to(flat.device())).item<double>();
                sum[k] = sum[k].defined() ? sum[k].add_(flat, b.weight) : flat.mul(b.weight);
            }
            if (perBatchQuadratic)
                perBatchQuadratic->push_back(quadratic);
        }
        for (size_t k = 0; k < wrt.size(); ++k) {
            const torch::Device home = v[wrt[k]].defined() ? v[wrt[k]].device() : torch::Device(torch::kCPU);
            sum[k] = sum[k].defined() ? sum[k].to(home)
                                      : torch::zeros({leaves[wrt[k]].numel()}, torch::dtype(torch::kFloat64).device(home));
        }
        return sum;
    }

    // After batch `failed` ran out of memory: what fits, tried where nothing is known yet.
    std::string whatFits(int64_t failed, int64_t batchSize, const SampleSet& calibration)
    {
        if (failed > 0 && keepGraphs)
            return std::to_string(failed * batchSize) + " samples in all fit (--hessian-samples "
                   + std::to_string(failed * batchSize) + ")";
        batches.clear(); // their graphs' memory, for the trial
        const int64_t size = largestThatFits(batchSize, [&](int64_t tried) {
            Batch trial;
            trial.input = there->input(inputBatch(calibration, 0, tried));
            trial.target = there->target(labelBatch(calibration, 0, tried));
            firstOrder(trial);
        });
        if (size == 0)
            return "not even one sample fits";
        return "batches of " + std::to_string(size) + " samples fit (--hessian-samples " + std::to_string(size)
               + " --hessian-batches 1)";
    }

    std::string nonFiniteLayers() const
    {
        std::string names;
        for (size_t l = 0; l < leaves.size(); ++l) {
            const bool weightBad = !torch::isfinite(leaves[l]).all().item<bool>();
            const bool gradBad = !torch::isfinite(gradient[l]).all().item<bool>();
            if (weightBad || gradBad)
                names += (names.empty() ? "" : ", ") + model->layers[l].name + (weightBad ? " (weight)" : " (gradient)");
        }
        return names;
    }
};

HessianOperator::HessianOperator(Model& model, const SampleSet& calibration, int64_t batches, int64_t batchSize,
                                 bool keepGraphs, Progress& progress, const ComputeOptions& compute)
    : d(std::make_unique<Impl>())
{
    Model::Impl& m = model.impl();
    d->model = &m;
    d->there = std::make_unique<DeviceModule>(m, compute);
    d->task = &taskFor(calibration);
    d->keepGraphs = keepGraphs;
    if (batches < 1 || batchSize < 1)
        throw Error("the Hessian needs at least one batch of at least one sample, not " + std::to_string(batches)
                    + " x " + std::to_string(batchSize));
    if (calibration.count() < batchSize)
        throw Error(calibration.source + ": " + std::to_string(calibration.count())
                    + " calibration samples are fewer than one Hessian batch of " + std::to_string(batchSize));
    if (m.layerGraph().nestedCalls() > 0)
        throw Error(m.path + ": " + std::to_string(m.layerGraph().nestedCalls())
                    + " layer calls sit inside loops or branches of forward, where BitLens cannot take derivatives yet");
    const int64_t count = std::min(batches, calibration.count() / batchSize);
    d->samples = count * batchSize;
    // Weights enter as graph inputs, so the module's parameters never need requires_grad. The simple
    // executor: TorchScript's autodiff subgraphs are not twice differentiable.
    const std::shared_ptr<torch::jit::Graph> graph =
        buildPlanGraph(m.layerGraph(), m.layers, {}, {}, true);
    d->there->placeConstants(*graph);
    d->forward = std::make_unique<torch::jit::GraphFunction>("bitlens_hessian", graph, nullptr,
                                                             torch::jit::ExecutorExecutionMode::SIMPLE);
    for (const torch::Tensor& w : d->there->weights())
        d->leaves.push_back(w.detach().to(d->there->dtype()).requires_grad_(true));
    d->gradient.assign(m.layers.size(), torch::zeros({0}, torch::kFloat64));
    for (int64_t b = 0; b < count; ++b) {
        progress.checkCancelled();
        Impl::Batch batch;
        batch.input = d->there->input(inputBatch(calibration, b * batchSize, (b + 1) * batchSize));
        batch.target = d->there->target(labelBatch(calibration, b * batchSize, (b + 1) * batchSize));
        batch.weight = 1.0 / double(count);
        std::pair<torch::Tensor, std::vector<torch::Tensor>> first;
        try {
            first = d->firstOrder(batch);
        } catch (const std::exception& e) {
            if (!isOutOfMemory(e))
                throw;
            throw Error(m.path + ": out of memory on " + nameOf(compute.device) + " at Hessian batch " + std::to_string(b + 1)
                        + " of " + std::to_string(count) + " (" + std::to_string(batchSize) + " samples each, "
                        + (keepGraphs ? "every batch's gradient graph kept" : "no graph kept") + "); "
                        + d->whatFits(b, batchSize, calibration));
        }
        auto& [loss, grads] = first;
        d->loss += batch.weight * loss.item<double>();
        for (size_t l = 0; l < grads.size(); ++l) {
            const torch::Tensor g = grads[l].detach().reshape({-1}).to(torch::kCPU, torch::kFloat64).mul(batch.weight);
            d->gradient[l] = b == 0 ? g : d->gradient[l].add_(g);
        }
        if (keepGraphs) {
            batch.loss = loss;
            batch.grads = std::move(grads);
        }
        d->batches.push_back(std::move(batch));
        progress.report(double(b + 1) / double(count), "Gradients of batch " + std::to_string(b + 1) + " of " + std::to_string(count));
    }
    if (!std::isfinite(d->loss))
        throw Error(m.path + ": the calibration loss is not finite"
                    + (d->nonFiniteLayers().empty() ? std::string() : "; not finite: " + d->nonFiniteLayers()));
    const std::string bad = d->nonFiniteLayers();
    if (!bad.empty())
        throw Error(m.path + ": not finite at the calibration set: " + bad);
}

HessianOperator::~HessianOperator() = default;

size_t HessianOperator::layerCount() const { return d->leaves.size(); }
int64_t HessianOperator::layerSize(size_t layer) const { return d->leaves[layer].numel(); }
int64_t HessianOperator::batchCount() const { return static_cast<int64_t>(d->batches.size()); }
int64_t HessianOperator::samples() const { return d->samples; }
double HessianOperator::loss() const { return d->loss; }
const torch::Tensor& HessianOperator::gradient(size_t layer) const { return d->gradient[layer]; }
const std::vector<torch::Tensor>& HessianOperator::weights() const { return d->leaves; }
torch::Device HessianOperator::vectorDevice() const { return d->there->device(); }

double HessianOperator::lossOf(torch::jit::GraphFunction& variant, const std::vector<torch::Tensor>& weights,
                               Progress& progress)
{
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> there; // the caller's weights where the graphs run
    for (size_t l = 0; l < weights.size(); ++l)
        there.push_back(weights[l].to(d->leaves[l].device(), d->leaves[l].scalar_type()));
    double loss = 0.0;
    for (const Impl::Batch& b : d->batches) {
        progress.checkCancelled();
        const torch::Tensor out = outputTensor(d->model->layerGraph().run(variant, b.input, there, &d->there->module()), d->model->path);
        loss += b.weight * d->task->meanLoss(out.to(torch::kFloat32), b.target).item<double>();
    }
    return loss;
}

std::vector<torch::Tensor> HessianOperator::fisherDiagonal(Progress& progress)
{
    std::vector<torch::Tensor> fisher;
    for (const torch::Tensor& w : d->leaves)
        fisher.push_back(torch::zeros({w.numel()}, torch::kFloat64));
    torch::AutoGradMode enable(true);
    const double share = 1.0 / double(d->samples);
    for (size_t batch = 0; batch < d->batches.size(); ++batch) {
        const Impl::Batch& b = d->batches[batch];
        progress.report(double(batch) / double(d->batches.size()),
                        "Fisher diagonal: batch " + std::to_string(batch + 1) + " of " + std::to_string(d->batches.size()));
        for (int64_t i = 0; i < b.input.size(0); ++i) {
            progress.checkCancelled();
            const torch::Tensor out = outputTensor(
                d->model->layerGraph().run(*d->forward, b.input.narrow(0, i, 1), d->leaves, &d->there->module()), d->model->path);
            const torch::Tensor loss = d->task->meanLoss(out.to(torch::kFloat32), b.target.narrow(0, i, 1));
            const std::vector<torch::Tensor> grads = torch::autograd::grad({loss}, d->leaves, {}, false, false, true);
            for (size_t l = 0; l < grads.size(); ++l) {
                if (grads[l].defined())
                    fisher[l].add_(grads[l].reshape({-1}).to(torch::kCPU, torch::kFloat64).square(), share);
            }
        }
    }
    return fisher;
}

int64_t HessianOperator::layerProducts() const { return d->layerProducts; }
int64_t HessianOperator::modelProducts() const { return d->modelProducts; }

torch::Tensor HessianOperator::layerProduct(size_t layer, const torch::Tensor& v, Progress& progress,
                                            std::vector<double>* perBatchQuadratic)
{
    std::vector<torch::Tensor> vs(d->leaves.size());
    vs[layer] = v;
    ++d->layerProducts;
    return d->product(vs, {layer}, progress, perBatchQuadratic)[0];
}

std::vector<torch::Tensor> HessianOperator::modelProduct(const std::vector<torch::Tensor>& v, Progress& progress)
{
    // Only the rows of the layers in v: autograd then skips the others' weight gradients.
    std::vector<size_t> given;
    for (size_t l = 0; l < v.size(); ++l) {
        if (v[l].defined())
            given.push_back(l);
    }
    ++d->modelProducts;
    std::vector<torch::Tensor> rows = d->product(v, given, progress, nullptr);
    std::vector<torch::Tensor> out(d->leaves.size());
    for (size_t k = 0; k < given.size(); ++k)
        out[given[k]] = std::move(rows[k]);
    return out;
}

} // namespace bitlens
