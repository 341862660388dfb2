#pragma once
// The loss Hessian, per layer (the block of one layer's weight) and for the whole model: top
// eigenvalues, trace, eigenvalue density, and how much the top eigenvalue swings between
// calibration batches. Plain data; stored in the analysis bundle under /hessian.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace bitlens {

struct HessianOptions {
    int64_t batches = 4;           // calibration batches; the Hessian is their average
    int64_t batchSize = 128;       // samples per batch
    uint64_t seed = 0;             // random start and probe vectors
    int topK = 3;
    double eigenTolerance = 1e-3;  // relative residual of each top Ritz pair
    int maxLanczosSteps = 100;
    double traceTolerance = 0.05;  // stop sampling when standard error ≤ this × |trace| ...
    double traceFloor = 1e-3;      // ... or ≤ this × Σ|trace| of the analysed layers (the whole
                                   // model's total when all are): a near-zero trace needs no more
    int minTraceSamples = 30;     // fewer make the standard error itself unreliable
    int maxTraceSamples = 300;     // per kind of probe (whole-model, layer-local)
    int densityVectors = 1;        // SLQ start vectors per layer (the first is the eigenvalue run)
    int densitySteps = 16;         // Lanczos steps per vector, at least
    int densityPoints = 256;
    double densitySigma = 0.01;    // Gaussian broadening, relative to the spectrum's width
    bool modelEigenvalues = true;  // also the top-k of the analysed layers together (the whole model)
    // The layers analysed: an ECMAScript regular expression matching whole layer names; empty =
    // every layer. The others get no figures (empty eigenvalues, NaN trace).
    std::string layers;
};

struct LayerHessian {
    std::vector<double> topEigenvalues;      // descending, topK (fewer for a tiny layer)
    std::vector<double> topEigenvalueBatches;// u₁ᵀ H_b u₁ per calibration batch, u₁ the top eigenvector
    double topEigenvalueSpread = 0.0;        // their standard deviation
    double trace = 0.0;
    double traceStdErr = 0.0;                // Hutchinson's sampling error (0 when exact)
    int64_t traceSamples = 0;                // Hutchinson probes in all; of them,
    int64_t traceLocalSamples = 0;           // products with this layer's block alone (the rest whole-model)
    bool traceConverged = false;             // traceStdErr met the tolerance or the floor
    int lanczosSteps = 0;                    // of the eigenvalue run
    std::vector<double> densityGrid;
    std::vector<double> density;
    std::string problem;                     // non-empty (and figures NaN) when a product was not finite
    bool analysed() const { return !topEigenvalues.empty() || !problem.empty(); }
};

struct HessianAnalysis {
    HessianOptions options;
    int64_t samples = 0;                     // calibration samples used
    double loss = 0.0;                       // their mean loss
    std::vector<LayerHessian> layers;
    std::vector<double> modelTopEigenvalues; // of the analysed layers' joint block (all: the whole model)
    std::string modelEigenvaluesSkipped;     // why modelTopEigenvalues is empty although asked for
    int64_t layerProducts = 0;               // Hessian-vector products with one layer's block
    int64_t modelProducts = 0;               // ... with the whole Hessian
    double seconds = 0.0;
    bool empty() const { return layers.empty(); }
};

// Called on the analysing thread as each layer's eigenvalues and density are done (its trace
// comes at the end, when the shared Hutchinson samples are).
using LayerHessianCallback = std::function<void(size_t layer, const LayerHessian&)>;

} // namespace bitlens
