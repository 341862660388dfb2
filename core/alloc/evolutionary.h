#pragma once
// EvoPress-style search: a (1+λ) evolution over plans within the budgets, judged by a caller-given
// fitness (the measured calibration loss of the whole plan), because a sum of per-layer predicted
// losses can rank plans wrongly.

#include "allocation.h"
#include "allocation_problem.h"

#include "../progress.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace bitlens {

// Lower is better; takes the option index per layer. Called from the thread running the search.
using PlanFitness = std::function<double(const std::vector<int>& choices)>;

struct EvolutionSettings {
    uint64_t seed = 0;
    int offspring = 8;        // λ: plans tried per generation
    int maxSwitches = 3;      // level switches per offspring, drawn from [1, maxSwitches]
    int maxGenerations = 100;
    int maxEvaluations = 1000; // fitness calls, the start plan's included
};

struct EvolutionResult {
    Allocation allocation; // gap and lowerBound refer to the predicted ΔLoss, not the fitness
    double initialFitness = 0.0;
    double finalFitness = 0.0;
    int generations = 0;
    int evaluations = 0;
};

// Starts from `start` (option per layer; normally knapsackAllocation's plan) and mutates by level
// switches: one decision moves one alternative up in bytes while another moves one down, and an
// offspring is kept only if it fits the byte budget and any BOPs budget. Each generation's best
// offspring replaces the parent when its fitness is no worse. Pins and tie groups always hold.
// Throws AllocationError when the byte budget is infeasible (naming the smallest feasible budget)
// or the start plan breaks a pin, a tie group or a budget; Cancelled when the progress says so
// (checked before each fitness call).
EvolutionResult evolutionaryAllocation(const AllocationProblem& problem, const std::vector<int>& start,
                                       const PlanFitness& fitness, const EvolutionSettings& settings,
                                       Progress& progress);

} // namespace bitlens
