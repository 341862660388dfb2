// The Hessian engine on the demo ResNet and Fashion-MNIST: Lanczos eigenvalues and traces against
// a dense eigendecomposition of a layer's Hessian block formed column by column, the top
// eigenvalue against plain power iteration and against finite differences of the gradient (no
// double back-propagation), the batch spread, the density, non-finite weights named, and
// cancellation within one Hessian-vector product.

// moc reads every header it finds; LibTorch's cost it ~8 s a suite and declare no QObject.
#ifndef Q_MOC_RUN
#include <torch/script.h>
#endif

#include "core/analysis/hessian_engine.h"
#include "core/analysis/reference_estimators.h"
#include "core/data/dataset.h"
#include "core/errors.h"
#include "core/model/model_impl.h"
#include "core/progress.h"
#include "core/runtime.h"
#include "core/stopwatch.h"
#include "test_paths.h"
#include "tests/support/dense_hessian.h"

#ifndef Q_MOC_RUN
#include <ATen/CPUGeneratorImpl.h>
#endif
#include <QtTest>

#include <chrono>

using namespace bitlens;

namespace {

double relDiff(double a, double b) { return std::abs(a - b) / std::max(1e-12, std::abs(b)); }

size_t layerIndex(const Model& model, const std::string& name)
{
    for (size_t i = 0; i < model.layers().size(); ++i)
        if (model.layers()[i].name == name)
            return i;
    throw std::runtime_error("no layer " + name);
}

// Asks to stop at its `at`-th report, noting how many layer products the operator had begun then.
class CancelAtReport final : public Progress {
public:
    CancelAtReport(const HessianOperator& op, int at) : m_op(op), m_at(at) {}
    void report(double, const std::string&) override
    {
        if (++m_reports == m_at) {
            productsAtRequest = m_op.layerProducts();
            requested = std::chrono::steady_clock::now();
        }
    }
    bool cancelled() const override { return m_reports >= m_at; }

    int64_t productsAtRequest = -1;
    std::chrono::steady_clock::time_point requested;

private:
    const HessianOperator& m_op;
    int m_at;
    int m_reports = 0;
};

} // namespace

class TstHessian : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Model> m_model;
    DatasetSplits m_data;
    HessianOptions m_options;
    std::unique_ptr<HessianOperator> m_op;
    HessianAnalysis m_analysis;
    std::vector<std::string> m_names;
    torch::Tensor m_denseStem; // stem.0's block, 144 x 144

private slots:
    void initTestCase()
    {
        configureThreads();
        m_model = Model::load(testing::demoModel("fmnist_resnet").toStdString());
        NullProgress progress;
        DatasetOptions options;
        options.calibrationSize = 64;
        m_data = loadDataset(testing::fashionMnistDir().toStdString(), options, progress);
        m_options.batches = 2;
        m_options.batchSize = 32;
        m_op = std::make_unique<HessianOperator>(*m_model, m_data.calibration, m_options.batches, m_options.batchSize,
                                                 true, progress);
        for (const LayerInfo& l : m_model->layers())
            m_names.push_back(l.name);
        m_analysis = analyzeHessian(*m_op, m_names, m_options, progress);
        m_denseStem = testing::denseHessianBlock(*m_op, layerIndex(*m_model, "stem.0"));
    }

    void blockIsSymmetric()
    {
        QVERIFY((m_denseStem - m_denseStem.t()).norm().item<double>() <= 1e-4 * m_denseStem.norm().item<double>());
    }

    // stem.0 (144 weights) and fc (1,290): the whole block, eigendecomposed densely.
    void eigenvaluesAndTraceMatchDenseBlock_data()
    {
        QTest::addColumn<QString>("layer");
        QTest::newRow("stem.0") << "stem.0";
        QTest::newRow("fc") << "fc";
    }
    void eigenvaluesAndTraceMatchDenseBlock()
    {
        QFETCH(QString, layer);
        const size_t l = layerIndex(*m_model, layer.toStdString());
        torch::Tensor h = layer == "stem.0" ? m_denseStem : testing::denseHessianBlock(*m_op, l);
        h = 0.5 * (h + h.t());
        const std::vector<double> dense = testing::symmetricEigenvalues(h); // ascending
        const LayerHessian& ours = m_analysis.layers[l];
        QCOMPARE(ours.topEigenvalues.size(), size_t(3));
        for (size_t k = 0; k < 3; ++k) {
            const double expected = dense[dense.size() - 1 - k];
            QVERIFY2(relDiff(ours.topEigenvalues[k], expected) < 1e-3,
                     qPrintable(QString("λ%1 %2 vs dense %3").arg(k + 1).arg(ours.topEigenvalues[k]).arg(expected)));
        }
        const double trace = h.trace().item<double>();
        QVERIFY2(ours.traceStdErr <= m_options.traceTolerance * std::abs(ours.trace) + 1e-12,
                 qPrintable(QString("stderr %1 of %2").arg(ours.traceStdErr).arg(ours.trace)));
        // Unbiased: within four standard errors (and a float32 product's rounding).
        QVERIFY2(std::abs(ours.trace - trace) <= 4 * ours.traceStdErr + 1e-4 * std::abs(trace),
                 qPrintable(QString("trace %1 ± %2 vs dense %3").arg(ours.trace).arg(ours.traceStdErr).arg(trace)));
    }

    // Lanczos run to the full dimension spans the space: Σα, the trace of T = VᵀHV, is the trace
    // of the block exactly. The engine's traces rest on this identity for the Krylov part. On the
    // dense block (whose columns are the operator's products): n products in microseconds.
    void fullKrylovTraceIsExact()
    {
        const int64_t n = m_denseStem.size(0);
        const torch::Tensor block = 0.5 * (m_denseStem + m_denseStem.t());
        at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(5);
        LanczosOptions lo;
        lo.minSteps = lo.maxSteps = int(n);
        const LanczosResult run = lanczos([&](const torch::Tensor& v) { return at::matmul(block, v); },
                                          rademacher(n, generator), lo);
        QCOMPARE(int64_t(run.alpha.size()), n);
        double trace = 0.0;
        for (double a : run.alpha)
            trace += a;
        const double dense = block.trace().item<double>();
        QVERIFY2(relDiff(trace, dense) < 1e-9, qPrintable(QString("%1 vs %2").arg(trace).arg(dense)));
        const torch::Tensor gram = at::matmul(run.basis, run.basis.t()) - torch::eye(n, torch::kFloat64);
        QVERIFY(gram.abs().max().item<double>() < 1e-10);
    }

    void lanczosAgreesWithPowerIteration()
    {
        const size_t l = layerIndex(*m_model, "layer4.conv2");
        at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(7);
        NullProgress progress;
        const auto product = [&](const torch::Tensor& v) { return m_op->layerProduct(l, v, progress); };
        const PowerIterationResult power = powerIteration(product, m_op->layerSize(l), 1, 500, 1e-6, generator);
        QVERIFY2(relDiff(m_analysis.layers[l].topEigenvalues[0], power.eigenvalues[0]) < 1e-2,
                 qPrintable(QString("Lanczos %1, power iteration %2").arg(m_analysis.layers[l].topEigenvalues[0]).arg(power.eigenvalues[0])));
    }

    // Central differences of the gradient along the top eigenvector u: (g(W+hu) − g(W−hu))/2h ≈ λ₁u,
    // with no second back-propagation involved.
    void topEigenvalueMatchesFiniteDifferences()
    {
        const size_t l = layerIndex(*m_model, "fc");
        at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(3);
        NullProgress progress;
        const auto product = [&](const torch::Tensor& v) { return m_op->layerProduct(l, v, progress); };
        LanczosOptions lo;
        lo.tolerance = 1e-6;
        const LanczosResult run = lanczos(product, rademacher(m_op->layerSize(l), generator), lo);
        const torch::Tensor u = run.topRitzVector;
        // A second copy of the model: m_op's cached graphs hold the first one's weights.
        auto model = Model::load(testing::demoModel("fmnist_resnet").toStdString());
        torch::Tensor& w = model->impl().weights[l];
        const torch::Tensor original = w.detach().clone();
        const double h = 1e-2;
        const auto gradientAt = [&](double step) {
            torch::NoGradGuard noGrad;
            w.copy_(original + step * u.to(torch::kFloat32).view_as(original));
            HessianOperator shifted(*model, m_data.calibration, m_options.batches, m_options.batchSize, false, progress);
            return shifted.gradient(l);
        };
        const torch::Tensor difference = (gradientAt(h) - gradientAt(-h)) / (2 * h);
        const double quotient = at::dot(difference, u).item<double>();
        QVERIFY2(relDiff(quotient, run.ritzValues[0]) < 1e-2,
                 qPrintable(QString("finite differences %1, Lanczos %2").arg(quotient).arg(run.ritzValues[0])));
    }

    // H is the mean of the batch Hessians, so the batch Rayleigh quotients average to λ₁.
    void batchSpreadAveragesToTopEigenvalue()
    {
        for (size_t l = 0; l < m_names.size(); ++l) {
            const LayerHessian& h = m_analysis.layers[l];
            QCOMPARE(h.topEigenvalueBatches.size(), size_t(m_options.batches));
            double mean = 0.0;
            for (double v : h.topEigenvalueBatches)
                mean += v / double(h.topEigenvalueBatches.size());
            QVERIFY2(relDiff(mean, h.topEigenvalues[0]) < 1e-3, qPrintable(QString::fromStdString(m_names[l])));
            QVERIFY(h.topEigenvalueSpread > 0);
        }
    }

    void densityIsNormalisedAndCoversTheSpectrum()
    {
        for (const LayerHessian& h : m_analysis.layers) {
            QCOMPARE(h.densityGrid.size(), size_t(m_options.densityPoints));
            double integral = 0.0;
            for (size_t i = 1; i < h.densityGrid.size(); ++i)
                integral += 0.5 * (h.density[i] + h.density[i - 1]) * (h.densityGrid[i] - h.densityGrid[i - 1]);
            QVERIFY2(std::abs(integral - 1.0) < 1e-3, qPrintable(QString::number(integral)));
            QVERIFY(h.densityGrid.front() < h.topEigenvalues.back() && h.densityGrid.back() > h.topEigenvalues[0]);
        }
        QCOMPARE(m_analysis.modelTopEigenvalues.size(), size_t(3));
        // The whole Hessian's top eigenvalue bounds every diagonal block's.
        for (const LayerHessian& h : m_analysis.layers)
            QVERIFY(m_analysis.modelTopEigenvalues[0] >= h.topEigenvalues[0] * (1 - 1e-3));
        QVERIFY(m_analysis.layerProducts > 0 && m_analysis.modelProducts > 0);
    }

    void nonFiniteWeightIsNamed()
    {
        auto model = Model::load(testing::demoModel("fmnist_resnet").toStdString());
        const size_t l = layerIndex(*model, "layer2.conv1");
        {
            torch::NoGradGuard noGrad;
            model->impl().weights[l].view({-1})[5] = std::numeric_limits<float>::infinity();
        }
        NullProgress progress;
        try {
            HessianOperator op(*model, m_data.calibration, 1, 32, true, progress);
            QFAIL("no error for an infinite weight");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("layer2.conv1 (weight)"), e.what());
        }
    }

    // The request is honoured before the next batch's product: after Cancel, at most the product
    // then beginning is started, and it stops before its first batch. The time it takes is printed,
    // not bounded (a loaded machine is slower): tests/bench/bench_hessian measures it.
    void cancelsWithinOneProduct()
    {
        NullProgress quiet;
        HessianOperator op(*m_model, m_data.calibration, m_options.batches, m_options.batchSize, true, quiet);
        CancelAtReport progress(op, 5); // a few Lanczos steps into the first layer
        QVERIFY_THROWS_EXCEPTION(Cancelled, analyzeHessian(op, m_names, m_options, progress));
        qInfo("cancelled %.1f ms after the request; %lld layer products begun before it, %lld after",
              1e3 * secondsSince(progress.requested), static_cast<long long>(progress.productsAtRequest),
              static_cast<long long>(op.layerProducts() - progress.productsAtRequest));
        QVERIFY(progress.productsAtRequest > 0);
        QVERIFY(op.layerProducts() - progress.productsAtRequest <= 1);
    }
};

QTEST_APPLESS_MAIN(TstHessian)
#include "tst_hessian.moc"
