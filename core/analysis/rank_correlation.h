#pragma once
// Rank correlation of two samples: how far an estimator orders (layer, option) cells as the
// measurement does, whatever its scale.

#include <cstdint>
#include <limits>
#include <vector>

namespace bitlens {

struct RankAgreement {
    double spearman = std::numeric_limits<double>::quiet_NaN(); // until computed over two cells or more
    double kendall = std::numeric_limits<double>::quiet_NaN();
    int64_t cells = 0;
};

// Ranks 1..n, ties sharing their mean rank.
std::vector<double> averageRanks(const std::vector<double>& x);
// Pearson correlation of the average ranks.
double spearmanRho(const std::vector<double>& x, const std::vector<double>& y);
// τ-b, which corrects for ties in either sample. O(n²): cost tables have thousands of cells.
double kendallTauB(const std::vector<double>& x, const std::vector<double>& y);

} // namespace bitlens
