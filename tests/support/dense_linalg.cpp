#include "dense_linalg.h"

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>

namespace bitlens::testing {

using RowMajorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

std::vector<double> symmetricEigenvalues(const double* rowMajor, int64_t n)
{
    const Eigen::MatrixXd m = Eigen::Map<const RowMajorMatrix>(rowMajor, n, n);
    const Eigen::VectorXd values = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(m, Eigen::EigenvaluesOnly).eigenvalues();
    return {values.data(), values.data() + values.size()};
}

std::vector<double> singularValues(const double* rowMajor, int64_t rows, int64_t cols)
{
    const Eigen::MatrixXd m = Eigen::Map<const RowMajorMatrix>(rowMajor, rows, cols);
    const Eigen::VectorXd values = Eigen::JacobiSVD<Eigen::MatrixXd>(m).singularValues();
    return {values.data(), values.data() + values.size()};
}

} // namespace bitlens::testing
