#include "pareto_front.h"

#include "decisions.h"
#include "greedy_hull.h"
#include "grouped_dp.h"

#include "../stopwatch.h"

#include <algorithm>
#include <sstream>

namespace bitlens {
namespace {

// A plan known by its totals and how to rebuild it: a DP budget step, or a number of hull upgrades.
struct Candidate {
    PlanTotals totals;
    int64_t dpSteps = -1; // -1: a hull vertex
    size_t upgrades = 0;
};

// Sorted by bytes: drops the dominated, and keeps the lowest loss within each resolution step.
std::vector<Candidate> frontOf(std::vector<Candidate> candidates, int64_t resolutionBytes)
{
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        return a.totals.bytes != b.totals.bytes ? a.totals.bytes < b.totals.bytes
                                                : a.totals.deltaLoss < b.totals.deltaLoss;
    });
    const int64_t smallest = candidates.front().totals.bytes;
    const auto step = [&](const Candidate& c) { return (c.totals.bytes - smallest) / resolutionBytes; };
    std::vector<Candidate> kept;
    for (const Candidate& c : candidates) {
        if (!kept.empty() && c.totals.deltaLoss >= kept.back().totals.deltaLoss)
            continue;
        if (!kept.empty() && step(c) == step(kept.back()))
            kept.pop_back();
        kept.push_back(c);
    }
    return kept;
}

} // namespace

ParetoFront paretoFront(const AllocationProblem& problem, int64_t resolutionBytes, Progress& progress)
{
    const char* method = "pareto";
    const auto start = std::chrono::steady_clock::now();
    const std::vector<Decision> decisions = decisionsOf(problem);
    const Grid grid = gridOf(problem, decisions, resolutionBytes, 0.0, method);
    const int64_t range = grid.byteRange();
    const GroupedDp dp(grid.items, range, 0, method, progress);
    const auto dpPlan = [&](int64_t steps) { return grid.alternatives(dp.choicesAt(steps, 0), decisions.size()); };

    std::vector<Candidate> candidates;
    for (int64_t s = 0; s <= range; ++s)
        if (s == 0 || dp.best(s, 0) < dp.best(s - 1, 0))
            candidates.push_back({totalsOf(decisions, dpPlan(s)), s, 0});
    const HullPath path = hullPath(decisions);
    PlanTotals vertex = totalsOf(decisions, path.start);
    candidates.push_back({vertex, -1, 0});
    for (size_t u = 0; u < path.upgrades.size(); ++u) {
        vertex.bytes += path.upgrades[u].bytes;
        vertex.bops += path.upgrades[u].bops;
        vertex.deltaLoss += path.upgrades[u].cost;
        candidates.push_back({vertex, -1, u + 1});
    }

    ParetoFront front;
    // Hull vertices come in path order along the front, so one walk rebuilds them all.
    std::vector<int> walked = path.start;
    size_t upgradesWalked = 0;
    for (const Candidate& c : frontOf(std::move(candidates), resolutionBytes)) {
        for (; c.dpSteps < 0 && upgradesWalked < c.upgrades; ++upgradesWalked)
            walked[size_t(path.upgrades[upgradesWalked].decision)] = path.upgrades[upgradesWalked].to;
        const std::vector<int> plan = c.dpSteps >= 0 ? dpPlan(c.dpSteps) : walked;
        Allocation a = allocationOf(problem, layerChoices(problem, decisions, plan), method);
        front.points.push_back({a.bytes, a.bops, a.predictedDeltaLoss, std::move(a.choices)});
    }
    front.solverSeconds = secondsSince(start);
    return front;
}

Allocation losslessAllocation(const AllocationProblem& problem, int64_t resolutionBytes, Progress& progress,
                              double tolerance)
{
    const auto start = std::chrono::steady_clock::now();
    ParetoFront front = paretoFront(problem, resolutionBytes, progress);
    const auto within = std::find_if(front.points.begin(), front.points.end(),
                                     [&](const FrontPoint& p) { return p.predictedDeltaLoss <= tolerance; });
    if (within == front.points.end()) {
        std::ostringstream message;
        message.precision(6);
        message << "lossless: no plan predicts a loss change of at most " << tolerance << "; the lowest is "
                << front.points.back().predictedDeltaLoss;
        throw AllocationError(message.str());
    }
    Allocation a = allocationOf(problem, std::move(within->choices), "lossless");
    a.lowerBound = hullGreedy(decisionsOf(problem), a.bytes).bound;
    a.solverSeconds = secondsSince(start);
    return a;
}

} // namespace bitlens
