#include "trace_estimator.h"

#include "../progress.h"
#include "../stopwatch.h"
#include "reference_estimators.h"

#include <chrono>
#include <cmath>
#include <limits>

namespace bitlens {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Layer-local probes of the pilot that measures their variance against the whole-model ones'.
constexpr int kPilotSamples = 10;

// Running mean and variance of one kind of sample (Welford).
struct Samples {
    int64_t count = 0;
    double mean = 0.0;
    double m2 = 0.0;
    void add(double x)
    {
        ++count;
        const double delta = x - mean;
        mean += delta / double(count);
        m2 += delta * (x - mean);
    }
    double variance() const { return count > 1 ? m2 / double(count - 1) : kNaN; }
    // Inverse-variance weight of the mean (count / variance); a zero variance is exact. None below
    // a pilot's worth of samples: two layer-local samples that happened to agree once outweighed
    // thirty whole-model ones a hundredfold and stopped the layer at a trace 100 errors off.
    double weight() const
    {
        if (count < kPilotSamples)
            return 0.0;
        return variance() > 0.0 ? double(count) / variance() : std::numeric_limits<double>::infinity();
    }
};

struct LayerTrace {
    const TraceInput* input = nullptr;
    bool sampled = true;  // false when the basis spans the layer: the exact part is all
    bool finite = true;
    bool done = false;
    bool local = false;   // continues with layer-local probes
    bool unitVectors = false; // the whole trace from n products with unit vectors: fewer than probes need
    double unitTrace = 0.0;
    int64_t unitProducts = 0;
    Samples shared, own;
    double localSeconds = 0.0; // per layer-local product, measured

    int64_t count() const { return shared.count + own.count; }
    // The two kinds' means combined by inverse variance, and its standard error.
    std::pair<double, double> remainder() const
    {
        const double ws = shared.weight(), wl = own.weight();
        if (std::isinf(ws) || std::isinf(wl))
            return {std::isinf(ws) ? shared.mean : own.mean, 0.0};
        if (ws + wl <= 0.0) // fewer than a pilot's worth of each kind
            return {own.count > 0 ? own.mean : shared.mean, kNaN};
        return {(ws * shared.mean + wl * own.mean) / (ws + wl), 1.0 / std::sqrt(ws + wl)};
    }
    double trace() const
    {
        if (unitVectors)
            return unitTrace;
        return input->exact + (sampled ? remainder().first : 0.0);
    }
    double stdErr() const { return sampled && !unitVectors ? remainder().second : 0.0; }
};

class Estimator {
public:
    Estimator(HessianOperator& op, const std::vector<TraceInput>& inputs, const HessianOptions& o, at::Generator& g,
              Progress& progress, double from, double to)
        : m_op(op), m_o(o), m_generator(g), m_progress(progress), m_from(from), m_to(to)
    {
        for (const TraceInput& in : inputs) {
            LayerTrace t;
            t.input = &in;
            t.sampled = in.basis.size(0) < op.layerSize(in.layer);
            t.done = !t.sampled;
            m_layers.push_back(t);
        }
    }

    std::vector<TraceEstimate> run()
    {
        if (pending() >= 2)
            sharedRounds(m_o.minTraceSamples, false);
        for (LayerTrace& t : m_layers) {
            if (!t.done)
                localRounds(t, kPilotSamples);
        }
        chooseProbes();
        sharedRounds(m_o.maxTraceSamples, true);
        for (LayerTrace& t : m_layers) {
            if (!t.done)
                localRounds(t, m_o.maxTraceSamples);
        }
        resumeBelowTarget();
        std::vector<TraceEstimate> out;
        for (const LayerTrace& t : m_layers)
            out.push_back(estimateOf(t));
        return out;
    }

private:
    size_t pending() const
    {
        size_t n = 0;
        for (const LayerTrace& t : m_layers)
            n += t.done ? 0 : 1;
        return n;
    }

    torch::Tensor probe(const LayerTrace& t)
    {
        const torch::Tensor& q = t.input->basis;
        const torch::Tensor r = rademacher(m_op.layerSize(t.input->layer), m_generator, q.device());
        return q.size(0) == 0 ? r : r - at::matmul(q.t(), at::matmul(q, r));
    }

    // The error target: relative to the layer's trace, with a floor relative to all layers' total.
    double target(const LayerTrace& t) const
    {
        double total = 0.0;
        for (const LayerTrace& u : m_layers)
            total += std::isfinite(u.trace()) ? std::abs(u.trace()) : 0.0;
        return traceErrorTarget(t.trace(), total, m_o);
    }

    void settle(LayerTrace& t)
    {
        if (!t.finite) {
            t.done = true;
            return;
        }
        const double error = t.stdErr();
        if (t.count() >= m_o.minTraceSamples && std::isfinite(error) && error <= target(t))
            t.done = true;
    }

    void add(LayerTrace& t, Samples& s, double x)
    {
        if (!std::isfinite(x)) {
            t.finite = false;
            t.done = true;
            return;
        }
        s.add(x);
    }

    // Whole-model products, each a sample for every pending layer (only those marked local ==
    // false when `onlyShared`), until `rounds` samples of this kind or none is pending.
    void sharedRounds(int rounds, bool onlyShared)
    {
        while (true) {
            std::vector<torch::Tensor> z(m_op.layerCount());
            std::vector<LayerTrace*> taking;
            for (LayerTrace& t : m_layers) {
                if (!t.done && !(onlyShared && t.local) && t.shared.count < rounds) {
                    z[t.input->layer] = probe(t);
                    taking.push_back(&t);
                }
            }
            if (taking.empty())
                return;
            m_progress.checkCancelled();
            report("Hessian traces: whole-model probe " + std::to_string(taking.front()->shared.count + 1));
            const auto start = std::chrono::steady_clock::now();
            const std::vector<torch::Tensor> hz = m_op.modelProduct(z, m_progress);
            m_sharedSeconds = secondsSince(start);
            for (LayerTrace* t : taking) {
                const size_t l = t->input->layer;
                add(*t, t->shared, at::dot(z[l], hz[l]).item<double>());
                settle(*t);
            }
        }
    }

    // Layer-local products for one layer until it has `rounds` of them or is within target.
    void localRounds(LayerTrace& t, int rounds)
    {
        const size_t l = t.input->layer;
        double seconds = 0.0;
        int64_t taken = 0;
        while (!t.done && t.own.count < rounds) {
            if (t.own.count >= kPilotSamples && cheaperByUnitVectors(t, m_o.maxTraceSamples)) {
                unitVectorTrace(t);
                return;
            }
            m_progress.checkCancelled();
            report("Hessian traces: layer-local probe " + std::to_string(t.own.count + 1) + " of layer " + std::to_string(l + 1));
            const torch::Tensor z = probe(t);
            const auto start = std::chrono::steady_clock::now();
            add(t, t.own, at::dot(z, m_op.layerProduct(l, z, m_progress)).item<double>());
            seconds += secondsSince(start);
            ++taken;
            settle(t);
        }
        if (taken > 0)
            t.localSeconds = seconds / double(taken);
    }

    // Targets move while the other layers' traces settle (the floor is a share of their total): a
    // layer that met its target against a larger total samples on, locally, up to the cap.
    void resumeBelowTarget()
    {
        for (int pass = 0; pass < 3; ++pass) {
            bool resumed = false;
            for (LayerTrace& t : m_layers) {
                const double error = t.stdErr();
                if (!t.finite || !t.sampled || t.unitVectors || t.own.count >= m_o.maxTraceSamples
                    || (std::isfinite(error) && error <= target(t)))
                    continue;
                t.done = false;
                resumed = true;
                localRounds(t, m_o.maxTraceSamples);
            }
            if (!resumed)
                return;
        }
    }

    // Per pending layer, the probe kind that reaches its target sooner: samples still needed
    // (variance / target²) × the cost of one, a whole-model product's cost shared by the layers
    // that take it.
    void chooseProbes()
    {
        const double sharing = double(std::max<size_t>(1, pending()));
        for (LayerTrace& t : m_layers) {
            if (t.done)
                continue;
            const double goal = target(t);
            const double sharedCost = t.shared.variance() / (goal * goal) * m_sharedSeconds / sharing;
            const double localCost = t.own.variance() / (goal * goal) * t.localSeconds;
            t.local = t.shared.count < 2 || !(sharedCost < localCost);
        }
    }

    // A small block (the projections of a narrow model) is summed exactly, diagonal entry by
    // diagonal entry, when that takes fewer products than the probes still needed would, or when
    // the probes would not get there within their cap and it takes at most twice the cap.
    bool cheaperByUnitVectors(const LayerTrace& t, int cap) const
    {
        const double goal = target(t);
        const double probesNeeded = t.own.variance() / (goal * goal) - double(t.own.count);
        const double n = double(m_op.layerSize(t.input->layer));
        return n <= probesNeeded || (probesNeeded > double(cap - t.own.count) && n <= 2.0 * cap);
    }

    void unitVectorTrace(LayerTrace& t)
    {
        t.unitVectors = true;
        const size_t l = t.input->layer;
        const int64_t n = m_op.layerSize(l);
        for (int64_t i = 0; i < n; ++i) {
            m_progress.checkCancelled();
            if (i % 64 == 0)
                report("Hessian traces: diagonal " + std::to_string(i + 1) + " of " + std::to_string(n) + " of layer "
                       + std::to_string(l + 1));
            torch::Tensor e = torch::zeros({n}, torch::dtype(torch::kFloat64).device(m_op.vectorDevice()));
            e[i] = 1.0;
            t.unitTrace += m_op.layerProduct(l, e, m_progress)[i].item<double>();
            ++t.unitProducts;
        }
        t.finite = std::isfinite(t.unitTrace);
        t.done = true;
    }

    TraceEstimate estimateOf(const LayerTrace& t) const
    {
        TraceEstimate e;
        e.samples = t.count() + t.unitProducts;
        e.localSamples = t.own.count + t.unitProducts;
        if (!t.finite) {
            e.trace = e.stdErr = kNaN;
            return e;
        }
        e.trace = t.trace();
        e.stdErr = t.count() == 0 ? 0.0 : t.stdErr();
        e.converged = !t.sampled || t.unitVectors || (std::isfinite(e.stdErr) && e.stdErr <= target(t));
        return e;
    }

    void report(const std::string& what)
    {
        const double doneShare = 1.0 - double(pending()) / double(std::max<size_t>(1, m_layers.size()));
        m_progress.report(m_from + (m_to - m_from) * doneShare, what);
    }

    HessianOperator& m_op;
    const HessianOptions& m_o;
    at::Generator& m_generator;
    Progress& m_progress;
    double m_from, m_to;
    std::vector<LayerTrace> m_layers;
    double m_sharedSeconds = 0.0; // per whole-model product, measured
};

} // namespace

double traceErrorTarget(double trace, double totalAbsTrace, const HessianOptions& options)
{
    return std::max(options.traceTolerance * std::abs(trace), options.traceFloor * totalAbsTrace);
}

std::vector<TraceEstimate> estimateTraces(HessianOperator& op, const std::vector<TraceInput>& inputs,
                                          const HessianOptions& options, at::Generator& generator, Progress& progress,
                                          double from, double to)
{
    return Estimator(op, inputs, options, generator, progress, from, to).run();
}

} // namespace bitlens
