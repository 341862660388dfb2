#pragma once
// The sensitivity estimators BitLens knows, one descriptor each: its id and name, what the engine
// must prepare for it, what it costs, and how it computes one cell (layer, option) from what the
// engine hands it. Core registers its built-ins; plugin hosts register plugins' estimators the same
// way. The engine, the CLI, the Analyse dialog and the allocators' cost tables all read this one
// list. Plain C++ without LibTorch, so views and plugins include it.

#include "../quant/layer_option.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace bitlens {

// What the engine prepares (or checks) before the per-cell loop, for the estimators asking for it.
// An EstimatorCell refuses to give out anything its estimator did not declare.
struct EstimatorNeeds {
    bool hessianTraces = false;   // Tr(H_ll) from the Hessian analysis, which must run too
    bool gradient = false;        // the mean calibration gradient per layer
    bool hessianProducts = false; // Hessian-vector products with a cell's δ
    bool fisherDiagonal = false;  // the empirical Fisher diagonal: one backward pass per sample
    bool inputHistograms = false; // histograms of each layer's input over the calibration set
    bool lossEvaluations = false; // evaluates the model on the sensitivity batches per cell
};

// The work one analysis costs, in passes over the sensitivity samples (a forward pass each) and
// Hessian-vector products; the Analyse dialog turns it into seconds with the measured speed.
struct EstimatorCost {
    double passesPerCell = 0.0;   // per (layer, option)
    double productsPerCell = 0.0; // per (layer, option)
    double passesFixed = 0.0;     // once per analysis
};

// One (layer, option) cell as the engine hands it to an estimator; valid during compute() only.
// The accessors below `parameters()` throw Error when the estimator's needs lack what they read.
class EstimatorCell {
public:
    virtual ~EstimatorCell() = default;

    size_t layer = 0;
    std::string layerName;
    std::string optionLabel;     // as in SensitivityAnalysis::options
    const LayerOption* option = nullptr;
    double baselineLoss = 0.0;   // FP32 calibration loss over the sensitivity batches

    // W and δ = Q(W) − W, flattened, parameters() float64 values each.
    virtual const double* weights() const = 0;
    virtual const double* delta() const = 0;
    virtual int64_t parameters() const = 0;
    // ‖δ‖²; inline, like everything a plugin calls that is not virtual: plugins do not link core.
    double deltaNorm2() const
    {
        double sum = 0.0;
        for (int64_t i = 0; i < parameters(); ++i)
            sum += delta()[i] * delta()[i];
        return sum;
    }

    virtual double hessianTrace() const = 0;  // Tr(H_ll)                     hessianTraces
    virtual double gradientDot() const = 0;   // gᵀδ                          gradient
    virtual double hessianQuadratic() = 0;    // δᵀHδ by one product          hessianProducts
    virtual double fisherQuadratic() const = 0; // Σ F_ii δ_i²                fisherDiagonal
    virtual double measuredDeltaLoss() = 0;   // L(W + δ) − L(W)              lossEvaluations
    // The loss change of quantizing only this layer's input to the option's number format;
    // nullopt when the option has no input encoding.      lossEvaluations, inputHistograms
    virtual std::optional<double> inputNoiseDeltaLoss() = 0;
};

// ΔLoss predicted for the cell; nullopt when the estimator does not apply to it (a NaN cell that
// is no problem). A non-finite value is reported as a problem. Throws Error, Cancelled.
using EstimatorCompute = std::function<std::optional<double>(EstimatorCell&)>;

struct EstimatorDescriptor {
    std::string id;          // what --estimators and cost tables use
    std::string name;        // for menus and legends
    std::string description; // one sentence: the formula and what it needs
    EstimatorNeeds needs;
    EstimatorCost cost;
    EstimatorCompute compute;
    bool runsByDefault = false; // among SensitivityOptions' default estimators
    std::string origin;         // "built-in", or the plugin library that registered it
};

// The C symbol an estimator plugin library exports for hosts without Qt (bitlens-cli, through
// dlopen): void (std::vector<EstimatorDescriptor>* out). Its version follows the plugin IID's.
constexpr const char* kEstimatorLibraryEntry = "bitlens_estimator_descriptors_v2";
using EstimatorLibraryEntry = void (*)(std::vector<EstimatorDescriptor>*);

// Ownership: the one registry of the process owns copies of the descriptors; a plugin's compute
// functions live in its library, which stays loaded until exit. Threading: built-ins are registered
// on first use, plugins by their host at start-up before any analysis; every call locks.
class EstimatorRegistry {
public:
    static EstimatorRegistry& instance();

    // Throws Error for a descriptor without id or compute, or an id another origin registered;
    // the same id from the same origin again (a second plugin host) changes nothing.
    void add(EstimatorDescriptor descriptor);
    std::vector<EstimatorDescriptor> all() const; // registration order: built-ins first
    std::optional<EstimatorDescriptor> find(const std::string& id) const;
    std::string knownIds() const; // "measured, hawq, …" for error messages

private:
    EstimatorRegistry();
    mutable std::mutex m_mutex;
    std::vector<EstimatorDescriptor> m_descriptors;
};

} // namespace bitlens
