#include "rank_correlation.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace bitlens {

std::vector<double> averageRanks(const std::vector<double>& x)
{
    std::vector<size_t> order(x.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&x](size_t a, size_t b) { return x[a] < x[b]; });
    std::vector<double> ranks(x.size());
    for (size_t i = 0; i < order.size();) {
        size_t j = i;
        while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]])
            ++j;
        const double rank = 0.5 * double(i + j) + 1.0;
        for (size_t k = i; k <= j; ++k)
            ranks[order[k]] = rank;
        i = j + 1;
    }
    return ranks;
}

double spearmanRho(const std::vector<double>& x, const std::vector<double>& y)
{
    const std::vector<double> rx = averageRanks(x), ry = averageRanks(y);
    const double n = double(x.size());
    const double mx = std::accumulate(rx.begin(), rx.end(), 0.0) / n;
    const double my = std::accumulate(ry.begin(), ry.end(), 0.0) / n;
    double sxy = 0.0, sxx = 0.0, syy = 0.0;
    for (size_t i = 0; i < rx.size(); ++i) {
        sxy += (rx[i] - mx) * (ry[i] - my);
        sxx += (rx[i] - mx) * (rx[i] - mx);
        syy += (ry[i] - my) * (ry[i] - my);
    }
    return sxy / std::sqrt(sxx * syy);
}

double kendallTauB(const std::vector<double>& x, const std::vector<double>& y)
{
    double concordant = 0.0, discordant = 0.0, tiesX = 0.0, tiesY = 0.0;
    for (size_t i = 0; i < x.size(); ++i) {
        for (size_t j = i + 1; j < x.size(); ++j) {
            const double dx = x[i] - x[j];
            const double dy = y[i] - y[j];
            if (dx == 0 && dy == 0)
                continue;
            if (dx == 0)
                tiesX += 1;
            else if (dy == 0)
                tiesY += 1;
            else if ((dx > 0) == (dy > 0))
                concordant += 1;
            else
                discordant += 1;
        }
    }
    return (concordant - discordant)
           / std::sqrt((concordant + discordant + tiesX) * (concordant + discordant + tiesY));
}

} // namespace bitlens
