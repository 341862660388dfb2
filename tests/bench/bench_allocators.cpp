// Wall time of the allocators on synthetic cost tables of 100, 1,000 and 10,000 layers x 8 bit
// widths: knapsack at 1/100 bit per weight and a 4-bit average budget, greedy-hull with its gap, and
// the full Pareto front.

#include "bench_common.h"

#include "core/alloc/greedy_hull.h"
#include "core/alloc/knapsack.h"
#include "core/alloc/pareto_front.h"
#include "core/stopwatch.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <thread>

using namespace bitlens;

namespace {

struct Instance {
    AllocationProblem problem;
    int64_t weights = 0;
};

// Weights per layer log-uniform in [1e3, 1e6]; ΔLoss = sensitivity x 4^-bits with 10 % noise
// (decreasing and convex in bits, as quantization noise power falls); bytes = weights x bits / 8.
Instance syntheticInstance(int layers, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> logWeights(std::log(1e3), std::log(1e6));
    std::uniform_real_distribution<double> logSensitivity(std::log(1e-2), std::log(1e2));
    std::uniform_real_distribution<double> noise(0.9, 1.1);
    Instance instance;
    for (int l = 0; l < layers; ++l) {
        const int64_t weights = std::llround(std::exp(logWeights(rng)));
        const double sensitivity = std::exp(logSensitivity(rng));
        AllocationLayer layer{"layer" + std::to_string(l), {}};
        for (int bits : {2, 3, 4, 5, 6, 8, 12, 16})
            layer.options.push_back({"w" + std::to_string(bits), sensitivity * std::pow(4.0, -bits) * noise(rng),
                                     weights * bits / 8, double(weights * bits)});
        instance.weights += weights;
        instance.problem.layers.push_back(std::move(layer));
    }
    instance.problem.budgetBytes = instance.weights * 4 / 8;
    return instance;
}

} // namespace

int main()
{
    std::printf("bench_allocators: %u cores; median of 5 runs (3 for 10,000 layers), one thread\n",
                std::thread::hardware_concurrency());
    std::printf("budget: 4 bits per weight on average; knapsack and Pareto at 1/100 bit per weight\n\n");
    std::printf("%7s %12s | %11s %12s | %9s %12s %10s | %9s %7s\n", "layers", "lower bound", "knapsack ms",
                "knapsack dL", "greedy ms", "greedy dL", "greedy gap", "pareto ms", "points");
    NullProgress progress;
    for (int layers : {100, 1000, 10000}) {
        const Instance instance = syntheticInstance(layers, 42);
        const AllocationProblem& p = instance.problem;
        const int64_t resolution = std::max<int64_t>(1, std::llround(double(instance.weights) * 0.01 / 8.0));
        const int repeats = layers >= 10000 ? 3 : 5;
        Allocation knapsack, greedy;
        ParetoFront front;
        const double knapsackSeconds = bench::medianSeconds(repeats, [&] { knapsack = knapsackAllocation(p, resolution, progress); });
        const double greedySeconds = bench::medianSeconds(repeats, [&] { greedy = greedyHullAllocation(p); });
        const double frontSeconds = bench::medianSeconds(repeats, [&] { front = paretoFront(p, resolution, progress); });
        std::printf("%7d %12.6g | %11.2f %12.6g | %9.2f %12.6g %10.3g | %9.1f %7zu\n", layers, knapsack.lowerBound,
                    1e3 * knapsackSeconds, knapsack.predictedDeltaLoss, 1e3 * greedySeconds, greedy.predictedDeltaLoss,
                    greedy.gap, 1e3 * frontSeconds, front.points.size());
    }
    std::printf("\ndL: predicted ΔLoss of the plan; lower bound: Lagrangian bound at the budget; greedy gap: its dL "
                "minus that bound.\n");
    return 0;
}
