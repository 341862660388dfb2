// Layer analysis: weight statistics, spectra and quantization error against direct dense
// computations (LibTorch, Eigen), and the analysis bundle written, read back and refused when
// it does not belong to the model or is damaged.

// moc reads every header it finds; LibTorch's cost it ~8 s a suite and declare no QObject.
#ifndef Q_MOC_RUN
#include <torch/script.h>
#endif

#include "core/data/dataset.h"
#include "core/data/batch_tensor.h"
#include "core/errors.h"
#include "core/io/analysis_bundle.h"
#include "core/model/model_impl.h"
#include "core/progress.h"
#include "core/quant/option_spec.h"
#include "core/runtime.h"
#include "core/stats/sha256.h"
#include "test_paths.h"
#include "test_helpers.h"

#include "tests/support/dense_linalg.h"
#include <QTemporaryDir>
#include <QtTest>

using namespace bitlens;
using testing::errorOf;
using testing::relDiff;

class TstAnalysis : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Model> m_model;
    DatasetSplits m_data;
    ModelAnalysis m_analysis;

    const torch::Tensor& weight(size_t i) const { return m_model->impl().weights[i]; }

private slots:
    void initTestCase()
    {
        configureThreads();
        m_model = Model::load(testing::demoModel("fmnist_resnet").toStdString());
        NullProgress progress;
        DatasetOptions options;
        options.calibrationSize = 300; // several batches of 256, so the streaming combines them
        m_data = loadDataset(testing::fashionMnistDir().toStdString(), options, progress);
        m_analysis = analyzeModel(*m_model, {}, &m_data.calibration, progress);
        QCOMPARE(m_analysis.weights.size(), m_model->layers().size());
    }

    void statisticsMatchLibTorch()
    {
        for (size_t i = 0; i < m_model->layers().size(); ++i) {
            const torch::Tensor w = weight(i).detach().to(torch::kFloat64);
            const ValueStatistics& s = m_analysis.weights[i].values;
            const double mean = w.mean().item<double>();
            const double std = w.std(/*unbiased=*/false).item<double>();
            const double kurtosis = (w - mean).pow(4).mean().item<double>() / std::pow(std, 4) - 3.0;
            QVERIFY(relDiff(s.mean, mean) < 1e-9 || std::abs(s.mean - mean) < 1e-12);
            QVERIFY(relDiff(s.std, std) < 1e-9);
            QVERIFY(relDiff(s.kurtosis, kurtosis) < 1e-9);
            QCOMPARE(s.absMax, w.abs().max().item<double>());
            QCOMPARE(s.beyondSigma[0], ((w - mean).abs() > 3 * std).to(torch::kFloat64).mean().item<double>());
            QCOMPARE(s.beyondSigma[1], ((w - mean).abs() > 6 * std).to(torch::kFloat64).mean().item<double>());
            int64_t counted = 0;
            for (int64_t c : s.histogram.counts)
                counted += c;
            QCOMPARE(counted, w.numel());
            const torch::Tensor rows = w.reshape({w.size(0), -1}).abs().amax(1);
            const torch::Tensor inputs = w.transpose(0, 1).reshape({w.size(1), -1}).abs().amax(1);
            const WeightStatistics& ws = m_analysis.weights[i];
            for (int64_t o = 0; o < w.size(0); ++o)
                QCOMPARE(ws.outputAbsMax[size_t(o)], rows[o].item<double>());
            for (int64_t c = 0; c < w.size(1); ++c)
                QCOMPARE(ws.inputAbsMax[size_t(c)], inputs[c].item<double>());
        }
    }

    // Streamed input statistics equal those of all calibration inputs concatenated, computed densely.
    void activationStatisticsMatchDenseInputs()
    {
        LayerGraph& graph = m_model->impl().layerGraph();
        torch::NoGradGuard noGrad;
        const LayerGraph::Capture capture = graph.runCapturing(inputBatch(m_data.calibration, 0, m_data.calibration.count()));
        QCOMPARE(m_analysis.activations.size(), m_model->layers().size());
        for (size_t c = 0; c < graph.calls().size(); ++c) {
            const size_t layer = graph.calls()[c].layer;
            const torch::Tensor x = capture.inputs[c].to(torch::kFloat64);
            const ActivationStatistics& s = m_analysis.activations[layer];
            QVERIFY(s.measured);
            const double mean = x.mean().item<double>();
            const double std = x.std(false).item<double>();
            const double kurtosis = (x - mean).pow(4).mean().item<double>() / std::pow(std, 4) - 3.0;
            QCOMPARE(s.values.count, x.numel());
            QVERIFY(relDiff(s.values.mean, mean) < 1e-9);
            QVERIFY(relDiff(s.values.std, std) < 1e-9);
            QVERIFY2(relDiff(s.values.kurtosis, kurtosis) < 1e-6, m_model->layers()[layer].name.c_str());
            QCOMPARE(s.values.absMax, x.abs().max().item<double>());
            QCOMPARE(s.values.beyondSigma[0], ((x - mean).abs() > 3 * std).to(torch::kFloat64).mean().item<double>());
            // Conv inputs [N, C, H, W]: channel dimension 1; the classifier's [N, F]: the features.
            const std::vector<int64_t> others = x.dim() == 4 ? std::vector<int64_t>{0, 2, 3} : std::vector<int64_t>{0};
            const torch::Tensor channels = x.abs().amax(others).contiguous();
            for (int64_t k = 0; k < channels.numel(); ++k)
                QCOMPARE(s.channelAbsMax[size_t(k)], channels[k].item<double>());
            // Percentiles from the 4,096-bin histogram: within one bin of a true quantile (in a sparse
            // tail the quantile is a whole gap between two values, so compare in probability).
            const double width = (s.values.max - s.values.min) / 4096;
            const auto below = [&](double v) { return (x <= v).to(torch::kFloat64).mean().item<double>(); };
            for (const auto& [p, value] : {std::pair{0.99, s.p99}, std::pair{0.9999, s.p9999}})
                QVERIFY2(below(value - width) <= p && p <= below(value + width),
                         qPrintable(QString("%1: p%2 = %3").arg(m_model->layers()[layer].name.c_str()).arg(100 * p).arg(value)));
            QVERIFY(s.p99 <= s.p999 && s.p999 <= s.p9999 && s.p9999 <= s.values.max);
        }
    }

    // Outlier channels are those whose abs-max exceeds 3 × the median channel's (the upper middle
    // one of an even count), found here with LibTorch: the layer as trained, then with one channel
    // planted far above the rest, which must join the set while the others stay as they were.
    void outlierChannelsAreFound()
    {
        const auto outliers = [&](const torch::Tensor& w) {
            const torch::Tensor absMax = w.reshape({w.size(0), -1}).abs().amax(1).to(torch::kFloat64);
            const double median = std::get<0>(absMax.sort())[w.size(0) / 2].item<double>();
            const torch::Tensor found = (absMax > 3 * median).nonzero().flatten().contiguous();
            return std::vector<int64_t>(found.data_ptr<int64_t>(), found.data_ptr<int64_t>() + found.numel());
        };
        torch::Tensor w = weight(3).detach().clone().to(torch::kFloat32).contiguous();
        const std::vector<int64_t>& shape = m_model->layers()[3].weightShape;
        const std::vector<int64_t> trained = outliers(w);
        QCOMPARE(weightStatistics(w.data_ptr<float>(), shape, {}).outlierChannels, trained);
        QVERIFY(std::find(trained.begin(), trained.end(), 5) == trained.end());
        w[5] *= 20;
        const WeightStatistics s = weightStatistics(w.data_ptr<float>(), shape, {});
        QCOMPARE(s.outlierChannels, outliers(w));
        std::vector<int64_t> planted = trained;
        planted.insert(std::lower_bound(planted.begin(), planted.end(), 5), 5);
        QCOMPARE(s.outlierChannels, planted);
    }

    void singularValuesMatchEigen()
    {
        for (size_t i : {size_t(0), size_t(5), size_t(12)}) {
            const torch::Tensor w = weight(i).detach().to(torch::kFloat64).reshape({weight(i).size(0), -1}).contiguous();
            const std::vector<double> expected = testing::singularValues(w.data_ptr<double>(), w.size(0), w.size(1));
            const WeightSpectrum& s = m_analysis.spectra[i];
            QCOMPARE(s.singularValues.size(), expected.size());
            for (size_t k = 0; k < expected.size(); ++k)
                QVERIFY(std::abs(s.singularValues[k] - expected[k]) < 1e-9 * expected[0]);
            const double frobenius = w.square().sum().item<double>();
            QVERIFY(relDiff(s.stableRank, frobenius / (expected[0] * expected[0])) < 1e-9);
            QVERIFY(s.energy[size_t(s.rank95 - 1)] >= 0.95 - 1e-12);
            QVERIFY(s.rank95 == 1 || s.energy[size_t(s.rank95 - 2)] < 0.95);
            QVERIFY(s.rank90 <= s.rank95 && s.rank95 <= s.rank99);
            QVERIFY(s.effectiveRank >= 1.0 && s.effectiveRank <= double(expected.size()));
        }
    }

    void quantErrorMatchesLibTorchFakeQuant()
    {
        const QuantErrorTable& t = m_analysis.quantError;
        const auto column = std::find(t.options.begin(), t.options.end(), "w8:per-channel") - t.options.begin();
        for (size_t i = 0; i < m_model->layers().size(); ++i) {
            const torch::Tensor w = weight(i).detach().to(torch::kFloat32).reshape({weight(i).size(0), -1});
            // Symmetric 8-bit per channel, scales as BitLens stores them (fp16), through LibTorch's op.
            const torch::Tensor scale = (w.abs().amax(1) / 127.5).to(torch::kHalf).to(torch::kFloat32);
            const torch::Tensor fq = torch::fake_quantize_per_channel_affine(w, scale, torch::zeros({w.size(0)}, torch::kInt32), 0, -128, 127);
            const double expected = (fq.to(torch::kFloat64) - w.to(torch::kFloat64)).square().sum().item<double>();
            QVERIFY2(relDiff(t.squaredError[i][size_t(column)], expected) < 1e-6, m_model->layers()[i].name.c_str());
            const double norm = w.to(torch::kFloat64).square().sum().item<double>();
            QVERIFY(relDiff(t.sqnrDb[i][size_t(column)], 10 * std::log10(norm / expected)) < 1e-6);
        }
        // Fewer bits, more error, on every layer.
        const auto w2 = std::find(t.options.begin(), t.options.end(), "w2:per-channel") - t.options.begin();
        for (size_t i = 0; i < t.sqnrDb.size(); ++i)
            QVERIFY(t.sqnrDb[i][size_t(w2)] < t.sqnrDb[i][size_t(column)]);
    }

    // Input quantization error: more bits, less error; fp16 inputs nearly lossless.
    void activationErrorsOrderByBits()
    {
        const QuantErrorTable& t = m_analysis.quantError;
        const auto column = [&](const char* o) { return size_t(std::find(t.activationOptions.begin(), t.activationOptions.end(), o) - t.activationOptions.begin()); };
        QCOMPARE(t.activationSqnrDb.size(), m_model->layers().size());
        for (size_t i = 0; i < t.activationSqnrDb.size(); ++i) {
            const std::vector<double>& row = t.activationSqnrDb[i];
            QVERIFY(row[column("a2")] < row[column("a4")] && row[column("a4")] < row[column("a8")]);
            QVERIFY(row[column("afp16")] > row[column("a8")]);
            QVERIFY(row[column("a4:mse")] >= row[column("a4")] - 1e-9); // MSE picks the best clip, min-max included
        }
    }

    void bundleRoundTrip()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("analysis.h5").toStdString();
        writeAnalysisBundle(m_analysis, path);
        const ModelAnalysis back = readAnalysisBundle(path, sha256File(m_model->path()));
        QCOMPARE(back.modelSha256, m_analysis.modelSha256);
        QCOMPARE(back.layers.size(), m_analysis.layers.size());
        for (size_t i = 0; i < back.layers.size(); ++i) {
            QCOMPARE(back.layers[i].name, m_analysis.layers[i].name);
            QCOMPARE(back.layers[i].weightShape, m_analysis.layers[i].weightShape);
            QCOMPARE(back.weights[i].values.kurtosis, m_analysis.weights[i].values.kurtosis);
            QCOMPARE(back.weights[i].values.beyondSigma, m_analysis.weights[i].values.beyondSigma);
            QCOMPARE(back.weights[i].values.histogram.counts, m_analysis.weights[i].values.histogram.counts);
            QCOMPARE(back.weights[i].outputAbsMax, m_analysis.weights[i].outputAbsMax);
            QCOMPARE(back.spectra[i].singularValues, m_analysis.spectra[i].singularValues);
            QCOMPARE(back.activations[i].p9999, m_analysis.activations[i].p9999);
            QCOMPARE(back.activations[i].channelAbsMax, m_analysis.activations[i].channelAbsMax);
            QCOMPARE(back.activations[i].values.histogram.counts, m_analysis.activations[i].values.histogram.counts);
            QCOMPARE(back.spectra[i].alpha.alpha, m_analysis.spectra[i].alpha.alpha);
        }
        QCOMPARE(back.quantError.options, m_analysis.quantError.options);
        QCOMPARE(back.quantError.activationOptions, m_analysis.quantError.activationOptions);
        QCOMPARE(back.quantError.activationSqnrDb, m_analysis.quantError.activationSqnrDb);
        QCOMPARE(back.quantError.sqnrDb.size(), m_analysis.quantError.sqnrDb.size());
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"analysis.h5"}); // no temporary left
    }

    // Every /session field's round trip is tst_session_state's; here, which files are bundles.
    void bundlesAreRecognised()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("session.h5").toStdString();
        writeAnalysisBundle(m_analysis, path);
        QVERIFY(isAnalysisBundle(path));
        QVERIFY(!readSessionState(path)); // written without one
        QVERIFY(!isAnalysisBundle(testing::demoModel("fmnist_cnn").toStdString()));
        QVERIFY(!isAnalysisBundle(dir.filePath("absent.h5").toStdString()));
    }

    // Partial results arrive per stage, and analyses of different parts add up.
    void partialResultsAndMerging()
    {
        AnalysisOptions spectraOnly;
        spectraOnly.statistics = spectraOnly.activations = spectraOnly.quantError = false;
        std::vector<bool> settled;
        NullProgress progress;
        const ModelAnalysis spectra = analyzeModel(*m_model, spectraOnly, nullptr, progress,
                                                   [&](const ModelAnalysis& soFar, bool isSettled) {
            settled.push_back(isSettled);
            QCOMPARE(soFar.spectra.size(), m_analysis.layers.size());
        });
        QCOMPARE(settled, std::vector<bool>{true});
        ModelAnalysis merged;
        mergeAnalysis(merged, spectra);
        QVERIFY(merged.weights.empty());
        ModelAnalysis stats = m_analysis;
        stats.spectra.clear();
        mergeAnalysis(merged, stats);
        QCOMPARE(merged.weights.size(), m_analysis.weights.size());
        QCOMPARE(merged.spectra.size(), m_analysis.layers.size());
        QCOMPARE(merged.spectra[3].singularValues, spectra.spectra[3].singularValues);
        QVERIFY(merged.options.statistics && merged.options.spectra);
        ModelAnalysis other = spectra;
        other.layers.pop_back(); // another model: replaces everything
        mergeAnalysis(merged, other);
        QVERIFY(merged.weights.empty());
    }

    void bundleRefusals()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("analysis.h5");
        writeAnalysisBundle(m_analysis, path.toStdString());
        const std::string otherModel = sha256File(testing::demoModel("fmnist_cnn").toStdString());
        const QString mismatch = errorOf([&] { readAnalysisBundle(path.toStdString(), otherModel); });
        QVERIFY2(mismatch.startsWith(path + ": analyses a different model"), qPrintable(mismatch));

        const QString truncated = dir.filePath("truncated.h5");
        QFile::copy(path, truncated);
        QFile f(truncated);
        QVERIFY(f.resize(f.size() / 2));
        const QString cut = errorOf([&] { readAnalysisBundle(truncated.toStdString()); });
        QVERIFY2(cut.startsWith(truncated + ": cannot read the analysis bundle ("), qPrintable(cut));
        QVERIFY(!cut.contains('\n'));

        const QString model = testing::demoModel("fmnist_cnn");
        QVERIFY(errorOf([&] { readAnalysisBundle(model.toStdString()); }).startsWith(model + ": cannot read"));
        QCOMPARE(errorOf([&] { writeAnalysisBundle(m_analysis, "/proc/bitlens.h5"); }).left(19), QString("/proc/bitlens.h5: c"));
    }

    void cancels()
    {
        struct CancelAtOnce final : Progress {
            void report(double, const std::string&) override {}
            bool cancelled() const override { return true; }
        } cancel;
        QVERIFY_THROWS_EXCEPTION(Cancelled, analyzeModel(*m_model, {}, &m_data.calibration, cancel));
    }
};

QTEST_GUILESS_MAIN(TstAnalysis)
#include "tst_analysis.moc"
