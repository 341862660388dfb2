#include "grouped_dp.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace bitlens {
namespace {

constexpr size_t MaxAlternatives = 256;       // the choice table stores uint8
constexpr double MaxChoiceTableBytes = 1 << 30;

// The fewest and the most steps of an item's options in one dimension.
std::pair<int64_t, int64_t> stepSpan(const std::vector<GridOption>& item, int64_t GridOption::*steps)
{
    const auto [least, most] = std::minmax_element(
        item.begin(), item.end(), [steps](const GridOption& a, const GridOption& b) { return a.*steps < b.*steps; });
    return {(*least).*steps, (*most).*steps};
}

int64_t mostSteps(const std::vector<std::vector<GridOption>>& items, int64_t GridOption::*steps)
{
    int64_t most = 0;
    for (const std::vector<GridOption>& item : items)
        most += stepSpan(item, steps).second;
    return most;
}

} // namespace

int64_t Grid::byteSteps(int64_t budgetBytes) const
{
    const int64_t above = budgetBytes - baseBytes;
    return above >= 0 ? above / resolutionBytes : -1;
}

int64_t Grid::bopSteps(double budgetBops) const
{
    const double above = budgetBops - baseBops;
    if (above < 0)
        return -1;
    // Capped before the conversion: a budget far beyond every plan is clamped to the range anyway.
    return resolutionBops > 0 ? int64_t(std::min(std::floor(above / resolutionBops), 1e18)) : 0;
}

int64_t Grid::byteRange() const
{
    return mostSteps(items, &GridOption::byteSteps);
}

int64_t Grid::bopRange() const
{
    return mostSteps(items, &GridOption::bopSteps);
}

std::vector<int> Grid::alternatives(const std::vector<int>& itemChoices, size_t decisionCount) const
{
    std::vector<int> result(decisionCount, 0);
    for (size_t i = 0; i < items.size(); ++i)
        result[size_t(itemDecision[i])] = itemChoices[i];
    return result;
}

Grid gridOf(const AllocationProblem& problem, const std::vector<Decision>& decisions, int64_t resolutionBytes,
            double resolutionBops, const std::string& method, const std::vector<int>& anchors)
{
    if (resolutionBytes < 1)
        throw AllocationError(method + ": the byte resolution must be at least 1 byte, not "
                              + std::to_string(resolutionBytes));
    if (!(resolutionBops >= 0) || !std::isfinite(resolutionBops))
        throw AllocationError(method + ": the BOPs resolution must be finite and not negative");
    Grid grid;
    grid.resolutionBytes = resolutionBytes;
    grid.resolutionBops = resolutionBops;
    for (size_t d = 0; d < decisions.size(); ++d) {
        const std::vector<Alternative>& alternatives = decisions[d].alternatives;
        const auto fewest = [&](auto member) {
            const auto less = [member](const Alternative& a, const Alternative& b) { return a.*member < b.*member; };
            return (*std::min_element(alternatives.begin(), alternatives.end(), less)).*member;
        };
        const int64_t anchorBytes = anchors.empty() ? fewest(&Alternative::bytes) : alternatives[size_t(anchors[d])].bytes;
        const double anchorBops = anchors.empty() ? fewest(&Alternative::bops) : alternatives[size_t(anchors[d])].bops;
        if (alternatives.size() == 1) {
            grid.baseBytes += anchorBytes;
            grid.baseBops += anchorBops;
            continue;
        }
        if (alternatives.size() > MaxAlternatives)
            throw AllocationError(method + ": layer '" + problem.layers[size_t(decisions[d].layers.front())].name
                                  + "' has more than 256 options");
        std::vector<GridOption> item;
        for (const Alternative& a : alternatives) {
            // Rounded up, and toward zero below the anchor: the steps never understate bytes or BOPs.
            const int64_t above = a.bytes - anchorBytes;
            const int64_t byteSteps = above >= 0 ? (above + resolutionBytes - 1) / resolutionBytes : above / resolutionBytes;
            const int64_t bopSteps = resolutionBops > 0 ? int64_t(std::ceil((a.bops - anchorBops) / resolutionBops)) : 0;
            item.push_back({byteSteps, bopSteps, a.deltaLoss});
        }
        // Steps start at 0 for the DP's arrays: the least of them moves into the base.
        const int64_t leastBytes = stepSpan(item, &GridOption::byteSteps).first;
        const int64_t leastBops = stepSpan(item, &GridOption::bopSteps).first;
        for (GridOption& o : item) {
            o.byteSteps -= leastBytes;
            o.bopSteps -= leastBops;
        }
        grid.baseBytes += anchorBytes + leastBytes * resolutionBytes;
        grid.baseBops += anchorBops + double(leastBops) * resolutionBops;
        grid.items.push_back(std::move(item));
        grid.itemDecision.push_back(int(d));
    }
    return grid;
}

GroupedDp::GroupedDp(std::vector<std::vector<GridOption>> items, int64_t byteCapacity, int64_t bopCapacity,
                     const std::string& method, Progress& progress)
    : m_items(std::move(items)), m_width(size_t(byteCapacity) + 1), m_height(size_t(bopCapacity) + 1)
{
    if (double(m_width) * double(m_height) * double(std::max<size_t>(m_items.size(), 1)) > MaxChoiceTableBytes)
        throw AllocationError(method + ": the dynamic program would need " + std::to_string(m_items.size()) + " x "
                              + std::to_string(m_width) + " x " + std::to_string(m_height)
                              + " states, over 1 GiB; use a coarser resolution");
    const size_t states = m_width * m_height;
    // "Within the capacity": with nothing chosen yet every capacity holds the empty plan, so each
    // state's optimum is monotone in the capacities and no final scan over states is needed.
    std::vector<double> previous(states, 0.0);
    std::vector<double> current(states);
    m_choices.resize(m_items.size() * states);
    for (size_t i = 0; i < m_items.size(); ++i) {
        progress.checkCancelled();
        std::fill(current.begin(), current.end(), std::numeric_limits<double>::infinity());
        uint8_t* choices = m_choices.data() + i * states;
        for (size_t c = 0; c < m_items[i].size(); ++c) {
            const GridOption& o = m_items[i][c];
            if (size_t(o.byteSteps) >= m_width || size_t(o.bopSteps) >= m_height)
                continue;
            for (size_t t = size_t(o.bopSteps); t < m_height; ++t) {
                const double* from = previous.data() + (t - size_t(o.bopSteps)) * m_width;
                double* to = current.data() + t * m_width;
                uint8_t* choice = choices + t * m_width;
                for (size_t s = size_t(o.byteSteps); s < m_width; ++s) {
                    const double candidate = from[s - size_t(o.byteSteps)] + o.deltaLoss;
                    if (candidate < to[s]) {
                        to[s] = candidate;
                        choice[s] = uint8_t(c);
                    }
                }
            }
        }
        std::swap(previous, current);
        progress.report(double(i + 1) / double(m_items.size()), "allocating layer by layer");
    }
    m_best = std::move(previous);
}

double GroupedDp::best(int64_t byteSteps, int64_t bopSteps) const
{
    return m_best[state(byteSteps, bopSteps)];
}

std::vector<int> GroupedDp::choicesAt(int64_t byteSteps, int64_t bopSteps) const
{
    const size_t states = m_width * m_height;
    std::vector<int> choices(m_items.size());
    for (size_t i = m_items.size(); i-- > 0;) {
        const int c = m_choices[i * states + state(byteSteps, bopSteps)];
        choices[i] = c;
        byteSteps -= m_items[i][size_t(c)].byteSteps;
        bopSteps -= m_items[i][size_t(c)].bopSteps;
    }
    return choices;
}

} // namespace bitlens
