#include "greedy_hull.h"

#include "../stopwatch.h"

#include <algorithm>
#include <numeric>

namespace bitlens {
namespace {

// The lower-left convex hull of a decision's alternatives under `cost` (ΔLoss + BOPs price), as
// alternative indices: from the cheapest (lowest cost among equally cheap) to the lowest cost; the
// alternatives it skips are never better for any trade-off between bytes and cost.
template <typename Cost>
std::vector<int> hullOf(const Decision& d, Cost cost)
{
    const auto& alt = d.alternatives;
    std::vector<int> order(alt.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) {
        return alt[size_t(a)].bytes != alt[size_t(b)].bytes ? alt[size_t(a)].bytes < alt[size_t(b)].bytes
                                                            : cost(alt[size_t(a)]) < cost(alt[size_t(b)]);
    });
    std::vector<int> hull;
    for (int i : order) {
        const Alternative& p = alt[size_t(i)];
        if (!hull.empty() && cost(p) >= cost(alt[size_t(hull.back())]))
            continue; // no fewer bytes and no lower cost than one already kept
        while (hull.size() >= 2) {
            const Alternative& a = alt[size_t(hull[hull.size() - 2])];
            const Alternative& b = alt[size_t(hull.back())];
            const double cross = double(b.bytes - a.bytes) * (cost(p) - cost(a)) - (cost(b) - cost(a)) * double(p.bytes - a.bytes);
            if (cross > 0)
                break;
            hull.pop_back(); // b lies on or above the segment from a to p
        }
        hull.push_back(i);
    }
    return hull;
}

} // namespace

HullPath hullPath(const std::vector<Decision>& decisions, double bopsPrice)
{
    const auto cost = [bopsPrice](const Alternative& a) { return a.deltaLoss + bopsPrice * a.bops; };
    HullPath path;
    for (size_t d = 0; d < decisions.size(); ++d) {
        const std::vector<int> hull = hullOf(decisions[d], cost);
        const std::vector<Alternative>& alt = decisions[d].alternatives;
        path.start.push_back(hull.front());
        for (size_t h = 1; h < hull.size(); ++h) {
            const Alternative& from = alt[size_t(hull[h - 1])];
            const Alternative& to = alt[size_t(hull[h])];
            path.upgrades.push_back({int(d), hull[h], to.bytes - from.bytes, to.bops - from.bops, cost(to) - cost(from)});
        }
    }
    std::stable_sort(path.upgrades.begin(), path.upgrades.end(), [](const Upgrade& a, const Upgrade& b) {
        return a.cost / double(a.bytes) < b.cost / double(b.bytes);
    });
    return path;
}

HullGreedy hullGreedy(const std::vector<Decision>& decisions, int64_t budgetBytes, double bopsPrice)
{
    const HullPath path = hullPath(decisions, bopsPrice);
    HullGreedy result{path.start, 0.0};
    const PlanTotals start = totalsOf(decisions, path.start);
    int64_t bytes = start.bytes;
    double cost = start.deltaLoss + bopsPrice * start.bops;
    std::vector<bool> blocked(decisions.size(), false);
    bool boundSet = false;
    for (const Upgrade& u : path.upgrades) {
        if (blocked[size_t(u.decision)])
            continue;
        if (bytes + u.bytes <= budgetBytes) {
            bytes += u.bytes;
            cost += u.cost;
            result.alternatives[size_t(u.decision)] = u.to;
            continue;
        }
        if (!boundSet) { // nothing skipped so far: this is the LP optimum, with u taken fractionally
            result.bound = cost + u.cost * double(budgetBytes - bytes) / double(u.bytes);
            boundSet = true;
        }
        blocked[size_t(u.decision)] = true;
    }
    if (!boundSet) // every decision at its lowest cost: the greedy plan is optimal
        result.bound = cost;
    return result;
}

Allocation greedyHullAllocation(const AllocationProblem& problem)
{
    const auto start = std::chrono::steady_clock::now();
    const std::vector<Decision> decisions = decisionsOf(problem);
    if (problem.budgetBops)
        throw AllocationError("greedy-hull: the problem has a BOPs budget, which only the two-constraint and "
                              "evolutionary allocators honour");
    requireByteBudget(problem, decisions, "greedy-hull");
    const HullGreedy greedy = hullGreedy(decisions, problem.budgetBytes);
    Allocation a = allocationOf(problem, layerChoices(problem, decisions, greedy.alternatives), "greedy-hull");
    a.lowerBound = greedy.bound;
    a.gap = std::max(0.0, a.predictedDeltaLoss - greedy.bound);
    a.solverSeconds = secondsSince(start);
    return a;
}

} // namespace bitlens
