#include "knapsack.h"

#include "decisions.h"
#include "greedy_hull.h"
#include "grouped_dp.h"

#include "../stopwatch.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace bitlens {
namespace {

// The exact plan read from the DP at the budget's steps; gap 0 by construction.
Allocation exactAllocation(const AllocationProblem& problem, const std::vector<Decision>& decisions, const Grid& grid,
                           const GroupedDp& dp, int64_t byteSteps, int64_t bopSteps, double lowerBound,
                           const char* method)
{
    const std::vector<int> alternatives = grid.alternatives(dp.choicesAt(byteSteps, bopSteps), decisions.size());
    Allocation a = allocationOf(problem, layerChoices(problem, decisions, alternatives), method);
    a.lowerBound = lowerBound;
    return a;
}

std::string number(double value)
{
    std::ostringstream s;
    s.precision(15);
    s << value;
    return s.str();
}

// The smallest byte budget the two-constraint DP accepts within bopSteps: a DP over BOP steps that
// minimises byte steps.
int64_t smallestBytesWithin(const Grid& grid, int64_t bopSteps, Progress& progress)
{
    std::vector<std::vector<GridOption>> swapped;
    for (const std::vector<GridOption>& item : grid.items) {
        std::vector<GridOption> options;
        for (const GridOption& o : item)
            options.push_back({o.bopSteps, 0, double(o.byteSteps)});
        swapped.push_back(std::move(options));
    }
    const GroupedDp dp(std::move(swapped), bopSteps, 0, "two-constraint", progress);
    return grid.baseBytes + int64_t(dp.best(bopSteps, 0)) * grid.resolutionBytes;
}

// A plan within both budgets to anchor the grid at, and the best Lagrangian bound met on the way:
// the hull greedy within the byte budget at a rising BOPs price until its BOPs fit, then bisection
// toward the lowest price that fits. No alternatives when no price tried fits.
struct PricedAnchor {
    std::vector<int> alternatives;
    double bound = -std::numeric_limits<double>::infinity();
};

PricedAnchor pricedAnchor(const std::vector<Decision>& decisions, int64_t budgetBytes, double budgetBops)
{
    PricedAnchor result;
    const auto fitsAt = [&](double price) {
        HullGreedy greedy = hullGreedy(decisions, budgetBytes, price);
        // Weak duality: ΔLoss >= ΔLoss + price x (BOPs - budget) for every plan within the budget.
        result.bound = std::max(result.bound, greedy.bound - price * budgetBops);
        if (totalsOf(decisions, greedy.alternatives).bops > budgetBops)
            return false;
        result.alternatives = std::move(greedy.alternatives);
        return true;
    };
    if (fitsAt(0.0))
        return result;
    // Start where a decision's whole BOPs range weighs about as much as its whole ΔLoss range.
    double lossSpread = 0.0;
    double bopsSpread = 0.0;
    for (const Decision& d : decisions)
        for (const Alternative& a : d.alternatives) {
            lossSpread = std::max(lossSpread, std::abs(a.deltaLoss - d.alternatives.front().deltaLoss));
            bopsSpread = std::max(bopsSpread, std::abs(a.bops - d.alternatives.front().bops));
        }
    if (bopsSpread == 0.0)
        return result;
    double low = 0.0;
    double high = std::max(lossSpread, 1e-300) / bopsSpread;
    for (int doubling = 0; !fitsAt(high); ++doubling, high *= 4.0)
        if (doubling == 40)
            return result;
    for (int halving = 0; halving < 20; ++halving) {
        const double middle = 0.5 * (low + high);
        (fitsAt(middle) ? high : low) = middle;
    }
    return result;
}

} // namespace

Allocation knapsackAllocation(const AllocationProblem& problem, int64_t resolutionBytes, Progress& progress)
{
    const char* method = "knapsack";
    const auto start = std::chrono::steady_clock::now();
    const std::vector<Decision> decisions = decisionsOf(problem);
    if (problem.budgetBops)
        throw AllocationError("knapsack: the problem has a BOPs budget, which only the two-constraint and "
                              "evolutionary allocators honour");
    requireByteBudget(problem, decisions, method);
    const HullGreedy greedy = hullGreedy(decisions, problem.budgetBytes);
    const Grid grid = gridOf(problem, decisions, resolutionBytes, 0.0, method, greedy.alternatives);
    const int64_t steps = std::min(grid.byteSteps(problem.budgetBytes), grid.byteRange());
    const GroupedDp dp(grid.items, steps, 0, method, progress);
    Allocation a = exactAllocation(problem, decisions, grid, dp, steps, 0, greedy.bound, method);
    a.solverSeconds = secondsSince(start);
    return a;
}

Allocation twoConstraintAllocation(const AllocationProblem& problem, int64_t resolutionBytes, double resolutionBops,
                                   Progress& progress)
{
    const char* method = "two-constraint";
    const auto start = std::chrono::steady_clock::now();
    const std::vector<Decision> decisions = decisionsOf(problem);
    if (!problem.budgetBops)
        throw AllocationError("two-constraint: the problem has no BOPs budget; use the knapsack allocator");
    if (!(resolutionBops > 0))
        throw AllocationError("two-constraint: the BOPs resolution must be positive");
    const PricedAnchor anchor = problem.budgetBytes >= smallestBytes(decisions)
                                    ? pricedAnchor(decisions, problem.budgetBytes, *problem.budgetBops)
                                    : PricedAnchor{};
    // Without an anchor the grid starts at each decision's fewest bytes and BOPs.
    const Grid grid = gridOf(problem, decisions, resolutionBytes, resolutionBops, method, anchor.alternatives);
    const int64_t bopSteps = std::min(grid.bopSteps(*problem.budgetBops), grid.bopRange());
    if (bopSteps < 0)
        throw AllocationError("two-constraint: the BOPs budget of " + number(*problem.budgetBops)
                              + " is infeasible; the plan with the fewest BOPs needs " + number(grid.baseBops));
    const int64_t byteSteps = std::min(grid.byteSteps(problem.budgetBytes), grid.byteRange());
    if (byteSteps >= 0) {
        const GroupedDp dp(grid.items, byteSteps, bopSteps, method, progress);
        if (std::isfinite(dp.best(byteSteps, bopSteps))) {
            Allocation a = exactAllocation(problem, decisions, grid, dp, byteSteps, bopSteps, anchor.bound, method);
            a.solverSeconds = secondsSince(start);
            return a;
        }
    }
    throw AllocationError("two-constraint: the budget of " + std::to_string(problem.budgetBytes) + " bytes and "
                          + number(*problem.budgetBops) + " BOPs is infeasible; within those BOPs the smallest plan needs "
                          + std::to_string(smallestBytesWithin(grid, bopSteps, progress)) + " bytes at a resolution of "
                          + std::to_string(resolutionBytes) + " bytes");
}

} // namespace bitlens
