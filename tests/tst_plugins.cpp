// The plugin system: the host finds the built-in and example plugins with their metadata, the
// built-in allocators answer through their plugin exactly as through core's registry, the example
// allocator finds the best uniform plan, the example estimator joins core's estimator registry and
// its cost table (from bitlens-cli, which loads it without Qt) matches LibTorch on the model's own
// weights and feeds the allocators, and foreign, broken and duplicate libraries are reported and
// skipped.

// moc reads every header it finds; LibTorch's cost it ~8 s a suite and declare no QObject.
#ifndef Q_MOC_RUN
#include <torch/script.h>
#endif

#include "core/alloc/allocator_registry.h"
#include "core/alloc/cost_table_problem.h"
#include "core/analysis/estimator_registry.h"
#include "core/io/analysis_bundle.h"
#include "plugins/plugin_host.h"
#include "test_paths.h"

#include <QProcess>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

using namespace bitlens;

namespace {

const QString PluginDir = QStringLiteral(BITLENS_PLUGIN_DIR);
const QString BadMetadataPlugin = QStringLiteral(BITLENS_BAD_PLUGIN);
const QString ForeignQtPlugin = QStringLiteral(BITLENS_FOREIGN_PLUGIN);

class CancelledProgress final : public Progress {
public:
    void report(double, const std::string&) override {}
    bool cancelled() const override { return true; }
};

// Five layers at 2, 4, 8 and 16 bits: ΔLoss falls as bits rise, 16 bits loses nothing, and 8 bits
// lies inside the lossless neighbourhood (ΔLoss < 0) for the odd layers.
AllocationProblem syntheticProblem()
{
    const std::vector<int64_t> weights{4000, 1200, 9000, 300, 2500};
    const std::vector<double> sensitivity{0.8, 2.5, 0.1, 4.0, 1.2};
    AllocationProblem problem;
    for (size_t l = 0; l < weights.size(); ++l) {
        AllocationLayer layer{"layer" + std::to_string(l), {}};
        for (int bits : {2, 4, 8, 16}) {
            const double deltaLoss = bits == 16 ? 0.0
                : bits == 8 && l % 2 == 1       ? -0.01 * sensitivity[l]
                                                : sensitivity[l] / bits;
            layer.options.push_back({"w" + std::to_string(bits), deltaLoss, weights[l] * bits / 8,
                                     double(weights[l] * bits * 8)});
        }
        problem.layers.push_back(layer);
    }
    problem.budgetBytes = 17000 * 6 / 8;
    return problem;
}

int64_t uniformBytes(int bits)
{
    return 17000 * bits / 8;
}

AllocatorSettings testSettings()
{
    AllocatorSettings settings;
    settings.resolutionBytes = 10;
    settings.resolutionBops = 8000;
    settings.evolution.seed = 7;
    settings.evolution.maxGenerations = 20;
    settings.evolution.maxEvaluations = 200;
    // Not additive: every layer left at 2 bits costs more the more of them there are.
    settings.fitness = [problem = syntheticProblem()](const std::vector<int>& choices) {
        double loss = 0.0;
        int atTwoBits = 0;
        for (size_t l = 0; l < choices.size(); ++l) {
            loss += problem.layers[l].options[size_t(choices[l])].deltaLoss;
            atTwoBits += choices[l] == 0;
        }
        return loss + 0.05 * atTwoBits * atTwoBits;
    };
    return settings;
}

void compareAllocations(const Allocation& actual, const Allocation& expected)
{
    QCOMPARE(actual.choices, expected.choices);
    QCOMPARE(actual.bytes, expected.bytes);
    QCOMPARE(actual.bops, expected.bops);
    QCOMPARE(actual.predictedDeltaLoss, expected.predictedDeltaLoss);
    QCOMPARE(actual.gap, expected.gap);
    QCOMPARE(actual.lowerBound, expected.lowerBound);
    QCOMPARE(actual.method, expected.method);
}

// The least predicted ΔLoss of a plan giving every layer one label, within the byte budget; +inf
// when none fits.
double bestUniformLoss(const AllocationProblem& problem)
{
    std::set<std::string> labels;
    for (const AllocationLayer& layer : problem.layers)
        for (const AllocationOption& option : layer.options)
            labels.insert(option.label);
    double best = std::numeric_limits<double>::infinity();
    for (const std::string& label : labels) {
        double loss = 0.0;
        int64_t bytes = 0;
        size_t found = 0;
        for (const AllocationLayer& layer : problem.layers)
            for (const AllocationOption& option : layer.options)
                if (option.label == label) {
                    loss += option.deltaLoss;
                    bytes += option.bytes;
                    ++found;
                }
        if (found == problem.layers.size() && bytes <= problem.budgetBytes)
            best = std::min(best, loss);
    }
    return best;
}

const PluginProblem* problemFor(const PluginHost& host, const QString& path)
{
    for (const PluginProblem& problem : host.problems())
        if (problem.path == path)
            return &problem;
    return nullptr;
}

} // namespace

class TestPlugins : public QObject {
    Q_OBJECT

private slots:
    void findsThePluginsWithTheirMetadata()
    {
        const PluginHost host({PluginDir});
        for (const PluginProblem& problem : host.problems())
            qWarning("%s", qPrintable(problem.reason));
        QVERIFY(host.problems().empty());
        QCOMPARE(host.allocatorPlugins().size(), size_t(2));
        QCOMPARE(host.estimatorPlugins().size(), size_t(1));

        const LoadedAllocatorPlugin* builtIn = host.findAllocator("knapsack");
        QVERIFY(builtIn);
        QCOMPARE(builtIn->metadata.id, QStringLiteral("bitlens.builtin-allocators"));
        QCOMPARE(builtIn->metadata.name, QStringLiteral("Built-in allocators"));
        QCOMPARE(builtIn->metadata.version, QStringLiteral("1.0.0"));
        QVERIFY(builtIn->metadata.description.startsWith(QLatin1String("Knapsack, two-constraint")));
        QCOMPARE(QFileInfo(builtIn->metadata.path).absolutePath(), QFileInfo(PluginDir).absoluteFilePath());
        QCOMPARE(builtIn->allocators.size(), builtInAllocators().size());
        for (const AllocatorInfo& info : builtInAllocators())
            QCOMPARE(host.findAllocator(info.id), builtIn);

        const LoadedAllocatorPlugin* example = host.findAllocator("uniform-best");
        QVERIFY(example && example != builtIn);
        QCOMPARE(example->metadata.id, QStringLiteral("example.uniform-best"));
        QCOMPARE(example->allocators.size(), size_t(1));

        const LoadedEstimatorPlugin* estimators = host.findEstimator("weight-nsr");
        QVERIFY(estimators);
        QCOMPARE(estimators->metadata.id, QStringLiteral("example.weight-nsr"));
        QCOMPARE(estimators->metadata.version, QStringLiteral("1.0.0"));
        QCOMPARE(estimators->estimators.size(), size_t(1));

        QVERIFY(!host.findAllocator("pareto"));
        QVERIFY(!host.findEstimator("hawq"));
    }

    void defaultFoldersAreExecutableUserAndEnvironment()
    {
        qputenv("BITLENS_PLUGIN_PATH", QByteArray("/opt/a") + QDir::listSeparator().toLatin1() + "/opt/b");
        const QString exe = QCoreApplication::applicationDirPath();
        const QStringList expected{exe + "/plugins", QDir::cleanPath(exe + "/../plugins"),
                                   QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/plugins",
                                   "/opt/a", "/opt/b"};
        QCOMPARE(PluginHost::defaultFolders(), expected);
        qunsetenv("BITLENS_PLUGIN_PATH");
    }

    void builtInAllocatorsMatchTheRegistry_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<bool>("bopsBudget");
        for (const AllocatorInfo& info : builtInAllocators())
            QTest::newRow(info.id.c_str()) << QString::fromStdString(info.id) << (info.id == "two-constraint");
        QTest::newRow("evolutionary with BOPs") << QStringLiteral("evolutionary") << true;
    }

    void builtInAllocatorsMatchTheRegistry()
    {
        QFETCH(QString, id);
        QFETCH(bool, bopsBudget);
        AllocationProblem problem = syntheticProblem();
        if (bopsBudget) {
            problem.budgetBytes = uniformBytes(8);
            problem.budgetBops = 17000.0 * 5 * 8;
        }
        const AllocatorSettings settings = testSettings();
        const PluginHost host({PluginDir});
        NullProgress progress;
        const Allocation viaPlugin = host.allocate(id.toStdString(), problem, settings, progress);
        const Allocation direct = runBuiltInAllocator(id.toStdString(), problem, settings, progress);
        compareAllocations(viaPlugin, direct);
        QCOMPARE(QString::fromStdString(viaPlugin.method), id);
        QCOMPARE(viaPlugin.choices.size(), problem.layers.size());
        if (id != QLatin1String("lossless"))
            QVERIFY(viaPlugin.bytes <= problem.budgetBytes);
        else
            QVERIFY(viaPlugin.predictedDeltaLoss <= settings.tolerance);
        if (problem.budgetBops)
            QVERIFY(viaPlugin.bops <= *problem.budgetBops);
    }

    void registryRefusesUnknownIdsAndEvolutionaryWithoutFitness()
    {
        NullProgress progress;
        try {
            runBuiltInAllocator("simulated-annealing", syntheticProblem(), testSettings(), progress);
            QFAIL("an unknown allocator id was accepted");
        } catch (const AllocationError& e) {
            QCOMPARE(QString(e.what()),
                     QStringLiteral("unknown allocator 'simulated-annealing' (known: knapsack, two-constraint, "
                                    "greedy-hull, lossless, evolutionary)"));
        }
        AllocatorSettings settings = testSettings();
        settings.fitness = nullptr;
        try {
            runBuiltInAllocator("evolutionary", syntheticProblem(), settings, progress);
            QFAIL("evolutionary ran without a fitness");
        } catch (const AllocationError& e) {
            QVERIFY2(QString(e.what()).contains(QLatin1String("needs a fitness")), e.what());
        }
    }

    void hostRefusesUnknownAllocatorsAndInvalidProblems()
    {
        const PluginHost host({PluginDir});
        NullProgress progress;
        try {
            host.allocate("simulated-annealing", syntheticProblem(), testSettings(), progress);
            QFAIL("an id no plugin offers was accepted");
        } catch (const AllocationError& e) {
            const QString message(e.what());
            QVERIFY2(message.contains(QLatin1String("'simulated-annealing'"))
                         && message.contains(QLatin1String("knapsack")) && message.contains(QLatin1String("uniform-best")),
                     e.what());
        }
        AllocationProblem noLayers = syntheticProblem();
        noLayers.layers.clear();
        QVERIFY_THROWS_EXCEPTION(AllocationError, host.allocate("uniform-best", noLayers, testSettings(), progress));
    }

    void exampleAllocatorFindsTheBestUniformPlan_data()
    {
        QTest::addColumn<qint64>("budget");
        QTest::newRow("2 bits") << qint64(uniformBytes(2));
        QTest::newRow("3 bits") << qint64(uniformBytes(3));
        QTest::newRow("6 bits") << qint64(uniformBytes(6));
        QTest::newRow("8 bits") << qint64(uniformBytes(8));
        QTest::newRow("16 bits") << qint64(uniformBytes(16));
    }

    void exampleAllocatorFindsTheBestUniformPlan()
    {
        QFETCH(qint64, budget);
        AllocationProblem problem = syntheticProblem();
        problem.budgetBytes = budget;
        // Labels are matched by name, not position, and one no layer but the first offers is never
        // chosen however cheap.
        std::reverse(problem.layers[1].options.begin(), problem.layers[1].options.end());
        problem.layers[0].options.push_back({"rank8", -1.0, 1, 1.0});
        const PluginHost host({PluginDir});
        NullProgress progress;
        const Allocation plan = host.allocate("uniform-best", problem, AllocatorSettings{}, progress);
        QCOMPARE(plan.method, std::string("uniform-best"));
        QVERIFY(plan.bytes <= problem.budgetBytes);
        QCOMPARE(plan.predictedDeltaLoss, bestUniformLoss(problem));
        const std::string& label = problem.layers[0].options[size_t(plan.choices[0])].label;
        for (size_t l = 0; l < problem.layers.size(); ++l)
            QCOMPARE(problem.layers[l].options[size_t(plan.choices[l])].label, label);
    }

    void exampleAllocatorRefusesWhatItCannotDo()
    {
        const PluginHost host({PluginDir});
        NullProgress progress;
        AllocationProblem tooSmall = syntheticProblem();
        tooSmall.budgetBytes = uniformBytes(2) - 1;
        QVERIFY_THROWS_EXCEPTION(AllocationError, host.allocate("uniform-best", tooSmall, {}, progress));
        AllocationProblem pinned = syntheticProblem();
        pinned.pinned[0] = 3;
        QVERIFY_THROWS_EXCEPTION(AllocationError, host.allocate("uniform-best", pinned, {}, progress));
        CancelledProgress cancelled;
        QVERIFY_THROWS_EXCEPTION(Cancelled, host.allocate("uniform-best", syntheticProblem(), {}, cancelled));
    }

    void pluginEstimatorJoinsTheRegistryOnce()
    {
        const PluginHost first({PluginDir});
        const PluginHost second({PluginDir}); // the GUI and a test may build several hosts
        QVERIFY(first.problems().empty() && second.problems().empty());
        std::vector<std::string> ids;
        for (const EstimatorDescriptor& d : EstimatorRegistry::instance().all())
            ids.push_back(d.id);
        QCOMPARE(std::count(ids.begin(), ids.end(), std::string("weight-nsr")), std::ptrdiff_t(1));
        QCOMPARE(std::count(ids.begin(), ids.end(), std::string("hawq")), std::ptrdiff_t(1));
        const std::optional<EstimatorDescriptor> nsr = EstimatorRegistry::instance().find("weight-nsr");
        QCOMPARE(QString::fromStdString(nsr->origin), first.findEstimator("weight-nsr")->metadata.path);
        QCOMPARE(nsr->name, std::string("Weight noise-to-signal"));
        QCOMPARE(EstimatorRegistry::instance().find("hawq")->origin, std::string("built-in"));
        // Not run unless asked for, and no cost beyond the weights.
        QVERIFY(!nsr->runsByDefault);
        QCOMPARE(nsr->cost.passesPerCell + nsr->cost.productsPerCell + nsr->cost.passesFixed, 0.0);
        QVERIFY(QString::fromStdString(EstimatorRegistry::instance().knownIds()).contains(QLatin1String("weight-nsr")));
    }

    void pluginEstimatorClashingWithCoreIsSkipped()
    {
        // A descriptor of core's id from another origin is refused, whoever registers it.
        const PluginHost host({PluginDir});
        EstimatorDescriptor fake = *EstimatorRegistry::instance().find("weight-nsr");
        fake.id = "hawq";
        QVERIFY_THROWS_EXCEPTION(Error, EstimatorRegistry::instance().add(fake));
        fake.compute = nullptr;
        fake.id = "no-compute";
        QVERIFY_THROWS_EXCEPTION(Error, EstimatorRegistry::instance().add(fake));
        QVERIFY(!EstimatorRegistry::instance().find("no-compute"));
    }

    // bitlens-cli finds the plugin through BITLENS_PLUGIN_PATH (it has no Qt: dlopen), computes its
    // table, and the table agrees with ‖Q(W) − W‖² / ‖W‖² computed here with LibTorch's casts; the
    // allocators then take it like any other cost table.
    void cliAnalysesWithThePluginEstimatorAndAllocatorsUseIt()
    {
        QTemporaryDir dir;
        const QString bundle = dir.filePath(QStringLiteral("nsr.h5"));
        const QString model = testing::demoModel("fmnist_cnn");
        QProcess cli;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("BITLENS_PLUGIN_PATH"), PluginDir);
        cli.setProcessEnvironment(env);
        cli.start(qEnvironmentVariable("BITLENS_CLI"),
                  {"analyze", model, "--data", testing::fashionMnistDir(), "--sensitivity", "--estimators",
                   "weight-nsr,hawq", "--candidates", "fp16,bf16,w8", "--calib", "32", "--hessian-samples", "32",
                   "--hessian-batches", "2", "--out", bundle});
        QVERIFY(cli.waitForFinished(240000));
        const QByteArray err = cli.readAllStandardError();
        QVERIFY2(cli.exitCode() == 0, err.constData());
        QVERIFY2(!err.contains("skipped"), err.constData());

        const ModelAnalysis analysis = readAnalysisBundle(bundle.toStdString());
        const CostTable* table = analysis.sensitivity.table("weight-nsr");
        QVERIFY(table);
        QVERIFY(analysis.sensitivity.table("hawq")); // its need, the Hessian traces, was run for it
        QCOMPARE(analysis.sensitivity.options, (std::vector<std::string>{"fp16", "bf16", "w8"}));
        std::map<std::string, torch::Tensor> weights;
        for (const auto& p : torch::jit::load(model.toStdString()).named_parameters())
            weights[p.name] = p.value.detach().to(torch::kFloat64);
        QCOMPARE(table->deltaLoss.size(), analysis.layers.size());
        for (size_t l = 0; l < analysis.layers.size(); ++l) {
            const torch::Tensor w = weights.at(analysis.layers[l].name + ".weight");
            const double signal = w.square().sum().item<double>();
            for (const auto& [o, type] : {std::pair{0, torch::kHalf}, std::pair{1, torch::kBFloat16}}) {
                const double expected = (w.to(type).to(torch::kFloat64) - w).square().sum().item<double>() / signal;
                QVERIFY2(std::abs(table->deltaLoss[l][size_t(o)] - expected) <= 1e-9 * expected,
                         qPrintable(QString::fromStdString(analysis.layers[l].name)));
            }
            // bf16 keeps 8 significant bits, fp16 11, int8 per channel about 8 bits of range.
            QVERIFY(table->deltaLoss[l][1] > table->deltaLoss[l][0]);
            QVERIFY(std::isfinite(table->deltaLoss[l][2]) && table->deltaLoss[l][2] > table->deltaLoss[l][0]);
        }

        // Every layer at fp16 costs twice its int8 size: a budget between makes the choice matter.
        const AllocationProblem all16 = problemFromAnalysis(analysis, "weight-nsr", std::numeric_limits<int64_t>::max(), std::nullopt);
        int64_t bytes8 = 0, bytes16 = 0;
        for (const AllocationLayer& layer : all16.layers) {
            bytes16 += layer.options[0].bytes;
            bytes8 += layer.options[2].bytes;
        }
        const AllocationProblem problem = problemFromAnalysis(analysis, "weight-nsr", (bytes8 + bytes16) / 2, std::nullopt);
        QCOMPARE(problem.layers.size(), analysis.layers.size());
        for (size_t l = 0; l < problem.layers.size(); ++l)
            for (size_t o = 0; o < 3; ++o)
                QCOMPARE(problem.layers[l].options[o].deltaLoss, table->deltaLoss[l][o]);
        NullProgress progress;
        AllocatorSettings settings;
        const Allocation plan = runBuiltInAllocator("knapsack", problem, settings, progress);
        QVERIFY(plan.bytes <= problem.budgetBytes);
        // Brute force over every choice of the three options per layer.
        double best = std::numeric_limits<double>::infinity();
        std::vector<int> choice(problem.layers.size(), 0);
        for (bool more = true; more;) {
            double loss = 0.0;
            int64_t bytes = 0;
            for (size_t l = 0; l < choice.size(); ++l) {
                loss += problem.layers[l].options[size_t(choice[l])].deltaLoss;
                bytes += problem.layers[l].options[size_t(choice[l])].bytes;
            }
            if (bytes <= problem.budgetBytes)
                best = std::min(best, loss);
            more = false;
            for (size_t l = 0; l < choice.size() && !more; ++l)
                more = ++choice[l] < 3 || (choice[l] = 0, false);
        }
        QVERIFY(std::abs(plan.predictedDeltaLoss - best) <= 1e-12 * std::abs(best));
    }

    void foreignAndBrokenFilesAreReportedAndSkipped()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString text = dir.filePath(QStringLiteral("libfoo.so"));
        QFile file(text);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("not a library\n");
        file.close();
        const QString zlib = dir.filePath(QStringLiteral("libz_copy.so"));
        QVERIFY(QFile::copy(QStringLiteral("/lib/x86_64-linux-gnu/libz.so.1"), zlib));
        const QString badMetadata = dir.filePath(QFileInfo(BadMetadataPlugin).fileName());
        QVERIFY(QFile::copy(BadMetadataPlugin, badMetadata));
        const QString foreign = dir.filePath(QFileInfo(ForeignQtPlugin).fileName());
        QVERIFY(QFile::copy(ForeignQtPlugin, foreign));
        QFile notes(dir.filePath(QStringLiteral("notes.txt"))); // not a library name: passed over
        QVERIFY(notes.open(QIODevice::WriteOnly));

        const PluginHost host({dir.path(), PluginDir});
        QCOMPARE(host.problems().size(), size_t(4));
        const auto expectProblem = [&](const QString& path, const QStringList& causes) {
            const PluginProblem* problem = problemFor(host, path);
            QVERIFY2(problem, qPrintable(path + " was not reported"));
            QVERIFY2(problem->reason.contains(path), qPrintable(problem->reason));
            for (const QString& cause : causes)
                QVERIFY2(problem->reason.contains(cause), qPrintable(problem->reason));
        };
        expectProblem(text, {"not a Qt plugin"});
        expectProblem(zlib, {"not a Qt plugin"});
        expectProblem(badMetadata, {"lacks a non-empty name, description", "api 2"});
        expectProblem(foreign, {"is not a BitLens plugin interface"});
        // The good plugins after them still load.
        QCOMPARE(host.allocatorPlugins().size(), size_t(2));
        QCOMPARE(host.estimatorPlugins().size(), size_t(1));
    }

    void aSecondPluginWithTheSameIdIsSkipped()
    {
        const PluginHost plain({PluginDir});
        const LoadedAllocatorPlugin* original = plain.findAllocator("knapsack");
        QVERIFY(original);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString copy = dir.filePath(QFileInfo(original->metadata.path).fileName());
        QVERIFY(QFile::copy(original->metadata.path, copy));

        const PluginHost host({PluginDir, dir.path(), PluginDir});
        QCOMPARE(host.problems().size(), size_t(1)); // the folder named twice is read once
        QCOMPARE(host.problems().front().path, copy);
        QVERIFY2(host.problems().front().reason.contains(QStringLiteral("already taken by %1").arg(original->metadata.path)),
                 qPrintable(host.problems().front().reason));
        QCOMPARE(host.findAllocator("knapsack")->metadata.path, original->metadata.path);
        QCOMPARE(host.allocatorPlugins().size(), size_t(2));
    }
};

QTEST_GUILESS_MAIN(TestPlugins)
#include "tst_plugins.moc"
