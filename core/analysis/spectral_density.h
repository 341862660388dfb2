#pragma once
// The eigenvalue density of a symmetric matrix by stochastic Lanczos quadrature: each Lanczos run
// from a random unit vector gives nodes (Ritz values) and weights (squared first components of
// T's eigenvectors); their average, broadened by Gaussians, estimates the density.

#include <vector>

namespace bitlens {

struct QuadratureRule {
    std::vector<double> nodes;
    std::vector<double> weights; // sum to 1
};

struct SpectralDensity {
    std::vector<double> grid;    // ascending, evenly spaced
    std::vector<double> density; // integrates to 1 over the grid (trapezoid)
};

// sigma = relativeSigma × (largest − smallest node), or × |node| when all nodes coincide; the grid
// spans the nodes plus 4σ on each side.
SpectralDensity spectralDensity(const std::vector<QuadratureRule>& runs, int points, double relativeSigma);

} // namespace bitlens
