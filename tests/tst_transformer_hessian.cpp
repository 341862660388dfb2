// The Hessian engine on a transformer: a LLaMA-shaped toy decoder (embedding, q/k/v/o, gated MLP,
// head; tests/support/fixtures) on random tokens. Every layer's top eigenvalues and trace against
// a dense eigendecomposition of its block formed column by column, every trace within its error
// target (relative, or the floor for a near-zero one), and the layer pattern that restricts the
// analysis to some layers.

// moc reads every header it finds; LibTorch's cost it ~8 s a suite and declare no QObject.
#ifndef Q_MOC_RUN
#include <torch/script.h>
#endif

#include "core/analysis/hessian_engine.h"
#include "core/data/sample_set.h"
#include "core/errors.h"
#include "core/model/model_impl.h"
#include "core/progress.h"
#include "core/runtime.h"
#include "tests/support/dense_hessian.h"
#include "tests/support/fixtures.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <random>

using namespace bitlens;

namespace {

constexpr int kVocab = 32, kWidth = 16, kContext = 16;

// Windows of T + 1 random tokens (int32), as the token corpus stores them.
SampleSet randomTokens(int64_t windows)
{
    SampleSet s;
    s.source = "random tokens";
    s.split = "calibration";
    s.sampleShape = {kContext};
    s.type = SampleType::Token;
    std::mt19937 rng(7);
    std::uniform_int_distribution<int32_t> token(0, kVocab - 1);
    std::vector<int32_t> tokens(size_t(windows * (kContext + 1)));
    for (int32_t& t : tokens)
        t = token(rng);
    s.data.resize(tokens.size() * sizeof(int32_t));
    std::memcpy(s.data.data(), tokens.data(), s.data.size());
    return s;
}

double relDiff(double a, double b) { return std::abs(a - b) / std::max(1e-12, std::abs(b)); }

} // namespace

class TstTransformerHessian : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::unique_ptr<Model> m_model;
    SampleSet m_tokens = randomTokens(8);
    HessianOptions m_options;
    std::unique_ptr<HessianOperator> m_op;
    HessianAnalysis m_analysis;
    std::vector<std::string> m_names;
    std::vector<torch::Tensor> m_dense; // every layer's block, symmetrised

private slots:
    void initTestCase()
    {
        configureThreads();
        const std::string path = m_dir.filePath("decoder.pt").toStdString();
        testing::writeTinyDecoder(path, kVocab, kWidth, 2, 2);
        m_model = Model::load(path);
        for (const LayerInfo& l : m_model->layers())
            m_names.push_back(l.name);
        QCOMPARE(m_names.size(), size_t(1 + 2 * 7 + 1)); // embedding, 2 x (q k v o gate up down), head
        m_options.batches = 2;
        m_options.batchSize = 4;
        NullProgress progress;
        m_op = std::make_unique<HessianOperator>(*m_model, m_tokens, m_options.batches, m_options.batchSize, true, progress);
        m_analysis = analyzeHessian(*m_op, m_names, m_options, progress);
        for (size_t l = 0; l < m_names.size(); ++l) {
            const torch::Tensor h = testing::denseHessianBlock(*m_op, l);
            m_dense.push_back(0.5 * (h + h.t()));
        }
    }

    void everyLayerMatchesItsDenseBlock_data()
    {
        QTest::addColumn<QString>("layer");
        for (const std::string& name : m_names)
            QTest::newRow(name.c_str()) << QString::fromStdString(name);
    }
    void everyLayerMatchesItsDenseBlock()
    {
        QFETCH(QString, layer);
        const auto it = std::find(m_names.begin(), m_names.end(), layer.toStdString());
        const size_t l = size_t(it - m_names.begin());
        const torch::Tensor& h = m_dense[l];
        const std::vector<double> dense = testing::symmetricEigenvalues(h); // ascending
        const LayerHessian& ours = m_analysis.layers[l];
        QVERIFY(ours.analysed());
        QCOMPARE(ours.topEigenvalues.size(), size_t(3));
        const double scale = std::abs(dense.back());
        for (size_t k = 0; k < 3; ++k) {
            const double expected = dense[dense.size() - 1 - k];
            // Lanczos stops at a relative residual of 1e-3: a relative error of that order, of λ₁
            // for the smaller ones (a near-degenerate pair converges as a pair).
            QVERIFY2(std::abs(ours.topEigenvalues[k] - expected) <= 2e-3 * scale,
                     qPrintable(QString("λ%1 %2 vs dense %3").arg(k + 1).arg(ours.topEigenvalues[k]).arg(expected)));
        }
        const double trace = h.trace().item<double>();
        QVERIFY2(ours.traceConverged, qPrintable(QString("trace %1 ± %2 after %3 probes (%4 local)")
                                                     .arg(ours.trace).arg(ours.traceStdErr).arg(ours.traceSamples)
                                                     .arg(ours.traceLocalSamples)));
        double total = 0.0;
        for (const torch::Tensor& block : m_dense)
            total += std::abs(block.trace().item<double>());
        // Its target: 5 % of its own trace, or 0.1 % of all layers' (with the estimates' slack).
        const double target = std::max(m_options.traceTolerance * std::abs(trace), m_options.traceFloor * total);
        QVERIFY2(ours.traceStdErr <= 1.2 * target,
                 qPrintable(QString("stderr %1 vs target %2 (trace %3)").arg(ours.traceStdErr).arg(target).arg(trace)));
        // Unbiased: within four standard errors (and a float32 product's rounding).
        QVERIFY2(std::abs(ours.trace - trace) <= 4 * ours.traceStdErr + 1e-4 * std::abs(trace),
                 qPrintable(QString("trace %1 ± %2 vs dense %3").arg(ours.trace).arg(ours.traceStdErr).arg(trace)));
    }

    // The cross-layer terms make whole-model probes too noisy for some layers here: those went on
    // with their own block, and some blocks, too indefinite for probes to finish, were summed
    // exactly over their unit vectors (no error, at least n products).
    void layerLocalProbesTakeOverWhereCrossTermsDominate()
    {
        int64_t local = 0;
        int exact = 0;
        for (size_t l = 0; l < m_analysis.layers.size(); ++l) {
            const LayerHessian& h = m_analysis.layers[l];
            local += h.traceLocalSamples;
            if (h.traceStdErr == 0.0 && h.traceLocalSamples >= m_op->layerSize(l)) {
                ++exact;
                QVERIFY2(relDiff(h.trace, m_dense[l].trace().item<double>()) < 1e-5, m_names[l].c_str());
            }
        }
        QVERIFY(local > 0);
        QVERIFY(exact > 0);
        QVERIFY(m_analysis.layerProducts > 0);
        QVERIFY(m_analysis.modelProducts >= m_options.minTraceSamples);
    }

    void patternSelectsLayers()
    {
        HessianOptions o = m_options;
        o.layers = "b1_(q|down)";
        o.modelEigenvalues = false;
        NullProgress progress;
        const HessianAnalysis a = analyzeHessian(*m_op, m_names, o, progress);
        for (size_t l = 0; l < m_names.size(); ++l) {
            const bool chosen = m_names[l] == "b1_q" || m_names[l] == "b1_down";
            QCOMPARE(a.layers[l].analysed(), chosen);
            QCOMPARE(std::isnan(a.layers[l].trace), !chosen);
            if (chosen)
                QVERIFY2(relDiff(a.layers[l].topEigenvalues[0], m_analysis.layers[l].topEigenvalues[0]) < 2e-3,
                         m_names[l].c_str());
        }
        // A single layer: no whole-model product at all.
        o.layers = "head";
        const int64_t before = m_op->modelProducts();
        const HessianAnalysis one = analyzeHessian(*m_op, m_names, o, progress);
        QCOMPARE(m_op->modelProducts(), before);
        QVERIFY(one.layers.back().traceConverged);
    }

    void badPatternsAreOneSentence()
    {
        HessianOptions o = m_options;
        NullProgress progress;
        o.layers = "b1_(q";
        QVERIFY_THROWS_EXCEPTION(Error, analyzeHessian(*m_op, m_names, o, progress));
        o.layers = "attn";
        try {
            analyzeHessian(*m_op, m_names, o, progress);
            QFAIL("a pattern matching no layer was accepted");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("matches none of the 16 layers"), e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TstTransformerHessian)
#include "tst_transformer_hessian.moc"
