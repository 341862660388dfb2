#include "evolutionary.h"

#include "decisions.h"
#include "greedy_hull.h"

#include "../stopwatch.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>

namespace bitlens {
namespace {

constexpr int MutationAttempts = 100; // per offspring and per switch, before giving up on it

// Plans as a rank per decision into its alternatives sorted by bytes, so that "one level up" means
// the next larger alternative.
class PlanSpace {
public:
    PlanSpace(const AllocationProblem& problem, const std::vector<Decision>& decisions)
        : m_problem(problem), m_decisions(decisions)
    {
        for (size_t d = 0; d < decisions.size(); ++d) {
            const std::vector<Alternative>& alt = decisions[d].alternatives;
            std::vector<int> order(alt.size());
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(order.begin(), order.end(),
                             [&](int a, int b) { return alt[size_t(a)].bytes < alt[size_t(b)].bytes; });
            m_byBytes.push_back(std::move(order));
            if (alt.size() > 1)
                m_free.push_back(int(d));
        }
    }

    size_t freeCount() const { return m_free.size(); }

    std::vector<int> ranksOf(const std::vector<int>& alternatives) const
    {
        std::vector<int> ranks;
        for (size_t d = 0; d < alternatives.size(); ++d)
            ranks.push_back(int(std::find(m_byBytes[d].begin(), m_byBytes[d].end(), alternatives[d]) - m_byBytes[d].begin()));
        return ranks;
    }

    std::vector<int> alternatives(const std::vector<int>& ranks) const
    {
        std::vector<int> result;
        for (size_t d = 0; d < ranks.size(); ++d)
            result.push_back(m_byBytes[d][size_t(ranks[d])]);
        return result;
    }

    std::vector<int> choices(const std::vector<int>& ranks) const
    {
        return layerChoices(m_problem, m_decisions, alternatives(ranks));
    }

    bool fits(const std::vector<int>& ranks) const
    {
        const PlanTotals t = totalsOf(m_decisions, alternatives(ranks));
        return t.bytes <= m_problem.budgetBytes && (!m_problem.budgetBops || t.bops <= *m_problem.budgetBops);
    }

    // A level switch: a random free decision one step up, another one step down.
    bool levelSwitch(std::vector<int>& ranks, std::mt19937_64& rng) const
    {
        std::uniform_int_distribution<size_t> pick(0, m_free.size() - 1);
        const size_t up = size_t(m_free[pick(rng)]);
        const size_t down = size_t(m_free[pick(rng)]);
        if (up == down || size_t(ranks[up]) + 1 >= m_byBytes[up].size() || ranks[down] == 0)
            return false;
        ++ranks[up];
        --ranks[down];
        return true;
    }

    std::optional<std::vector<int>> mutate(const std::vector<int>& parent, int maxSwitches, std::mt19937_64& rng) const
    {
        std::uniform_int_distribution<int> switchCount(1, maxSwitches);
        for (int attempt = 0; attempt < MutationAttempts; ++attempt) {
            std::vector<int> child = parent;
            // Bounded: with every decision at its top (or bottom) no switch exists at all.
            for (int switches = switchCount(rng), tries = 0; switches > 0 && tries < MutationAttempts; ++tries)
                switches -= levelSwitch(child, rng) ? 1 : 0;
            if (child != parent && fits(child))
                return child;
        }
        return std::nullopt;
    }

private:
    const AllocationProblem& m_problem;
    const std::vector<Decision>& m_decisions;
    std::vector<std::vector<int>> m_byBytes; // per decision: alternative indices by rising bytes
    std::vector<int> m_free;                 // decisions with more than one alternative
};

void checkSettings(const EvolutionSettings& s)
{
    if (s.offspring < 1 || s.maxSwitches < 1 || s.maxGenerations < 0 || s.maxEvaluations < 1)
        throw AllocationError("evolutionary: offspring, switches and evaluations must be at least 1 and generations "
                              "at least 0");
}

} // namespace

EvolutionResult evolutionaryAllocation(const AllocationProblem& problem, const std::vector<int>& start,
                                       const PlanFitness& fitness, const EvolutionSettings& settings,
                                       Progress& progress)
{
    const char* method = "evolutionary";
    const auto clock = std::chrono::steady_clock::now();
    checkSettings(settings);
    const std::vector<Decision> decisions = decisionsOf(problem);
    requireByteBudget(problem, decisions, method);
    const PlanSpace space(problem, decisions);
    std::vector<int> parent = space.ranksOf(alternativesOf(problem, decisions, start, method));
    if (!space.fits(parent))
        throw AllocationError("evolutionary: the start plan exceeds the byte or BOPs budget");

    EvolutionResult result;
    progress.checkCancelled();
    double parentFitness = fitness(space.choices(parent));
    result.initialFitness = parentFitness;
    result.evaluations = 1;
    std::mt19937_64 rng(settings.seed);
    // Without two decisions to trade bytes between, no level switch exists.
    while (space.freeCount() >= 2 && result.generations < settings.maxGenerations
           && result.evaluations < settings.maxEvaluations) {
        std::optional<std::vector<int>> best;
        double bestFitness = 0.0;
        for (int k = 0; k < settings.offspring && result.evaluations < settings.maxEvaluations; ++k) {
            std::optional<std::vector<int>> child = space.mutate(parent, settings.maxSwitches, rng);
            if (!child)
                continue;
            progress.checkCancelled();
            const double f = fitness(space.choices(*child));
            ++result.evaluations;
            if (!best || f < bestFitness) {
                best = std::move(child);
                bestFitness = f;
            }
        }
        // Accepting equal fitness lets the search drift across plateaus of the measured loss.
        if (best && bestFitness <= parentFitness) {
            parent = std::move(*best);
            parentFitness = bestFitness;
        }
        ++result.generations;
        std::ostringstream message;
        message << "generation " << result.generations << ": fitness " << parentFitness;
        progress.report(std::max(double(result.generations) / std::max(settings.maxGenerations, 1),
                                 double(result.evaluations) / settings.maxEvaluations),
                        message.str());
    }
    result.finalFitness = parentFitness;
    result.allocation = allocationOf(problem, space.choices(parent), method);
    result.allocation.lowerBound = hullGreedy(decisions, problem.budgetBytes).bound;
    result.allocation.gap = std::max(0.0, result.allocation.predictedDeltaLoss - result.allocation.lowerBound);
    result.allocation.solverSeconds = secondsSince(clock);
    return result;
}

} // namespace bitlens
