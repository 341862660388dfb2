// Sensitivity estimators on the demo ResNet and Fashion-MNIST: measured and input-noise cells
// against a plan applied and evaluated the ordinary way, hawq against the quantization-error table,
// llc against the measured change where the second-order expansion must hold (8 bits), each
// estimator's agreement, rank correlations against SciPy's documented values, and the Hessian and
// sensitivity written to the bundle and read back.

// moc reads every header it finds; LibTorch's cost it ~8 s a suite and declare no QObject.
#ifndef Q_MOC_RUN
#include <torch/script.h>
#endif

#include "core/analysis/hessian_engine.h"
#include "core/analysis/sensitivity_engine.h"
#include "core/data/dataset.h"
#include "core/errors.h"
#include "core/eval/applied_plan.h"
#include "core/io/analysis_bundle.h"
#include "core/model/model_impl.h"
#include "core/progress.h"
#include "core/quant/option_spec.h"
#include "core/runtime.h"
#include "test_paths.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace bitlens;

namespace {

size_t indexOf(const std::vector<std::string>& v, const std::string& x)
{
    return size_t(std::find(v.begin(), v.end(), x) - v.begin());
}

} // namespace

class TstSensitivity : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Model> m_model;
    DatasetSplits m_data;
    ModelAnalysis m_analysis;
    std::vector<std::string> m_names;

    // The calibration loss of the model under `plan`, evaluated the way `eval --plan` does.
    double planLoss(const CompressionPlan& plan)
    {
        NullProgress progress;
        auto applied = AppliedPlan::apply(*m_model, plan, m_data.calibration, progress);
        EvalOptions options;
        options.limit = m_analysis.sensitivity.samples;
        return applied->evaluate(m_data.calibration, options, progress).loss();
    }

    const CostTable& table(const char* estimator) const { return *m_analysis.sensitivity.table(estimator); }

private slots:
    void initTestCase()
    {
        configureThreads();
        m_model = Model::load(testing::demoModel("fmnist_resnet").toStdString());
        NullProgress progress;
        DatasetOptions dataOptions;
        dataOptions.calibrationSize = 128;
        m_data = loadDataset(testing::fashionMnistDir().toStdString(), dataOptions, progress);
        AnalysisOptions options;
        options.statistics = options.activations = options.spectra = false;
        options.hessian = options.sensitivity = true;
        options.hessianOptions.batches = 2;
        options.hessianOptions.batchSize = 64;
        options.hessianOptions.modelEigenvalues = false;
        options.sensitivityOptions.options = {"w2", "w4", "w8", "rank0.5"};
        m_analysis = analyzeModel(*m_model, options, &m_data.calibration, progress);
        for (const LayerInfo& l : m_model->layers())
            m_names.push_back(l.name);
    }

    void everyEstimatorFillsItsTable()
    {
        const SensitivityAnalysis& s = m_analysis.sensitivity;
        QCOMPARE(s.tables.size(), sensitivityEstimators().size());
        QVERIFY2(s.problems.empty(), s.problems.empty() ? "" : s.problems[0].c_str());
        const size_t rank = indexOf(s.options, "rank0.5");
        for (const CostTable& t : s.tables) {
            QCOMPARE(t.deltaLoss.size(), m_names.size());
            for (size_t l = 0; l < m_names.size(); ++l)
                for (size_t o = 0; o < s.options.size(); ++o) {
                    // Input noise has no counterpart for a rank-only option.
                    const bool defined = !(t.estimator == "input-noise" && o == rank);
                    QVERIFY2(std::isfinite(t.deltaLoss[l][o]) == defined,
                             qPrintable(QString("%1 %2 %3").arg(t.estimator.c_str(), m_names[l].c_str(), s.options[o].c_str())));
                }
            QCOMPARE(t.topLayers.size(), size_t(5));
        }
        QCOMPARE(table("llc").products, int64_t(m_names.size() * s.options.size()));
    }

    void measuredEqualsAppliedPlan()
    {
        const SensitivityAnalysis& s = m_analysis.sensitivity;
        const double baseline = planLoss({});
        QVERIFY(std::abs(baseline - s.baselineLoss) < 1e-6);
        for (const char* layer : {"stem.0", "layer3.conv2", "fc"}) {
            for (const char* option : {"w2", "rank0.5"}) {
                CompressionPlan plan;
                plan.layers[layer] = uniformPlan(option, m_model->layers()).optionFor(layer);
                const double expected = planLoss(plan) - baseline;
                const double got = table("measured").deltaLoss[indexOf(m_names, layer)][indexOf(s.options, option)];
                QVERIFY2(std::abs(got - expected) <= 1e-6 + 1e-4 * std::abs(expected),
                         qPrintable(QString("%1 %2: %3 vs %4").arg(layer, option).arg(got).arg(expected)));
            }
        }
    }

    void inputNoiseEqualsInputOnlyPlan()
    {
        const SensitivityAnalysis& s = m_analysis.sensitivity;
        const double baseline = planLoss({});
        for (const char* layer : {"stem.0", "layer2.conv2", "fc"}) {
            CompressionPlan plan;
            plan.layers[layer] = optionFromSpec("fp32,a4:mse");
            const double expected = planLoss(plan) - baseline;
            const double got = table("input-noise").deltaLoss[indexOf(m_names, layer)][indexOf(s.options, "w4")];
            QVERIFY2(std::abs(got - expected) <= 1e-6 + 1e-4 * std::abs(expected),
                     qPrintable(QString("%1: %2 vs %3").arg(layer).arg(got).arg(expected)));
        }
    }

    void hawqIsMeanTraceTimesQuantizationError()
    {
        NullProgress progress;
        AnalysisOptions options;
        options.statistics = options.activations = options.spectra = false;
        const ModelAnalysis q = analyzeModel(*m_model, options, nullptr, progress);
        const size_t w4 = indexOf(q.quantError.options, "w4:per-channel");
        const size_t o = indexOf(m_analysis.sensitivity.options, "w4");
        for (size_t l = 0; l < m_names.size(); ++l) {
            const double expected = m_analysis.hessian.layers[l].trace / double(m_model->layers()[l].weightParams)
                                    * q.quantError.squaredError[l][w4];
            QVERIFY(std::abs(table("hawq").deltaLoss[l][o] - expected) <= 1e-6 * std::abs(expected));
        }
    }

    // At 8 bits δ is small: the second-order expansion must predict the measured change, sign
    // included (quantization that lowers the loss: LLC's lossless neighbourhood). What it misses:
    // ReLUs that flip, which no Taylor expansion sees.
    void llcPredictsSmallPerturbations()
    {
        const size_t o = indexOf(m_analysis.sensitivity.options, "w8");
        for (size_t l = 0; l < m_names.size(); ++l) {
            const double measured = table("measured").deltaLoss[l][o];
            const double llc = table("llc").deltaLoss[l][o];
            QVERIFY2(std::abs(llc - measured) <= 0.25 * std::abs(measured) + 2e-5
                         && (std::abs(measured) < 5e-5 || (llc > 0) == (measured > 0)),
                     qPrintable(QString("%1: llc %2, measured %3").arg(m_names[l].c_str()).arg(llc).arg(measured)));
        }
    }

    void estimatorsAgreeWithMeasurement()
    {
        const CostTable& llc = table("llc");
        QVERIFY2(llc.agreement.spearman > 0.9, qPrintable(QString::number(llc.agreement.spearman)));
        QCOMPARE(llc.agreement.cells, int64_t(m_names.size() * m_analysis.sensitivity.options.size()));
        for (const char* e : {"hawq", "fisher"})
            QVERIFY2(table(e).agreement.spearman > 0.5, qPrintable(QString("%1 %2").arg(e).arg(table(e).agreement.spearman)));
        QVERIFY(std::isnan(table("measured").agreement.spearman));
        QCOMPARE(table("measured").topLayers, mostSensitiveLayers(table("measured").deltaLoss, m_names, 5));
    }

    // SciPy's documentation examples of spearmanr and kendalltau (τ-b, with ties).
    void rankCorrelationsMatchScipy()
    {
        QVERIFY(std::abs(spearmanRho({1, 2, 3, 4, 5}, {5, 6, 7, 8, 7}) - 0.8207826816681233) < 1e-12);
        QVERIFY(std::abs(kendallTauB({12, 2, 1, 12, 2}, {1, 4, 7, 1, 0}) - (-0.47140452079103173)) < 1e-12);
        QCOMPARE(averageRanks({3, 1, 3, 2}), (std::vector<double>{3.5, 1, 3.5, 2}));
    }

    void hawqNeedsTheHessian()
    {
        NullProgress progress;
        AnalysisOptions options;
        options.statistics = options.activations = options.spectra = options.quantError = false;
        options.sensitivity = true;
        options.hessianOptions.batches = 1;
        options.hessianOptions.batchSize = 16;
        options.sensitivityOptions.estimators = {"hawq"};
        QVERIFY_THROWS_EXCEPTION(Error, analyzeModel(*m_model, options, &m_data.calibration, progress));
        options.sensitivityOptions.estimators = {"magic"};
        try {
            analyzeModel(*m_model, options, &m_data.calibration, progress);
            QFAIL("no error for an unknown estimator");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("'magic'"), e.what());
        }
        options.sensitivityOptions.estimators = {"measured"};
        options.sensitivityOptions.options = {"w4+rank2"};
        QVERIFY_THROWS_EXCEPTION(PlanError, analyzeModel(*m_model, options, &m_data.calibration, progress));
    }

    void bundleRoundTrip()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("b.h5").toStdString();
        writeAnalysisBundle(m_analysis, path);
        const ModelAnalysis back = readAnalysisBundle(path, m_analysis.modelSha256);
        const HessianAnalysis& h = m_analysis.hessian;
        QCOMPARE(back.hessian.layers.size(), h.layers.size());
        QCOMPARE(back.hessian.layerProducts, h.layerProducts);
        QCOMPARE(back.hessian.options.batchSize, h.options.batchSize);
        for (size_t l = 0; l < h.layers.size(); ++l) {
            QCOMPARE(back.hessian.layers[l].topEigenvalues, h.layers[l].topEigenvalues);
            QCOMPARE(back.hessian.layers[l].topEigenvalueBatches, h.layers[l].topEigenvalueBatches);
            QCOMPARE(back.hessian.layers[l].trace, h.layers[l].trace);
            QCOMPARE(back.hessian.layers[l].traceStdErr, h.layers[l].traceStdErr);
            QCOMPARE(back.hessian.layers[l].density, h.layers[l].density);
        }
        const SensitivityAnalysis& s = m_analysis.sensitivity;
        QCOMPARE(back.sensitivity.options, s.options);
        QVERIFY(back.sensitivity.layerOptions == s.layerOptions);
        QCOMPARE(back.sensitivity.tables.size(), s.tables.size());
        for (size_t t = 0; t < s.tables.size(); ++t) {
            QCOMPARE(back.sensitivity.tables[t].estimator, s.tables[t].estimator);
            QCOMPARE(back.sensitivity.tables[t].topLayers, s.tables[t].topLayers);
            for (size_t l = 0; l < m_names.size(); ++l)
                for (size_t o = 0; o < s.options.size(); ++o) {
                    const double a = s.tables[t].deltaLoss[l][o], b = back.sensitivity.tables[t].deltaLoss[l][o];
                    QVERIFY(a == b || (std::isnan(a) && std::isnan(b)));
                }
        }
    }

    // Each cell's option is the one the whole-model uniform plan gives that layer.
    void layerOptionsAreTheUniformPlans()
    {
        const SensitivityAnalysis& s = m_analysis.sensitivity;
        QCOMPARE(s.layerOptions.size(), m_names.size());
        for (size_t o = 0; o < s.options.size(); ++o) {
            const CompressionPlan plan = uniformPlan(s.options[o], m_model->layers());
            for (size_t l = 0; l < m_names.size(); ++l)
                QVERIFY(s.layerOptions[l][o] == plan.optionFor(m_names[l]));
        }
    }

    // A version 1 bundle (no /sensitivity/layer_options) opens, its options resolved from their names.
    void versionOneBundleOpens()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("old.h5");
        writeAnalysisBundle(m_analysis, path.toStdString());
        QProcess h5py;
        h5py.start("/usr/bin/python3", {"-c", "import h5py, sys\n"
                                              "with h5py.File(sys.argv[1], 'r+') as f:\n"
                                              "    del f['sensitivity/layer_options']\n"
                                              "    f.attrs['version'] = 1\n",
                                        path});
        QVERIFY(h5py.waitForFinished(60000));
        QVERIFY2(h5py.exitCode() == 0, h5py.readAllStandardError().constData());
        const ModelAnalysis back = readAnalysisBundle(path.toStdString(), m_analysis.modelSha256);
        QCOMPARE(back.sensitivity.options, m_analysis.sensitivity.options);
        QVERIFY(back.sensitivity.layerOptions == m_analysis.sensitivity.layerOptions);
        QCOMPARE(back.sensitivity.tables.size(), m_analysis.sensitivity.tables.size());
        QCOMPARE(back.sensitivity.tables[0].deltaLoss.size(), m_names.size());
    }
};

QTEST_APPLESS_MAIN(TstSensitivity)
#include "tst_sensitivity.moc"
