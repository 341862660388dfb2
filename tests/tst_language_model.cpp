// The language-model task on the demo transformer and Debian's fortunes: token datasets split and
// windowed like the training script, perplexity reproducing the sidecar, statistics with
// activation outlier channels, sensitivity, allocation and export cross-checked with stock PyTorch.

// moc reads every header it finds; LibTorch's cost it ~8 s a suite and declare no QObject.
#ifndef Q_MOC_RUN
#include <torch/torch.h>
#endif

#include "core/alloc/cost_table_problem.h"
#include "core/alloc/knapsack.h"
#include "core/data/batch_tensor.h"
#include "core/data/dataset.h"
#include "core/data/token_corpus.h"
#include "core/errors.h"
#include "core/eval/applied_plan.h"
#include "core/eval/evaluator.h"
#include "core/io/model_sidecar.h"
#include "core/io/plan_export.h"
#include "core/model/model.h"
#include "core/progress.h"
#include "core/quant/memory_cost.h"
#include "core/quant/option_spec.h"
#include "core/runtime.h"
#include "core/stats/model_analysis.h"
#include "test_paths.h"

#include <H5Cpp.h>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

using namespace bitlens;
namespace fs = std::filesystem;

namespace {

void writeBytes(const fs::path& path, const std::string& bytes)
{
    std::ofstream(path, std::ios::binary) << bytes;
}

std::string pattern(size_t n, char first)
{
    std::string s(n, ' ');
    for (size_t i = 0; i < n; ++i)
        s[i] = char(first + char(i % 23));
    return s;
}

std::vector<int32_t> tokensOf(const std::string& s)
{
    return {s.begin(), s.end()};
}

} // namespace

class TstLanguageModel : public QObject {
    Q_OBJECT

private:
    std::string m_modelPath;
    std::unique_ptr<Model> m_model;
    DatasetSplits m_data;
    std::optional<ModelSidecar> m_sidecar;

    fs::path scratch(const char* name) const
    {
        const fs::path dir = fs::path(testing::testOutputDir().toStdString()) / "language_model" / name;
        fs::remove_all(dir);
        fs::create_directories(dir);
        return dir;
    }

private slots:
    void initTestCase()
    {
        configureThreads();
        m_modelPath = testing::demoModel("fortunes_lm").toStdString();
        m_sidecar = readSidecar(m_modelPath);
        QVERIFY(m_sidecar && m_sidecar->languageModel);
        DatasetOptions options = defaultDatasetOptionsFor(m_modelPath);
        QCOMPARE(options.contextLength, m_sidecar->contextLength);
        options.calibrationSize = 128;
        NullProgress progress;
        m_data = loadDataset(defaultDatasetFor(m_modelPath), options, progress);
        QCOMPARE(QString::fromStdString(m_data.path), QString::fromStdString(m_sidecar->dataset));
        m_model = Model::load(m_modelPath);
        m_model->profile(m_data.evaluation);
    }

    // The split rule of resources/models/train_charlm.py on a folder whose answer is known: each
    // text file cut at 90 %, symlinks and binary files skipped, name order.
    void folderSplitsLikeTraining()
    {
        const fs::path dir = scratch("corpus");
        const std::string a = pattern(100, 'a'), b = pattern(50, 'K');
        writeBytes(dir / "b_second", b);
        writeBytes(dir / "a_first", a);
        writeBytes(dir / "a_first.dat", std::string("\x00\x01\x02", 3));
        fs::create_symlink(dir / "a_first", dir / "link");
        QVERIFY(isTokenCorpus(dir.string()));
        const TokenStreams s = readTokenCorpus(dir.string());
        QCOMPARE(s.files, int64_t(2));
        QCOMPARE(s.train, tokensOf(a.substr(0, 90) + b.substr(0, 45)));
        QCOMPARE(s.test, tokensOf(a.substr(90) + b.substr(45)));

        const TokenStreams single = readTokenCorpus((dir / "a_first").string());
        QCOMPARE(single.format, std::string("text"));
        QCOMPARE(single.train, tokensOf(a.substr(0, 90)));
        QVERIFY(!isTokenCorpus((dir / "a_first.dat").string()));
    }

    // Window i reads tokens [iT, iT + T) and is scored on [iT + 1, iT + T].
    void windowsShiftTargetsByOne()
    {
        std::vector<int32_t> stream(23);
        for (int i = 0; i < 23; ++i)
            stream[size_t(i)] = 3 * i + 1;
        const SampleSet set = tokenWindows(stream, 5, "stream", "test");
        QCOMPARE(set.count(), int64_t(4)); // (23 - 1) / 5
        QCOMPARE(set.maxLabel(), int64_t(stream[20])); // the last token any window holds
        const torch::Tensor in = inputBatch(set, 1, 3), target = labelBatch(set, 1, 3);
        QCOMPARE(in.scalar_type(), torch::kInt64);
        QCOMPARE(in.sizes().vec(), (std::vector<int64_t>{2, 5}));
        for (int64_t w = 0; w < 2; ++w) {
            for (int64_t t = 0; t < 5; ++t) {
                QCOMPARE(in[w][t].item<int64_t>(), int64_t(stream[size_t((1 + w) * 5 + t)]));
                QCOMPARE(target[w][t].item<int64_t>(), int64_t(stream[size_t((1 + w) * 5 + t + 1)]));
            }
        }
        const SampleSet picked = set.subset({3, 0}, "calibration");
        QCOMPARE(inputBatch(picked, 0, 1)[0][0].item<int64_t>(), int64_t(stream[15]));
        QVERIFY_THROWS_EXCEPTION(DatasetError, tokenWindows(stream, 30, "stream", "test"));
    }

    // An HDF5 /tokens array is the same stream as the text it came from; bad arrays are refused.
    void hdf5TokensMatchText()
    {
        const fs::path dir = scratch("hdf5");
        const std::string text = pattern(300, 'a');
        writeBytes(dir / "corpus.txt", text);
        const std::vector<int64_t> tokens(text.begin(), text.end());
        const auto write = [&](const fs::path& path, const std::vector<hsize_t>& dims, const std::vector<int64_t>& values) {
            H5::H5File f(path.string(), H5F_ACC_TRUNC);
            H5::DataSpace space(int(dims.size()), dims.data());
            f.createDataSet("tokens", H5::PredType::NATIVE_INT64, space).write(values.data(), H5::PredType::NATIVE_INT64);
        };
        write(dir / "tokens.h5", {tokens.size()}, tokens);
        DatasetOptions options;
        options.contextLength = 16;
        options.calibrationSize = 4;
        NullProgress progress;
        const DatasetSplits fromText = loadDataset((dir / "corpus.txt").string(), options, progress);
        const DatasetSplits fromHdf5 = loadDataset((dir / "tokens.h5").string(), options, progress);
        QCOMPARE(fromHdf5.format, std::string("HDF5 tokens"));
        QVERIFY(fromHdf5.tokens());
        QCOMPARE(fromHdf5.evaluation.data, fromText.evaluation.data);
        QCOMPARE(fromHdf5.calibration.data, fromText.calibration.data);
        QCOMPARE(fromHdf5.evaluation.count(), int64_t((300 - 270 - 1) / 16));

        write(dir / "matrix.h5", {10, 30}, tokens);
        try {
            loadDataset((dir / "matrix.h5").string(), options, progress);
            QFAIL("a 2-D /tokens array was accepted");
        } catch (const DatasetError& e) {
            QVERIFY2(std::string(e.what()).find("one-dimensional") != std::string::npos, e.what());
            QVERIFY(std::string(e.what()).find("matrix.h5") != std::string::npos);
        }
        std::vector<int64_t> negative = tokens;
        negative[7] = -3;
        write(dir / "negative.h5", {negative.size()}, negative);
        QVERIFY_THROWS_EXCEPTION(DatasetError, loadDataset((dir / "negative.h5").string(), options, progress));
    }

    // BitLens's perplexity on the held-out text equals what PyTorch measured when training ended.
    void reproducesSidecar()
    {
        NullProgress progress;
        EvalOptions options;
        options.batchSize = 64;
        const EvalResult r = evaluate(*m_model, m_data.evaluation, options, progress);
        QVERIFY(r.languageModel());
        QCOMPARE(r.predictions, m_sidecar->testSamples);
        QCOMPARE(r.predictions, r.samples * m_sidecar->contextLength);
        QVERIFY2(std::abs(r.loss() - m_sidecar->testLoss) < 1e-5 * m_sidecar->testLoss,
                 qPrintable(QString("loss %1 vs sidecar %2").arg(r.loss(), 0, 'g', 10).arg(m_sidecar->testLoss, 0, 'g', 10)));
        // Same weights, same tokens; a different batch size may flip an exact tie or two.
        QVERIFY2(std::abs(r.correctTop1 - m_sidecar->testCorrect) <= 3,
                 qPrintable(QString("%1 vs %2 correct").arg(r.correctTop1).arg(m_sidecar->testCorrect)));
        QCOMPARE(r.perplexity(), std::exp(r.loss()));
        const Interval ci = perplexityInterval(r);
        QVERIFY(ci.low < r.perplexity() && r.perplexity() < ci.high);
        QVERIFY(ci.high / ci.low < 1.2); // 2,000 windows pin it down
        QCOMPARE(QString(headlineOf(r.task).name), QString("Perplexity"));
        QVERIFY(!headlineOf(r.task).higherIsBetter);
    }

    void wrongPairingsAreOneSentence()
    {
        // A classifier fed tokens fails on the int64 windows; the language model on images too.
        const auto cnn = Model::load(testing::demoModel("fmnist_cnn").toStdString());
        try {
            cnn->profile(m_data.evaluation);
            QFAIL("the classifier accepted token windows");
        } catch (const ModelLoadError& e) {
            QVERIFY2(std::string(e.what()).find("fmnist_cnn.pt") != std::string::npos, e.what());
        }
        NullProgress progress;
        const DatasetSplits images = loadDataset(testing::fashionMnistDir().toStdString(), {}, progress);
        const auto lm = Model::load(m_modelPath);
        QVERIFY_THROWS_EXCEPTION(ModelLoadError, lm->profile(images.evaluation));
    }

    // Statistics of every layer input, per channel. The demo as trained has heavy-tailed inputs
    // (the MLP's down-projection) but no outlier channels; the same function with two LayerNorm
    // channels scaled up (SmoothQuant's equivalence run backwards) must show exactly those two in
    // Q, K and V's inputs, and the cost they have for 8-bit per-tensor input quantization.
    void activationOutlierChannelsShow()
    {
        const fs::path scaled = scratch("outliers") / "scaled.pt";
        QProcess python;
        python.start("/usr/bin/python3", {QFINDTESTDATA("support/scale_ln_channels.py"), QString::fromStdString(m_modelPath),
                                          QString::fromStdString(scaled.string()), "30", "17", "200"});
        QVERIFY(python.waitForFinished(120000));
        QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
        const auto outliers = Model::load(scaled.string());
        outliers->profile(m_data.evaluation);

        AnalysisOptions options;
        options.spectra = false;
        NullProgress progress;
        std::vector<int64_t> first(32);
        std::iota(first.begin(), first.end(), int64_t(0));
        const SampleSet calibration = m_data.calibration.subset(first, "calibration");
        const ModelAnalysis plain = analyzeModel(*m_model, options, &calibration, progress);
        const ModelAnalysis planted = analyzeModel(*outliers, options, &calibration, progress);
        QCOMPARE(plain.activations.size(), m_model->layers().size());
        const size_t a8 = size_t(std::find(plain.quantError.activationOptions.begin(), plain.quantError.activationOptions.end(), "a8")
                                 - plain.quantError.activationOptions.begin());
        QVERIFY(a8 < plain.quantError.activationOptions.size());
        const auto ratioToMedian = [](std::vector<double> channels, size_t rank) {
            std::sort(channels.begin(), channels.end(), std::greater<>());
            return channels[rank] / channels[channels.size() / 2];
        };
        int qkv = 0;
        for (size_t l = 0; l < plain.layers.size(); ++l) {
            const LayerInfo& layer = plain.layers[l];
            const ActivationStatistics& s = plain.activations[l];
            if (layer.kind == LayerKind::Embedding) {
                QVERIFY(!s.measured); // token indices are not activations
                continue;
            }
            QVERIFY(s.measured);
            QCOMPARE(int64_t(s.channelAbsMax.size()), layer.weightShape[1]);
            QCOMPARE(*std::max_element(s.channelAbsMax.begin(), s.channelAbsMax.end()), s.values.absMax);
            QVERIFY2(ratioToMedian(s.channelAbsMax, 0) < 6.0, layer.name.c_str());
            const bool attentionInput = layer.name.find("attn.o") == std::string::npos && layer.name.find("attn.") != std::string::npos;
            const std::vector<double>& c = planted.activations[l].channelAbsMax;
            if (!attentionInput) { // untouched inputs, up to rounding
                for (size_t k = 0; k < c.size(); ++k)
                    QVERIFY(std::abs(c[k] - s.channelAbsMax[k]) <= 1e-3 * s.values.absMax);
                continue;
            }
            ++qkv;
            QVERIFY2(ratioToMedian(c, 1) > 10.0, layer.name.c_str()); // two outliers ...
            QVERIFY(ratioToMedian(c, 2) < 6.0);                        // ... and only two
            std::vector<size_t> order(c.size());
            std::iota(order.begin(), order.end(), size_t(0));
            std::partial_sort(order.begin(), order.begin() + 2, order.end(), [&](size_t i, size_t j) { return c[i] > c[j]; });
            QCOMPARE(std::min(order[0], order[1]), size_t(17));
            QCOMPARE(std::max(order[0], order[1]), size_t(200));
            QVERIFY(planted.quantError.activationSqnrDb[l][a8] < plain.quantError.activationSqnrDb[l][a8] - 10.0);
        }
        QCOMPARE(qkv, 9);
        EvalOptions some;
        some.limit = 64;
        QVERIFY(std::abs(evaluate(*outliers, m_data.evaluation, some, progress).loss()
                         - evaluate(*m_model, m_data.evaluation, some, progress).loss()) < 1e-4);
    }

    // The measured estimator's ΔLoss is the loss of the model with that one layer compressed,
    // which an independent evaluation of the applied plan gives too; then a 4-bit knapsack plan
    // fits, and its exported TorchScript model scores the same tokens in stock PyTorch.
    void sensitivityAllocationAndExport()
    {
        AnalysisOptions options;
        options.statistics = options.activations = options.spectra = false;
        options.quantError = true;
        options.sensitivity = true;
        options.hessianOptions.batches = 2;
        options.hessianOptions.batchSize = 8;
        options.sensitivityOptions.options = {"w2:per-channel", "w4:per-channel", "w8:per-channel"};
        options.sensitivityOptions.estimators = {"measured"};
        NullProgress progress;
        const ModelAnalysis a = analyzeModel(*m_model, options, &m_data.calibration, progress);
        const CostTable* measured = a.sensitivity.table("measured");
        QVERIFY(measured);

        EvalOptions sixteen;
        sixteen.limit = 16;
        sixteen.batchSize = 8;
        const double baseline = evaluate(*m_model, m_data.calibration, sixteen, progress).loss();
        QVERIFY(std::abs(baseline - a.sensitivity.baselineLoss) < 1e-5);
        const size_t layer = 5;
        const std::string name = m_model->layers()[layer].name;
        CompressionPlan one;
        one.layers[name] = optionFromSpec("w2:per-channel");
        const double direct = AppliedPlan::apply(*m_model, one, m_data.calibration, progress)
                                  ->evaluate(m_data.calibration, sixteen, progress).loss() - baseline;
        QVERIFY2(std::abs(direct - measured->deltaLoss[layer][0]) < 1e-5,
                 qPrintable(QString("%1: %2 vs %3").arg(QString::fromStdString(name)).arg(direct).arg(measured->deltaLoss[layer][0])));

        const int64_t budget = budgetBytesFromText("4bits", a.layers);
        AllocationProblem problem = problemFromAnalysis(a, "measured", budget, std::nullopt);
        const Allocation allocation = knapsackAllocation(problem, hundredthBitResolution(a.layers), progress);
        const CompressionPlan plan = planFromChoices(problem, allocation.choices);
        QVERIFY(allocation.bytes <= budget);
        QCOMPARE(planCost(m_model->layers(), m_model->totalParams(), plan).layerBytes, allocation.bytes);

        const auto applied = AppliedPlan::apply(*m_model, plan, m_data.calibration, progress);
        EvalOptions some;
        some.limit = 96;
        some.batchSize = 32;
        const EvalResult ours = applied->evaluate(m_data.evaluation, some, progress);
        const EvalResult fp32 = evaluate(*m_model, m_data.evaluation, some, progress);
        QVERIFY(ours.perplexity() > fp32.perplexity() * 0.98);
        QVERIFY(ours.perplexity() < fp32.perplexity() * 1.5);

        const fs::path folder = scratch("export") / "plan";
        exportPlan(*applied, folder.string(), progress);
        QProcess python;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("BITLENS_THREADS", QString::number(threadCount())); // the same split of every sum
        python.setProcessEnvironment(env);
        python.start("/usr/bin/python3", {QFINDTESTDATA("support/eval_lm_torchscript.py"),
                                          QString::fromStdString((folder / "model.pt").string()),
                                          QString::fromStdString(m_data.path), QString::number(m_sidecar->contextLength), "96"});
        QVERIFY(python.waitForFinished(300000));
        QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
        const QJsonObject theirs = QJsonDocument::fromJson(python.readAllStandardOutput()).object();
        QCOMPARE(theirs["tokens"].toInteger(), ours.predictions);
        QVERIFY(std::abs(theirs["correct_top1"].toInteger() - ours.correctTop1) <= 3);
        QVERIFY2(std::abs(theirs["loss_sum"].toDouble() - ours.lossSum) <= 1e-5 * ours.lossSum,
                 qPrintable(QString("PyTorch %1 vs BitLens %2").arg(theirs["loss_sum"].toDouble(), 0, 'g', 10).arg(ours.lossSum, 0, 'g', 10)));
    }
};

QTEST_GUILESS_MAIN(TstLanguageModel)
#include "tst_language_model.moc"
