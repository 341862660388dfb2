#pragma once
// Dense reference decompositions by Eigen, independent of the LAPACK routines LibTorch (and so
// core) calls. Compiled once here: instantiating Eigen's solvers cost each suite 20-70 s of a
// 2-core CI build.

#include <cstdint>
#include <vector>

namespace bitlens::testing {

// The eigenvalues of the symmetric n x n matrix at `rowMajor`, ascending.
std::vector<double> symmetricEigenvalues(const double* rowMajor, int64_t n);

// The singular values of the rows x cols matrix at `rowMajor`, descending.
std::vector<double> singularValues(const double* rowMajor, int64_t rows, int64_t cols);

} // namespace bitlens::testing
