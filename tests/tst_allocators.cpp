// The allocators against brute force on small random problems (negative ΔLoss, pins, tie groups),
// their error messages, the problem's JSON form, and the evolutionary search on a non-additive
// fitness.

#include "core/alloc/allocation_problem.h"
#include "core/alloc/cost_table_problem.h"
#include "core/alloc/decisions.h"
#include "core/alloc/evolutionary.h"
#include "core/alloc/greedy_hull.h"
#include "core/alloc/knapsack.h"
#include "test_helpers.h"
#include "core/alloc/pareto_front.h"
#include "core/quant/option_spec.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

using namespace bitlens;
using testing::CancelAfter;

namespace {

constexpr double Tolerance = 1e-9;
constexpr int Instances = 300;

struct Plan {
    std::vector<int> choices;
    int64_t bytes = 0;
    double bops = 0.0;
    double loss = 0.0;
};

bool honours(const AllocationProblem& p, const std::vector<int>& choices)
{
    if (choices.size() != p.layers.size())
        return false;
    for (size_t l = 0; l < choices.size(); ++l)
        if (choices[l] < 0 || size_t(choices[l]) >= p.layers[l].options.size())
            return false;
    for (const auto& [layer, option] : p.pinned)
        if (choices[size_t(layer)] != option)
            return false;
    for (const std::vector<int>& group : p.tieGroups)
        for (int layer : group)
            if (p.layers[size_t(layer)].options[size_t(choices[size_t(layer)])].label
                != p.layers[size_t(group.front())].options[size_t(choices[size_t(group.front())])].label)
                return false;
    return true;
}

// Every plan that honours the pins and tie groups, whatever its cost.
std::vector<Plan> allPlans(const AllocationProblem& p)
{
    std::vector<Plan> plans;
    std::vector<int> choices(p.layers.size(), 0);
    while (true) {
        if (honours(p, choices)) {
            Plan plan{choices};
            for (size_t l = 0; l < choices.size(); ++l) {
                const AllocationOption& o = p.layers[l].options[size_t(choices[l])];
                plan.bytes += o.bytes;
                plan.bops += o.bops;
                plan.loss += o.deltaLoss;
            }
            plans.push_back(std::move(plan));
        }
        size_t l = 0;
        while (l < choices.size() && size_t(++choices[l]) == p.layers[l].options.size())
            choices[l++] = 0;
        if (l == choices.size())
            return plans;
    }
}

// The least loss within the budgets; +inf when no plan fits.
double bruteOptimum(const std::vector<Plan>& plans, int64_t budgetBytes,
                    double budgetBops = std::numeric_limits<double>::infinity())
{
    double best = std::numeric_limits<double>::infinity();
    for (const Plan& plan : plans)
        if (plan.bytes <= budgetBytes && plan.bops <= budgetBops)
            best = std::min(best, plan.loss);
    return best;
}

int64_t fewestBytes(const std::vector<Plan>& plans, double budgetBops = std::numeric_limits<double>::infinity())
{
    int64_t fewest = std::numeric_limits<int64_t>::max();
    for (const Plan& plan : plans)
        if (plan.bops <= budgetBops)
            fewest = std::min(fewest, plan.bytes);
    return fewest;
}

// 6 layers x 4 options drawn from 5 labels (so tied layers may lack a label), ΔLoss in [-1, 3],
// integer bytes and BOPs; sometimes a tie group of 2 or 3 layers and pins, one of them inside the
// group. The byte budget lies between the smallest and the largest plan.
AllocationProblem randomProblem(std::mt19937_64& rng)
{
    const std::vector<std::string> labels{"w2", "w3", "w4", "w8", "fp16"};
    std::uniform_real_distribution<double> loss(-1.0, 3.0);
    std::uniform_int_distribution<int64_t> bytes(1, 60);
    std::uniform_int_distribution<int> percent(0, 99);
    AllocationProblem p;
    for (int l = 0; l < 6; ++l) {
        std::vector<std::string> mine = labels;
        std::shuffle(mine.begin(), mine.end(), rng);
        AllocationLayer layer{"layer" + std::to_string(l), {}};
        for (int o = 0; o < 4; ++o)
            layer.options.push_back({mine[size_t(o)], loss(rng), bytes(rng), double(bytes(rng))});
        p.layers.push_back(std::move(layer));
    }
    std::vector<int> order{0, 1, 2, 3, 4, 5};
    std::shuffle(order.begin(), order.end(), rng);
    if (percent(rng) < 50) {
        std::vector<int> group(order.begin(), order.begin() + 2 + percent(rng) % 2);
        p.tieGroups.push_back(group);
        if (allPlans(p).empty())
            p.tieGroups.clear(); // no label common to the group
        else if (percent(rng) < 40) {
            const std::vector<int> any = allPlans(p).front().choices;
            p.pinned[group.front()] = any[size_t(group.front())];
        }
    }
    if (percent(rng) < 50)
        p.pinned[order[5]] = percent(rng) % 4;
    const std::vector<Plan> plans = allPlans(p);
    int64_t most = 0;
    for (const Plan& plan : plans)
        most = std::max(most, plan.bytes);
    p.budgetBytes = std::uniform_int_distribution<int64_t>(fewestBytes(plans), most)(rng);
    return p;
}

std::vector<Plan> bruteFront(std::vector<Plan> plans)
{
    std::sort(plans.begin(), plans.end(),
              [](const Plan& a, const Plan& b) { return a.bytes != b.bytes ? a.bytes < b.bytes : a.loss < b.loss; });
    std::vector<Plan> front;
    for (const Plan& plan : plans)
        if (front.empty() || plan.loss < front.back().loss - Tolerance)
            front.push_back(plan);
    return front;
}

QString message(const std::function<void()>& f)
{
    try {
        f();
    } catch (const AllocationError& e) {
        return QString::fromStdString(e.what());
    }
    return QStringLiteral("(no AllocationError)");
}

// 24 layers at 2, 3, 4, 5, 6 or 8 bits: bytes = weights x bits / 8, BOPs = weights x bits, and a
// predicted ΔLoss that halves per bit. Layer 0 is pinned to w8, layers 4 and 5 are tied.
AllocationProblem bitWidthProblem()
{
    AllocationProblem p;
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int64_t> weights(1000, 20000);
    std::uniform_real_distribution<double> sensitivity(0.2, 2.0);
    int64_t total = 0;
    for (int l = 0; l < 24; ++l) {
        AllocationLayer layer{"blocks." + std::to_string(l), {}};
        const int64_t n = weights(rng);
        const double s = sensitivity(rng);
        total += n;
        for (int bits : {2, 3, 4, 5, 6, 8})
            layer.options.push_back({"w" + std::to_string(bits), s * std::pow(2.0, -bits), n * bits / 8, double(n * bits)});
        p.layers.push_back(std::move(layer));
    }
    p.tieGroups = {{4, 5}};
    p.pinned = {{0, 5}};
    p.budgetBytes = total * 4 / 8;
    return p;
}

// 60 layers of 1e3..1e6 weights (log-uniform) at 2..8 bits, BOPs = weights x bits: at 1/100 bit per
// weight over the whole model most layers are smaller than one resolution step.
AllocationProblem smallLayersProblem(int64_t& weights)
{
    std::mt19937_64 rng(10);
    std::uniform_real_distribution<double> logWeights(std::log(1e3), std::log(1e6));
    AllocationProblem p;
    weights = 0;
    for (int l = 0; l < 60; ++l) {
        const int64_t n = std::llround(std::exp(logWeights(rng)));
        const double sensitivity = std::exp(logWeights(rng));
        weights += n;
        AllocationLayer layer{"layer" + std::to_string(l), {}};
        for (int bits : {2, 3, 4, 6, 8})
            layer.options.push_back({"w" + std::to_string(bits), sensitivity * std::pow(4.0, -bits), n * bits / 8, double(n * bits)});
        p.layers.push_back(std::move(layer));
    }
    p.budgetBytes = weights * 4 / 8;
    return p;
}

} // namespace

class TestAllocators : public QObject {
    Q_OBJECT

private slots:
    // A cost table's problem on 2,000 layers of varied shapes: every chosen option, mapped back to a
    // plan, is what the whole-model uniform plan of that candidate gives the layer, and the plan maps
    // back to the same choices.
    void planFromChoicesOnManyLayers()
    {
        const std::vector<std::string> candidates{"w4", "w8:group32:asym", "w4:group64+rank0.5", "rank0.25", "fp8_e4m3,a8"};
        ModelAnalysis a;
        for (int l = 0; l < 2000; ++l) {
            LayerInfo layer;
            layer.name = "layer" + std::to_string(l);
            layer.kind = LayerKind::Linear;
            layer.weightShape = {16 + l % 97, 32 * (1 + l % 5)};
            layer.weightParams = layer.weightShape[0] * layer.weightShape[1];
            a.layers.push_back(layer);
        }
        a.sensitivity.options = candidates;
        a.sensitivity.layerOptions = resolveCandidates(candidates, a.layers);
        CostTable table;
        table.estimator = "measured";
        table.deltaLoss.assign(a.layers.size(), std::vector<double>(candidates.size(), 1.0));
        a.sensitivity.tables.push_back(table);
        const AllocationProblem problem = problemFromAnalysis(a, "measured", int64_t(1) << 40, std::nullopt);
        std::vector<int> choices;
        for (size_t l = 0; l < a.layers.size(); ++l)
            choices.push_back(int((l * 7) % candidates.size()));
        const CompressionPlan plan = planFromChoices(problem, choices);
        QCOMPARE(plan.layers.size(), a.layers.size());
        for (size_t c = 0; c < candidates.size(); ++c) {
            const CompressionPlan uniform = uniformPlan(candidates[c], a.layers);
            for (size_t l = 0; l < a.layers.size(); ++l)
                if (choices[l] == int(c))
                    QVERIFY2(plan.optionFor(a.layers[l].name) == uniform.optionFor(a.layers[l].name),
                             qPrintable(QString::fromStdString(a.layers[l].name + " " + candidates[c])));
        }
        QCOMPARE(choicesFromPlan(plan, a.layers, a.sensitivity.layerOptions), choices);
    }

    void knapsackMatchesBruteForce()
    {
        std::mt19937_64 rng(1);
        NullProgress progress;
        for (int i = 0; i < Instances; ++i) {
            const AllocationProblem p = randomProblem(rng);
            const std::vector<Plan> plans = allPlans(p);
            const double optimum = bruteOptimum(plans, p.budgetBytes);
            const Allocation exact = knapsackAllocation(p, 1, progress);
            QVERIFY(honours(p, exact.choices));
            QVERIFY(exact.bytes <= p.budgetBytes);
            QVERIFY2(std::abs(exact.predictedDeltaLoss - optimum) < Tolerance, qPrintable(QString::number(i)));
            QCOMPARE(exact.gap, 0.0);
            QVERIFY(exact.lowerBound <= optimum + Tolerance);
            // Coarser: still within budget, no worse than greedy-hull (its anchor) nor than any plan
            // that leaves the rounding room.
            const double greedy = greedyHullAllocation(p).predictedDeltaLoss;
            for (int64_t resolution : {3, 7}) {
                const Allocation coarse = knapsackAllocation(p, resolution, progress);
                QVERIFY(honours(p, coarse.choices));
                QVERIFY(coarse.bytes <= p.budgetBytes);
                QVERIFY(coarse.predictedDeltaLoss <= greedy + Tolerance);
                QVERIFY(coarse.predictedDeltaLoss
                        <= bruteOptimum(plans, p.budgetBytes - int64_t(p.layers.size()) * resolution) + Tolerance);
            }
        }
    }

    void twoConstraintMatchesBruteForce()
    {
        std::mt19937_64 rng(2);
        NullProgress progress;
        int infeasible = 0;
        for (int i = 0; i < Instances; ++i) {
            AllocationProblem p = randomProblem(rng);
            const std::vector<Plan> plans = allPlans(p);
            p.budgetBops = std::uniform_real_distribution<double>(6.0, 300.0)(rng);
            const double optimum = bruteOptimum(plans, p.budgetBytes, *p.budgetBops);
            if (std::isinf(optimum)) {
                ++infeasible;
                const int64_t fewest = fewestBytes(plans, *p.budgetBops);
                const QString error = message([&] { twoConstraintAllocation(p, 1, 1.0, progress); });
                const QString expected = fewest == std::numeric_limits<int64_t>::max()
                                           ? QStringLiteral("BOPs budget of")
                                           : QStringLiteral("needs %1 bytes").arg(fewest);
                QVERIFY2(error.contains(expected), qPrintable(error + " / " + expected));
                continue;
            }
            const Allocation a = twoConstraintAllocation(p, 1, 1.0, progress);
            QVERIFY(honours(p, a.choices));
            QVERIFY(a.bytes <= p.budgetBytes && a.bops <= *p.budgetBops);
            QVERIFY2(std::abs(a.predictedDeltaLoss - optimum) < Tolerance, qPrintable(QString::number(i)));
            QVERIFY(a.lowerBound <= optimum + Tolerance);
            // Coarser: the rounding may refuse a tight budget, but then it names a larger one that works.
            try {
                const Allocation coarse = twoConstraintAllocation(p, 4, 5.0, progress);
                QVERIFY(coarse.bytes <= p.budgetBytes && coarse.bops <= *p.budgetBops);
            } catch (const AllocationError& e) {
                const QRegularExpressionMatch m = QRegularExpression("needs (\\d+) bytes").match(e.what());
                QVERIFY2(m.hasMatch(), e.what());
                p.budgetBytes = m.captured(1).toLongLong();
                QVERIFY(p.budgetBytes > a.bytes);
                QVERIFY(twoConstraintAllocation(p, 4, 5.0, progress).bops <= *p.budgetBops);
            }
        }
        QVERIFY(infeasible > 0 && infeasible < Instances / 2); // both paths were exercised
    }

    void greedyHullGapBoundsTrueGap()
    {
        std::mt19937_64 rng(3);
        int suboptimal = 0;
        for (int i = 0; i < Instances; ++i) {
            const AllocationProblem p = randomProblem(rng);
            const double optimum = bruteOptimum(allPlans(p), p.budgetBytes);
            const Allocation a = greedyHullAllocation(p);
            QVERIFY(honours(p, a.choices));
            QVERIFY(a.bytes <= p.budgetBytes);
            QVERIFY(a.lowerBound <= optimum + Tolerance);
            QVERIFY2(a.gap >= a.predictedDeltaLoss - optimum - Tolerance, qPrintable(QString::number(i)));
            QVERIFY(std::abs(a.gap - (a.predictedDeltaLoss - a.lowerBound)) < Tolerance);
            suboptimal += a.predictedDeltaLoss > optimum + Tolerance ? 1 : 0;
        }
        QVERIFY(suboptimal > 0); // the instances do separate greedy from exact
    }

    void paretoFrontMatchesBruteForce()
    {
        std::mt19937_64 rng(4);
        NullProgress progress;
        for (int i = 0; i < Instances; ++i) {
            const AllocationProblem p = randomProblem(rng);
            const std::vector<Plan> expected = bruteFront(allPlans(p));
            const ParetoFront front = paretoFront(p, 1, progress);
            QCOMPARE(front.points.size(), expected.size());
            for (size_t k = 0; k < expected.size(); ++k) {
                const FrontPoint& point = front.points[k];
                QCOMPARE(point.bytes, expected[k].bytes);
                QVERIFY(std::abs(point.predictedDeltaLoss - expected[k].loss) < Tolerance);
                QVERIFY(honours(p, point.choices));
            }
        }
    }

    void paretoPointsAreKnapsackOptima()
    {
        std::mt19937_64 rng(5);
        NullProgress progress;
        for (int i = 0; i < Instances / 3; ++i) {
            AllocationProblem p = randomProblem(rng);
            for (const FrontPoint& point : paretoFront(p, 1, progress).points) {
                p.budgetBytes = point.bytes;
                QVERIFY(std::abs(knapsackAllocation(p, 1, progress).predictedDeltaLoss - point.predictedDeltaLoss) < Tolerance);
            }
        }
    }

    // At a coarse resolution the front is approximate, but still spans the first resolution step to
    // the lowest loss with real plans, monotone, one per step and never below the LP bound.
    void coarseParetoFrontIsConsistent()
    {
        std::mt19937_64 rng(9);
        NullProgress progress;
        constexpr int64_t Resolution = 5;
        for (int i = 0; i < Instances / 3; ++i) {
            AllocationProblem p = randomProblem(rng);
            const std::vector<Plan> plans = allPlans(p);
            const ParetoFront front = paretoFront(p, Resolution, progress);
            const int64_t smallest = fewestBytes(plans);
            QVERIFY(front.points.front().bytes - smallest < Resolution);
            QVERIFY(std::abs(front.points.back().predictedDeltaLoss - bruteOptimum(plans, INT64_MAX)) < Tolerance);
            for (size_t k = 0; k < front.points.size(); ++k) {
                const FrontPoint& point = front.points[k];
                QVERIFY(honours(p, point.choices));
                if (k > 0) {
                    QVERIFY(point.predictedDeltaLoss < front.points[k - 1].predictedDeltaLoss);
                    QVERIFY((point.bytes - smallest) / Resolution > (front.points[k - 1].bytes - smallest) / Resolution);
                }
                p.budgetBytes = point.bytes;
                QVERIFY(point.predictedDeltaLoss >= greedyHullAllocation(p).lowerBound - Tolerance);
            }
        }
    }

    // Layers far smaller than a resolution step (1/100 bit per weight over the whole model): the
    // front still holds, within each step, a plan as good as every LP hull vertex, which are exact.
    void coarseFrontKeepsHullVertices()
    {
        int64_t weights = 0;
        const AllocationProblem p = smallLayersProblem(weights);
        const int64_t resolution = weights / 800;
        NullProgress progress;
        const ParetoFront front = paretoFront(p, resolution, progress);
        const std::vector<Decision> decisions = decisionsOf(p);
        const HullPath path = hullPath(decisions);
        const int64_t smallest = smallestBytes(decisions);
        PlanTotals vertex = totalsOf(decisions, path.start);
        for (size_t u = 0; u <= path.upgrades.size(); ++u) {
            const auto asGood = [&](const FrontPoint& point) {
                return (point.bytes - smallest) / resolution <= (vertex.bytes - smallest) / resolution
                    && point.predictedDeltaLoss <= vertex.deltaLoss + Tolerance;
            };
            QVERIFY2(std::any_of(front.points.begin(), front.points.end(), asGood), qPrintable(QString::number(u)));
            if (u < path.upgrades.size()) {
                vertex.bytes += path.upgrades[u].bytes;
                vertex.deltaLoss += path.upgrades[u].cost;
            }
        }
    }

    // The same small layers under both budgets: anchored at a priced greedy plan, the rounding of a
    // coarse grid stays with the few layers the DP moves, so the plan lies near the Lagrangian bound.
    void coarseTwoConstraintStaysNearBound()
    {
        int64_t weights = 0;
        AllocationProblem p = smallLayersProblem(weights);
        p.budgetBops = 3.5 * double(weights);
        NullProgress progress;
        const Allocation a = twoConstraintAllocation(p, weights / 800, double(weights) / 100.0, progress);
        QVERIFY(a.bytes <= p.budgetBytes && a.bops <= *p.budgetBops);
        QVERIFY(a.lowerBound > 0.0);
        QVERIFY2(a.predictedDeltaLoss <= 1.05 * a.lowerBound,
                 qPrintable(QStringLiteral("%1 vs bound %2").arg(a.predictedDeltaLoss).arg(a.lowerBound)));
    }

    void losslessIsSmallestWithinTolerance()
    {
        std::mt19937_64 rng(6);
        NullProgress progress;
        int refused = 0;
        for (int i = 0; i < Instances; ++i) {
            const AllocationProblem p = randomProblem(rng);
            const std::vector<Plan> plans = allPlans(p);
            const double tolerance = i % 2 == 0 ? 0.0 : std::uniform_real_distribution<double>(-2.0, 4.0)(rng);
            int64_t smallest = std::numeric_limits<int64_t>::max();
            for (const Plan& plan : plans)
                if (plan.loss <= tolerance)
                    smallest = std::min(smallest, plan.bytes);
            if (smallest == std::numeric_limits<int64_t>::max()) {
                ++refused;
                QVERIFY(message([&] { losslessAllocation(p, 1, progress, tolerance); }).contains("the lowest is"));
                continue;
            }
            const Allocation a = losslessAllocation(p, 1, progress, tolerance);
            QVERIFY(honours(p, a.choices));
            QCOMPARE(a.bytes, smallest);
            QVERIFY(a.predictedDeltaLoss <= tolerance);
        }
        QVERIFY(refused > 0 && refused < Instances);
    }

    void infeasibleBudgetGivesSmallestBudget()
    {
        std::mt19937_64 rng(8);
        NullProgress progress;
        for (int i = 0; i < 50; ++i) {
            AllocationProblem p = randomProblem(rng);
            const int64_t smallest = fewestBytes(allPlans(p));
            p.budgetBytes = smallest - 1;
            const QString expected = QStringLiteral("needs %1 bytes").arg(smallest);
            QVERIFY(message([&] { knapsackAllocation(p, 3, progress); }).contains(expected));
            QVERIFY(message([&] { greedyHullAllocation(p); }).contains(expected));
            const std::vector<int> start(p.layers.size(), 0);
            QVERIFY(message([&] { evolutionaryAllocation(p, start, [](const std::vector<int>&) { return 0.0; }, {}, progress); })
                        .contains(expected));
        }
    }

    void invalidProblemNamesCause_data()
    {
        QTest::addColumn<int>("defect");
        QTest::addColumn<QString>("expected");
        QTest::newRow("NaN loss") << 0 << QString("layer 'blocks.1.conv' option 'w4' has a non-finite delta_loss");
        QTest::newRow("infinite BOPs") << 1 << QString("layer 'blocks.1.conv' option 'w4' has BOPs");
        QTest::newRow("no options") << 2 << QString("layer 'blocks.1.conv' has no options");
        QTest::newRow("pin out of range") << 3 << QString("layer 'blocks.1.conv' is pinned to option 9");
        QTest::newRow("two tie groups") << 4 << QString("layer 'blocks.1.conv' is in two tie groups");
        QTest::newRow("no common label") << 5 << QString("tie group of layer 'blocks.0.conv' has no option label common");
        QTest::newRow("pins disagree in group") << 6 << QString("are pinned to different labels");
    }

    void invalidProblemNamesCause()
    {
        QFETCH(int, defect);
        QFETCH(QString, expected);
        AllocationProblem p;
        for (const char* name : {"blocks.0.conv", "blocks.1.conv", "blocks.2.conv"})
            p.layers.push_back({name, {{"w4", 0.1, 100, 1.0}, {"w8", 0.01, 200, 2.0}}});
        p.layers[2].options[0].label = "int4";
        p.budgetBytes = 1000;
        switch (defect) {
        case 0: p.layers[1].options[0].deltaLoss = std::nan(""); break;
        case 1: p.layers[1].options[0].bops = std::numeric_limits<double>::infinity(); break;
        case 2: p.layers[1].options.clear(); break;
        case 3: p.pinned[1] = 9; break;
        case 4: p.tieGroups = {{0, 1}, {1}}; break;
        case 5: p.layers[2].options[1].label = "int8"; p.tieGroups = {{0, 2}}; break;
        case 6: p.tieGroups = {{0, 1}}; p.pinned = {{0, 0}, {1, 1}}; break;
        }
        const QString validation = message([&] { p.validate(); });
        QVERIFY2(validation.contains(expected), qPrintable(validation));
        NullProgress progress;
        QCOMPARE(message([&] { knapsackAllocation(p, 1, progress); }), validation);
    }

    void jsonRoundTrip()
    {
        AllocationProblem p = bitWidthProblem();
        p.layers[3].options[1].deltaLoss = -0.1234567890123456789;
        p.tieGroups.push_back({7, 9, 10});
        for (const std::optional<double>& bops : {std::optional<double>(), std::optional<double>(1.5e9)}) {
            p.budgetBops = bops;
            const std::string text = problemToJson(p);
            QVERIFY(problemFromJson(text, "round.json") == p);
            const nlohmann::json j = nlohmann::json::parse(text);
            QCOMPARE(j["budget_bops"].is_null(), !bops);
            QCOMPARE(j["pinned"]["blocks.0"].get<std::string>(), std::string("w8"));
            QCOMPARE(j["tie_groups"][1][2].get<std::string>(), std::string("blocks.10"));
            QCOMPARE(j["layers"][3]["options"][1]["delta_loss"].get<double>(), -0.1234567890123456789);
            QVERIFY(j["layers"][3]["options"][1].contains("bytes") && j["layers"][3]["options"][1].contains("bops"));
        }
        const std::string minimal =
            R"({"budget_bytes": 10, "budget_bops": null, "layers": [{"name": "fc", "options": [{"label": "w4", "delta_loss": 0.5, "bytes": 8, "bops": 0}]}]})";
        QVERIFY(!problemFromJson(minimal, "minimal.json").budgetBops);
        QVERIFY(problemFromJson(minimal, "minimal.json").pinned.empty());

        const auto parseError = [](const std::string& text) { return message([&] { problemFromJson(text, "bad.json"); }); };
        QVERIFY(parseError(R"({"budget_bytes": 10, "budget_bops": null, "layers": [], "pinned": {"fc": "w4"}})")
                    .contains("bad.json: pinned['fc'] names layer 'fc'"));
        QVERIFY(parseError(R"({"budget_bytes": 10, "budget_bops": null, "layer": []})").contains("has no field 'layers'"));
        QVERIFY(parseError(R"({"budget_bytes": 1.5, "budget_bops": null, "layers": []})").contains("budget_bytes must be an integer"));
        QVERIFY(parseError(R"({"budget_bytes": 10, "budget_bops": null, "layers": [{"name": "fc", "options": []}]})")
                    .contains("bad.json: layer 'fc' has no options"));
        QVERIFY(parseError("{").contains("bad.json: not valid JSON"));
    }

    void evolutionaryImprovesNonAdditiveFitness()
    {
        const AllocationProblem p = bitWidthProblem();
        NullProgress progress;
        const Allocation start = knapsackAllocation(p, 8, progress);
        // A layer at 3 bits or fewer amplifies the next layer's error fourfold (error propagation a
        // per-layer sum cannot see).
        int violations = 0;
        const PlanFitness fitness = [&](const std::vector<int>& choices) {
            int64_t bytes = 0;
            double f = 0.0;
            for (size_t l = 0; l < choices.size(); ++l) {
                bytes += p.layers[l].options[size_t(choices[l])].bytes;
                const std::string before = l > 0 ? p.layers[l - 1].options[size_t(choices[l - 1])].label : "";
                const bool coarseBefore = before == "w2" || before == "w3";
                f += p.layers[l].options[size_t(choices[l])].deltaLoss * (coarseBefore ? 4.0 : 1.0);
            }
            violations += (bytes > p.budgetBytes || !honours(p, choices)) ? 1 : 0;
            return f;
        };
        EvolutionSettings settings;
        settings.seed = 11;
        settings.maxEvaluations = 600;
        const EvolutionResult r = evolutionaryAllocation(p, start.choices, fitness, settings, progress);
        QCOMPARE(violations, 0);
        QCOMPARE(r.initialFitness, fitness(start.choices));
        QCOMPARE(r.finalFitness, fitness(r.allocation.choices));
        QVERIFY2(r.finalFitness < 0.9 * r.initialFitness,
                 qPrintable(QStringLiteral("%1 -> %2").arg(r.initialFitness).arg(r.finalFitness)));
        QVERIFY(r.allocation.bytes <= p.budgetBytes);
        QVERIFY(r.evaluations <= settings.maxEvaluations);
        QVERIFY(r.allocation.predictedDeltaLoss >= start.predictedDeltaLoss - Tolerance); // knapsack: optimal proxy
        const EvolutionResult again = evolutionaryAllocation(p, start.choices, fitness, settings, progress);
        QCOMPARE(again.allocation.choices, r.allocation.choices); // seeded: reproducible
    }

    void evolutionaryHonoursBopsBudget()
    {
        AllocationProblem p = bitWidthProblem();
        NullProgress progress;
        double fewestBops = 0.0;
        for (const AllocationLayer& l : p.layers)
            fewestBops += l.options.front().bops;
        p.budgetBops = fewestBops * 1.8;
        const Allocation start = twoConstraintAllocation(p, 64, 2000.0, progress);
        double mostBops = 0.0;
        const PlanFitness fitness = [&](const std::vector<int>& choices) {
            double bops = 0.0;
            double f = 0.0;
            for (size_t l = 0; l < choices.size(); ++l) {
                bops += p.layers[l].options[size_t(choices[l])].bops;
                f += std::sqrt(p.layers[l].options[size_t(choices[l])].deltaLoss);
            }
            mostBops = std::max(mostBops, bops);
            return f;
        };
        const EvolutionResult r = evolutionaryAllocation(p, start.choices, fitness, {}, progress);
        QVERIFY(r.evaluations > 100);
        QVERIFY(mostBops <= *p.budgetBops);
        QVERIFY(r.allocation.bytes <= p.budgetBytes);
    }

    // Every layer at its largest option: no level switch exists, so the search ends with the start.
    void evolutionaryWithoutMovesKeepsStart()
    {
        AllocationProblem p = bitWidthProblem();
        std::vector<int> top;
        p.budgetBytes = 0;
        for (const AllocationLayer& l : p.layers) {
            top.push_back(int(l.options.size()) - 1);
            p.budgetBytes += l.options.back().bytes;
        }
        NullProgress progress;
        const EvolutionResult r = evolutionaryAllocation(p, top, [](const std::vector<int>&) { return 1.0; }, {}, progress);
        QCOMPARE(r.evaluations, 1);
        QCOMPARE(r.allocation.choices, top);
    }

    void cancellationStopsSolvers()
    {
        const AllocationProblem p = bitWidthProblem();
        NullProgress none;
        const Allocation start = knapsackAllocation(p, 8, none);
        int calls = 0;
        const PlanFitness fitness = [&](const std::vector<int>&) { return double(++calls); };
        EvolutionSettings settings;
        CancelAfter afterThree(3);
        QVERIFY_THROWS_EXCEPTION(Cancelled, evolutionaryAllocation(p, start.choices, fitness, settings, afterThree));
        QVERIFY(calls <= 1 + 3 * settings.offspring);
        CancelAfter afterTwo(2);
        QVERIFY_THROWS_EXCEPTION(Cancelled, paretoFront(p, 8, afterTwo));
        CancelAfter atOnce(0);
        QVERIFY_THROWS_EXCEPTION(Cancelled, knapsackAllocation(p, 8, atOnce));
    }

    void bopsBudgetRefusedWhereIgnored()
    {
        AllocationProblem p = bitWidthProblem();
        p.budgetBops = 1e12;
        NullProgress progress;
        QVERIFY(message([&] { knapsackAllocation(p, 8, progress); }).contains("only the two-constraint"));
        QVERIFY(message([&] { greedyHullAllocation(p); }).contains("only the two-constraint"));
        p.budgetBops.reset();
        QVERIFY(message([&] { twoConstraintAllocation(p, 8, 1.0, progress); }).contains("no BOPs budget"));
    }
};

QTEST_APPLESS_MAIN(TestAllocators)
#include "tst_allocators.moc"
