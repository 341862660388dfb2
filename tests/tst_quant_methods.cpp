// Quantization methods (core/quant/methods) against independent computations: GPTQ and AWQ
// written from their papers in numpy (tests/support/quant_methods_reference.py) on the same
// weights and inputs, Hadamard rotations checked for orthogonality, and the input transforms
// checked to leave the FP32 model's function unchanged on the demo CNN and transformer.

// moc reads every header it finds; LibTorch's cost it ~8 s a suite and declare no QObject.
#ifndef Q_MOC_RUN
#include <torch/script.h>
#endif

#include "core/data/dataset.h"
#include "core/eval/applied_plan_impl.h"
#include "core/io/analysis_bundle.h"
#include "core/io/hdf5_helpers.h"
#include "core/io/model_sidecar.h"
#include "core/model/model.h"
#include "core/model/model_impl.h"
#include "core/progress.h"
#include "core/quant/layer_compressor.h"
#include "core/quant/memory_cost.h"
#include "core/quant/methods/quant_method.h"
#include "core/quant/option_spec.h"
#include "core/runtime.h"
#include "core/stats/model_analysis.h"
#include "test_helpers.h"
#include "test_paths.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <numeric>

using namespace bitlens;

namespace {

torch::Tensor readMatrix(const H5::Group& g, const std::string& name)
{
    std::vector<hsize_t> dims;
    std::vector<float> v = h5::readData<float>(g, name, H5::PredType::NATIVE_FLOAT, &dims);
    std::vector<int64_t> shape(dims.begin(), dims.end());
    return torch::from_blob(v.data(), shape, torch::kFloat32).clone();
}

template <typename T>
std::vector<T> values(const torch::Tensor& t)
{
    const torch::Tensor c = t.contiguous();
    return std::vector<T>(c.data_ptr<T>(), c.data_ptr<T>() + c.numel());
}

// The reference file's cases of one method, by name.
std::vector<std::string> casesOf(const H5::H5File& file, const std::string& method)
{
    std::vector<std::string> names;
    for (hsize_t i = 0; i < file.getNumObjs(); ++i)
        if (h5::getString(file.openGroup(file.getObjnameByIdx(i)), "method") == method)
            names.push_back(file.getObjnameByIdx(i));
    return names;
}

// A reference case's option: integer weights, the method and grid its attributes name.
LayerOption optionOf(const H5::Group& g)
{
    LayerOption option;
    option.weight.format = NumberFormat::Int;
    option.weight.bits = int(h5::getInt(g, "bits"));
    option.weight.granularity = *enumFromName<Granularity>(h5::getString(g, "granularity"));
    option.weight.groupSize = int(h5::getInt(g, "group_size"));
    option.weight.symmetric = h5::getInt(g, "symmetric") != 0;
    option.weight.method = *enumFromName<QuantMethod>(h5::getString(g, "method"));
    return option;
}

// ||X (Ŵ − W)ᵀ||²: how far the layer's output on the inputs moves.
double outputError(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& quantized)
{
    return torch::matmul(x.to(torch::kFloat64), (quantized - w).to(torch::kFloat64).t()).square().sum().item<double>();
}

// What the methods read of the inputs, computed here from X.
LayerStatistics statisticsOf(const torch::Tensor& x)
{
    const torch::Tensor x64 = x.to(torch::kFloat64);
    LayerStatistics s;
    s.channels = x.size(1);
    s.rows = x.size(0);
    s.channelMeanAbs = x64.abs().mean(0);
    s.channelMaxAbs = std::get<0>(x64.abs().max(0));
    s.gram = x64.t().matmul(x64);
    return s;
}

// A demo model and its default dataset, `calibration` samples drawn for calibration.
struct Demo {
    DatasetSplits data;
    std::unique_ptr<Model> model;
};

Demo loadDemo(const std::string& name, int64_t calibration)
{
    const std::string path = testing::demoModel(name.c_str()).toStdString();
    DatasetOptions options = defaultDatasetOptionsFor(path);
    options.calibrationSize = calibration;
    NullProgress progress;
    Demo d{loadDataset(defaultDatasetFor(path), options, progress), Model::load(path)};
    return d;
}

} // namespace

class TstQuantMethods : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_reference;

private slots:
    void initTestCase()
    {
        configureThreads();
        m_reference = m_dir.filePath("reference.h5");
        QProcess python;
        python.start("/usr/bin/python3", {QFINDTESTDATA("support/quant_methods_reference.py"), m_reference});
        QVERIFY(python.waitForFinished(300000));
        QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
    }

    // Core's GPTQ and AWQ give the paper's weights: the same quantized values (a rounding tie may
    // fall the other way in float32 and float64), the same output error, below round-to-nearest's.
    void methodsMatchTheirPapers()
    {
        const H5::H5File file(m_reference.toStdString(), H5F_ACC_RDONLY);
        QCOMPARE(int(file.getNumObjs()), 12);
        for (hsize_t i = 0; i < file.getNumObjs(); ++i) {
            const std::string name = file.getObjnameByIdx(i);
            const H5::Group g = file.openGroup(name);
            if (h5::getString(g, "method") == "lwc" || h5::getString(g, "method") == "xint")
                continue; // learnedClippingOnlyDescends, xintIsTheResidualExpansion
            const torch::Tensor w = readMatrix(g, "weight");
            const torch::Tensor x = readMatrix(g, "inputs");
            const torch::Tensor expected = readMatrix(g, "expected");
            const LayerOption option = optionOf(g);
            const LayerStatistics stats = statisticsOf(x);
            const CompressedWeight ours = compressWeight(w, option, &stats);
            LayerOption nearest = option;
            nearest.weight.method = QuantMethod::Rtn;
            const torch::Tensor rtn = compressWeight(w, nearest).effective;

            const double same = (ours.effective - expected).abs().le(1e-6).to(torch::kFloat64).mean().item<double>();
            const double error = outputError(x, w, ours.effective);
            const double theirs = outputError(x, w, expected);
            const double nearestError = outputError(x, w, rtn);
            qInfo("%s: %.2f %% of weights equal; output error %.4g (paper %.4g, round-to-nearest %.4g)", name.c_str(),
                  100 * same, error, theirs, nearestError);
            QVERIFY2(same >= 0.98, name.c_str());
            QVERIFY2(std::abs(error - theirs) <= 0.02 * theirs, name.c_str());
            QVERIFY2(error < nearestError, name.c_str());
            if (option.weight.method == QuantMethod::Awq) {
                QVERIFY(ours.transform.kind == InputTransform::Kind::Scale);
                QVERIFY2(torch::allclose(ours.transform.tensor, readMatrix(g, "scales"), 1e-6, 0), name.c_str());
                // The quantized matrix is W·diag(s), and W is that matrix with the scales taken back out.
                QVERIFY(torch::allclose(ours.transform.fromTransformedWeight(ours.full->dequantized), ours.effective));
            } else {
                QVERIFY(ours.transform.identity());
            }
        }
    }

    // LWC starts from the MSE-clipped grid (numpy's, from scratch), keeps only steps that lower the
    // output error, and ends on a grid: its last error is the one LibTorch measures on X itself.
    void learnedClippingOnlyDescends()
    {
        const H5::H5File file(m_reference.toStdString(), H5F_ACC_RDONLY);
        const std::vector<std::string> cases = casesOf(file, "lwc");
        QCOMPARE(cases.size(), size_t(2));
        for (const std::string& name : cases) {
            const H5::Group g = file.openGroup(name);
            const torch::Tensor w = readMatrix(g, "weight");
            const torch::Tensor x = readMatrix(g, "inputs");
            LayerOption option = optionOf(g);
            option.weight.range = WeightRange::Mse; // the grid the reference starts from
            const LayerStatistics stats = statisticsOf(x);
            const ClippingRun run = learnClipping(w, option.weight, stats.gram);
            const double unit = outputError(x, w, torch::zeros_like(w));
            const double start = outputError(x, w, readMatrix(g, "expected")) / unit;
            const double end = outputError(x, w, run.quantized.dequantized) / unit;
            qInfo("%s: output error %.4g from the MSE grid's %.4g in %zu kept steps", name.c_str(), end, start,
                  run.errors.size() - 1);
            QVERIFY2(std::abs(run.errors.front() - start) <= 1e-4 * start, name.c_str());
            QVERIFY2(run.errors.size() > 1, name.c_str());
            for (size_t k = 1; k < run.errors.size(); ++k)
                QVERIFY2(run.errors[k] < run.errors[k - 1], name.c_str());
            QVERIFY2(std::abs(run.errors.back() - end) <= 1e-4 * end, name.c_str());
            QVERIFY(run.gamma.min().item<double>() >= kLwcMinRatio && run.gamma.max().item<double>() <= 1.0);
            QVERIFY(run.beta.min().item<double>() >= kLwcMinRatio && run.beta.max().item<double>() <= 1.0);
            // On the grid it stores: codes in range, and the weight is what the codes and scales say.
            const QuantizedMatrix& q = run.quantized;
            QVERIFY(q.codes.min().item<int64_t>() >= q.qmin && q.codes.max().item<int64_t>() <= q.qmax);
            const torch::Tensor rebuilt = ((q.codes - q.zeroPoints.repeat_interleave(q.codes.size(1) / q.zeroPoints.size(1), 1))
                                               .to(torch::kFloat32)
                                           * q.scales.repeat_interleave(q.codes.size(1) / q.scales.size(1), 1));
            QVERIFY(torch::allclose(rebuilt, q.dequantized));
            // The registry's lwc is this run.
            QVERIFY(torch::equal(compressWeight(w, option, &stats).effective, q.dequantized));
        }
    }

    // xint with K terms is numpy's residual expansion cut at K (the same values, a rounding tie
    // aside), stores each term's codes on its own grid, and converges to W: each term divides the
    // error by at least 2^(b-1).
    void xintIsTheResidualExpansion()
    {
        const H5::H5File file(m_reference.toStdString(), H5F_ACC_RDONLY);
        const std::vector<std::string> cases = casesOf(file, "xint");
        QCOMPARE(cases.size(), size_t(2));
        for (const std::string& name : cases) {
            const H5::Group g = file.openGroup(name);
            const torch::Tensor w = readMatrix(g, "weight");
            const torch::Tensor sums = readMatrix(g, "expected");
            const int64_t terms = h5::getInt(g, "terms");
            QCOMPARE(sums.size(0), terms);
            double previous = 0.0;
            for (int k = 1; k <= int(terms); ++k) {
                LayerOption option = optionOf(g);
                option.weight.terms = k;
                if (k == 1)
                    option.weight.method = QuantMethod::Rtn;
                const CompressedWeight ours = compressWeight(w, option);
                const torch::Tensor expected = sums[k - 1];
                const double same = (ours.effective - expected).abs().le(1e-6).to(torch::kFloat64).mean().item<double>();
                const double error = (ours.effective - w).norm().item<double>() / w.norm().item<double>();
                qInfo("%s, %d terms: %.2f %% of weights equal; relative error %.3g (numpy %.3g)", name.c_str(), k,
                      100 * same, error, (expected - w).norm().item<double>() / w.norm().item<double>());
                QVERIFY2(same >= 0.98, name.c_str());
                if (k > 1)
                    QVERIFY2(error <= previous / double(1 << (option.weight.bits - 1)), name.c_str());
                previous = error;
                if (k == 1)
                    continue;
                // Every term on the grid it stores: [K, ...] codes in range, their sum the weight.
                const QuantizedMatrix& q = *ours.full;
                QCOMPARE(q.codes.sizes(), (c10::IntArrayRef{k, w.size(0), w.size(1)}));
                QCOMPARE(q.scales.size(0), int64_t(k));
                QVERIFY(q.codes.min().item<int64_t>() >= q.qmin && q.codes.max().item<int64_t>() <= q.qmax);
                const int64_t width = w.size(1) / q.scales.size(2);
                const torch::Tensor rebuilt = ((q.codes - q.zeroPoints.repeat_interleave(width, 2)).to(torch::kFloat32)
                                               * q.scales.repeat_interleave(width, 2)).sum(0);
                QVERIFY(torch::allclose(rebuilt, q.dequantized, 1e-6, 1e-7));
            }
        }
    }

    // sqllm, checked by brute force over plain arrays: the sparse part is exactly the top |w|·F
    // weights as fp16, every other weight takes its row's nearest codebook entry, each entry is the
    // Fisher-weighted mean of the weights that take it (a fixed point of weighted Lloyd), and its
    // Fisher-weighted error is below round-to-nearest's.
    void sqllmIsWeightedLloydWithSparseOutliers()
    {
        torch::manual_seed(5);
        const int64_t rows = 24, cols = 96;
        torch::Tensor w = torch::randn({rows, cols}) * 0.05;
        w.index_put_({torch::randint(rows * cols, {12}, torch::kLong).div(cols, "floor"), torch::randint(cols, {12}, torch::kLong)},
                     torch::randn({12}) * 0.5); // outliers
        torch::Tensor fisher = torch::rand({rows, cols}, torch::kFloat64).square();
        fisher[3].zero_(); // a channel the loss never reached: clustered unweighted
        LayerStatistics stats;
        stats.channels = cols;
        stats.fisher = fisher.reshape({-1});
        const LayerOption option = optionFromSpec("w3:sqllm2");
        QCOMPARE(option.weight.sparsePercent, 2.0);
        const CompressedWeight ours = compressWeight(w, option, &stats);
        const QuantizedMatrix& q = *ours.full;

        const std::vector<float> wv = values<float>(w), effective = values<float>(ours.effective);
        const std::vector<double> fv = values<double>(fisher);
        const std::vector<float> book = values<float>(q.codebook);
        const std::vector<int32_t> codes = values<int32_t>(q.codes);
        const std::vector<int64_t> sparse = values<int64_t>(q.sparse.index);
        const int64_t k = 8, count = rows * cols * 2 / 100;
        // The sparse part: the `count` largest |w|·F, the first of equals.
        std::vector<int64_t> order(size_t(rows * cols));
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
            return std::abs(double(wv[size_t(a)])) * fv[size_t(a)] > std::abs(double(wv[size_t(b)])) * fv[size_t(b)];
        });
        std::vector<int64_t> expected(order.begin(), order.begin() + count);
        std::sort(expected.begin(), expected.end());
        QCOMPARE(sparse, expected);
        std::vector<bool> isSparse(size_t(rows * cols), false);
        for (int64_t i : sparse) {
            isSparse[size_t(i)] = true;
            QCOMPARE(effective[size_t(i)], float(c10::Half(wv[size_t(i)])));
        }
        double ourError = 0, nearestError = 0;
        const torch::Tensor rtn = compressWeight(w, optionFromSpec("w3:per-channel")).effective;
        const std::vector<float> rtnv = values<float>(rtn);
        int clusters = 0, fixed = 0;
        for (int64_t r = 0; r < rows; ++r) {
            const bool unweighted = r == 3;
            std::vector<double> mass(size_t(k), 0.0), sum(size_t(k), 0.0);
            double largest = 0;
            for (int64_t c = 0; c < cols; ++c) {
                const size_t i = size_t(r * cols + c);
                largest = std::max(largest, std::abs(double(wv[i])));
                if (isSparse[i])
                    continue;
                // The nearest entry of the row's codebook (the lower of two equally near).
                int64_t best = 0;
                for (int64_t j = 1; j < k; ++j)
                    if (std::abs(double(book[size_t(r * k + j)]) - wv[i]) < std::abs(double(book[size_t(r * k + best)]) - wv[i]))
                        best = j;
                QCOMPARE(int64_t(codes[i]), best);
                QCOMPARE(effective[i], book[size_t(r * k + best)]);
                const double weight = unweighted ? 1.0 : fv[i];
                mass[size_t(best)] += weight;
                sum[size_t(best)] += weight * wv[i];
                ourError += fv[i] * std::pow(double(effective[i]) - wv[i], 2);
                nearestError += fv[i] * std::pow(double(rtnv[i]) - wv[i], 2);
            }
            for (int64_t j = 0; j < k; ++j) {
                if (mass[size_t(j)] <= 0)
                    continue;
                ++clusters;
                // The mean, up to the codebook's fp16 rounding.
                fixed += std::abs(sum[size_t(j)] / mass[size_t(j)] - book[size_t(r * k + j)]) <= 1e-3 * largest;
            }
        }
        qInfo("%d of %d codebook entries are their cluster's weighted mean; Fisher-weighted error %.4g (rtn %.4g)", fixed,
              clusters, ourError, nearestError);
        QCOMPARE(fixed, clusters);
        QVERIFY(ourError < 0.5 * nearestError);

        // Spec, label, plan and bytes.
        QCOMPARE(optionFromSpec("w3:sqllm").weight.sparsePercent, 0.0);
        QCOMPARE(QString::fromStdString(option.label()), QString("w3 per-channel sym sqllm2"));
        QVERIFY_THROWS_EXCEPTION(PlanError, optionFromSpec("w3:sqllm11"));
        QVERIFY_THROWS_EXCEPTION(PlanError, optionFromSpec("w3:sqllmx"));
        LayerInfo linear;
        linear.name = "fc";
        linear.kind = LayerKind::Linear;
        linear.weightShape = {rows, cols};
        linear.weightParams = rows * cols;
        CompressionPlan grouped;
        grouped.defaults = optionFromSpec("w3:group32:sqllm");
        QVERIFY_THROWS_EXCEPTION(PlanError, validatePlan(grouped, {linear}, "plan"));
        LayerInfo embedding = linear;
        embedding.name = "tok";
        embedding.kind = LayerKind::Embedding;
        // An embedding falls back to rtn, its sparse share with it (the plan is valid).
        const CompressionPlan plan = uniformPlan("w3:sqllm0.5", 0.0, {linear, embedding});
        QCOMPARE(plan.optionFor("tok").weight.method, QuantMethod::Rtn);
        QCOMPARE(plan.optionFor("tok").weight.sparsePercent, 0.0);
        QVERIFY(planFromJson(planToJson(plan), "plan") == plan);
        const LayerCost cost = layerCost(linear, option);
        QCOMPARE(cost.scaleCount, int64_t(0));
        QCOMPARE(cost.bytes, rows * cols * 3 / 8 + rows * k * 2 + count * 6 + (rows + 1) * 4);
    }

    void hadamardRotationsAreOrthogonal_data()
    {
        QTest::addColumn<int>("channels");
        for (int c : {1, 7, 64, 96, 256, 1000})
            QTest::addRow("%d", c) << c;
    }

    void hadamardRotationsAreOrthogonal()
    {
        QFETCH(int, channels);
        const torch::Tensor r = hadamardRotation(channels, 20261207).to(torch::kFloat64);
        const torch::Tensor identity = torch::eye(channels, torch::kFloat64);
        QVERIFY(torch::allclose(r.matmul(r.t()), identity, 0, 1e-6));
        // Every entry is ±1/sqrt(block) on its block: a rotation that spreads each channel evenly.
        int64_t block = 1;
        while (channels % (2 * block) == 0)
            block *= 2;
        const torch::Tensor nonzero = r.abs().gt(0).sum(1);
        QVERIFY(torch::all(nonzero.eq(block)).item<bool>());
        QVERIFY(torch::allclose(r.abs().sum(1), torch::full({channels}, std::sqrt(double(block)), torch::kFloat64), 0, 1e-6));
    }

    void transformsKeepTheFp32Function_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("spec");
        for (const char* model : {"fmnist_resnet", "fortunes_lm"})
            for (const char* spec : {"fp32:hadamard", "fp32:smoothquant"})
                QTest::addRow("%s %s", model, spec) << model << spec;
    }

    // W·x = (W·T⁻¹)·(T·x): with nothing rounded, the transformed forward is the FP32 model's.
    void transformsKeepTheFp32Function()
    {
        try {
            checkTransformsKeepTheFp32Function();
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
    }

private:
    void checkTransformsKeepTheFp32Function()
    {
        QFETCH(QString, model);
        QFETCH(QString, spec);
        const Demo demo = loadDemo(model.toStdString(), 64);
        const DatasetSplits& data = demo.data;
        Model* m = demo.model.get();
        NullProgress progress;
        m->profile(data.evaluation);
        EvalOptions eval;
        eval.limit = 128;
        const auto fp32 = AppliedPlan::apply(*m, uniformPlan("fp32", 0.0, m->layers()), data.calibration, progress);
        const EvalResult reference = fp32->evaluate(data.evaluation, eval, progress);
        const auto transformed = AppliedPlan::apply(*m, uniformPlan(spec.toStdString(), 0.0, m->layers()), data.calibration, progress);
        int changed = 0;
        for (const CompressedWeight& c : transformed->impl().layers)
            changed += c.transform.identity() ? 0 : 1;
        QVERIFY(changed > 0);
        const EvalResult result = transformed->evaluate(data.evaluation, eval, progress);
        qInfo("%d layers transformed; loss %.9g, FP32 %.9g", changed, result.lossSum, reference.lossSum);
        QCOMPARE(result.correctTop1, reference.correctTop1);
        QVERIFY(std::abs(result.lossSum - reference.lossSum) <= 1e-5 * reference.lossSum);
    }

private slots:
    // Sequential calibration: the first layers see what they saw before (nothing before them is
    // compressed), later ones the compressed layers' outputs; the model is left as it was.
    void sequentialCalibrationSeesEarlierLayersCompressed()
    {
        const Demo demo = loadDemo("fortunes_lm", 32);
        const DatasetSplits& data = demo.data;
        Model* m = demo.model.get();
        NullProgress progress;
        CompressionPlan plan = uniformPlan("w3:group64:gptq", 0.0, m->layers());
        plan.layers["tok"] = LayerOption{}; // the embedding stays FP32: block 0's inputs are the FP32 model's
        std::vector<torch::Tensor> before;
        for (const torch::Tensor& w : m->impl().weights)
            before.push_back(w.clone());
        const auto independent = AppliedPlan::apply(*m, plan, data.calibration, progress);
        const auto sequential = AppliedPlan::apply(*m, plan, data.calibration, progress, MethodInputs::Sequential);
        for (size_t l = 0; l < before.size(); ++l)
            QVERIFY2(torch::equal(m->impl().weights[l], before[l]), m->layers()[l].name.c_str());
        const auto layer = [&](const AppliedPlan& a, const char* name) {
            for (size_t l = 0; l < m->layers().size(); ++l)
                if (m->layers()[l].name == name)
                    return a.impl().layers[l].effective;
            return torch::Tensor();
        };
        QVERIFY(torch::equal(layer(*independent, "blocks.0.attn.q"), layer(*sequential, "blocks.0.attn.q")));
        QVERIFY(torch::equal(layer(*independent, "blocks.0.attn.v"), layer(*sequential, "blocks.0.attn.v")));
        QVERIFY(!torch::equal(layer(*independent, "blocks.2.mlp.proj"), layer(*sequential, "blocks.2.mlp.proj")));
    }

    // Each layer's output error per method and width: falls with every added bit, GPTQ's and AWQ's
    // never above round-to-nearest's (both minimise exactly this error, and AWQ's grid includes
    // round-to-nearest), and the bundle keeps it.
    void methodOutputErrorsOfEveryLayer()
    {
        const Demo demo = loadDemo("fmnist_cnn", 256);
        const DatasetSplits& data = demo.data;
        Model* m = demo.model.get();
        NullProgress progress;
        AnalysisOptions only;
        only.statistics = only.activations = only.spectra = only.quantError = false;
        only.methodError = true;
        const ModelAnalysis a = analyzeModel(*m, only, &data.calibration, progress);
        const QuantErrorTable& t = a.quantError;
        QCOMPARE(t.methodOptions.size(), size_t(20)); // 4 widths x 5 methods
        QCOMPARE(t.methodOutputError.size(), m->layers().size());
        const auto at = [&](size_t layer, const std::string& spec) {
            const auto it = std::find(t.methodOptions.begin(), t.methodOptions.end(), spec);
            return t.methodOutputError[layer][size_t(it - t.methodOptions.begin())];
        };
        for (size_t l = 0; l < m->layers().size(); ++l) {
            for (const char* method : {"rtn", "gptq", "awq", "hadamard", "lwc"}) {
                double previous = std::numeric_limits<double>::infinity();
                for (int bits : {2, 3, 4, 8}) {
                    const double e = at(l, "w" + std::to_string(bits) + ":per-channel:" + method);
                    QVERIFY2(e > 0 && e < previous, qPrintable(QString("%1 %2 at %3 bits").arg(l).arg(method).arg(bits)));
                    previous = e;
                }
            }
            for (int bits : {2, 3, 4, 8}) {
                const std::string w = "w" + std::to_string(bits) + ":per-channel:";
                QVERIFY(at(l, w + "gptq") <= at(l, w + "rtn") * (1 + 1e-9));
                QVERIFY(at(l, w + "awq") <= at(l, w + "rtn") * (1 + 1e-9));
                // LWC starts from rtn's grid and keeps only steps that lower its (float32) error.
                QVERIFY(at(l, w + "lwc") <= at(l, w + "rtn") * (1 + 1e-6));
            }
            qInfo("%s at 3 bits: rtn %.3g, gptq %.3g, awq %.3g, hadamard %.3g, lwc %.3g", m->layers()[l].name.c_str(),
                  at(l, "w3:per-channel:rtn"), at(l, "w3:per-channel:gptq"), at(l, "w3:per-channel:awq"),
                  at(l, "w3:per-channel:hadamard"), at(l, "w3:per-channel:lwc"));
        }
        QTemporaryDir dir;
        writeAnalysisBundle(a, dir.filePath("a.h5").toStdString());
        const ModelAnalysis back = readAnalysisBundle(dir.filePath("a.h5").toStdString());
        QVERIFY(back.options.methodError);
        QCOMPARE(back.quantError.methodOptions, t.methodOptions);
        QCOMPARE(back.quantError.methodOutputError, t.methodOutputError);
    }

    // The method is one more field of a spec and of the plan file; what each stores is counted.
    void methodsInSpecsPlansAndBytes()
    {
        const LayerOption gptq = optionFromSpec("w3:group64:gptq");
        QCOMPARE(gptq.weight.method, QuantMethod::Gptq);
        QCOMPARE(gptq.weight.groupSize, 64);
        QCOMPARE(optionFromSpec("w8:per-channel:smoothquant,a8").weight.method, QuantMethod::SmoothQuant);
        QCOMPARE(optionFromSpec("fp16:hadamard").weight.method, QuantMethod::Hadamard);
        QCOMPARE(optionFromSpec("w4").weight.method, QuantMethod::Rtn);
        QCOMPARE(QString::fromStdString(gptq.label()), QString("w3 g64 sym gptq"));
        QVERIFY_THROWS_EXCEPTION(PlanError, optionFromSpec("w4:gptq:awq"));
        QVERIFY_THROWS_EXCEPTION(PlanError, optionFromSpec("fp16:per-channel"));

        LayerInfo linear;
        linear.name = "fc";
        linear.kind = LayerKind::Linear;
        linear.weightShape = {32, 64};
        linear.weightParams = 32 * 64;
        LayerInfo embedding = linear;
        embedding.name = "tok";
        embedding.kind = LayerKind::Embedding;
        LayerInfo depthwise;
        depthwise.name = "dw";
        depthwise.kind = LayerKind::Conv2d;
        depthwise.weightShape = {32, 1, 3, 3};
        depthwise.weightParams = 32 * 9;
        depthwise.groups = 32;
        const CompressionPlan plan = uniformPlan("w4:awq", 0.0, {linear, embedding, depthwise});
        QCOMPARE(plan.optionFor("fc").weight.method, QuantMethod::Awq);
        QCOMPARE(plan.optionFor("tok").weight.method, QuantMethod::Rtn); // an embedding has no input to scale
        QCOMPARE(plan.optionFor("dw").weight.method, QuantMethod::Rtn);  // nor one channel group another's
        CompressionPlan grouped;
        grouped.defaults = optionFromSpec("w4:gptq");
        QVERIFY_THROWS_EXCEPTION(PlanError, validatePlan(grouped, {depthwise}, "plan"));
        QVERIFY(planFromJson(planToJson(plan), "plan") == plan);
        CompressionPlan wrong;
        wrong.defaults = optionFromSpec("fp16");
        wrong.defaults.weight.method = QuantMethod::Gptq;
        QVERIFY_THROWS_EXCEPTION(PlanError, validatePlan(wrong, {linear}, "plan"));

        const LayerCost rtn = layerCost(linear, optionFromSpec("w4"));
        QCOMPARE(layerCost(linear, optionFromSpec("w4:gptq")).bytes, rtn.bytes);
        QCOMPARE(layerCost(linear, optionFromSpec("w4:awq")).bytes, rtn.bytes + 2 * 64);
        QCOMPARE(layerCost(linear, optionFromSpec("w4:hadamard")).bytes, rtn.bytes + 8);

        // xint: terms in the spec, the plan and the label; every term's codes and scales counted.
        const LayerOption xint = optionFromSpec("w2x3:group32:xint");
        QCOMPARE(xint.weight.method, QuantMethod::Xint);
        QCOMPARE(xint.weight.terms, 3);
        QCOMPARE(optionFromSpec("w2x2").weight.method, QuantMethod::Xint);
        QCOMPARE(QString::fromStdString(xint.label()), QString("w2x3 g32 sym xint"));
        QVERIFY_THROWS_EXCEPTION(PlanError, optionFromSpec("w2x2:gptq"));
        QVERIFY_THROWS_EXCEPTION(PlanError, optionFromSpec("w2:xint"));
        QVERIFY_THROWS_EXCEPTION(PlanError, optionFromSpec("w2x9"));
        QVERIFY_THROWS_EXCEPTION(PlanError, optionFromSpec("w2x"));
        const CompressionPlan xintPlan = uniformPlan("w2x2:xint", 0.0, {linear, embedding, depthwise});
        QCOMPARE(xintPlan.optionFor("tok").weight.terms, 2); // xint reads no inputs: any layer takes it
        QCOMPARE(xintPlan.optionFor("dw").weight.method, QuantMethod::Xint);
        QVERIFY(planFromJson(planToJson(xintPlan), "plan") == xintPlan);
        CompressionPlan stray;
        stray.defaults = optionFromSpec("w4");
        stray.defaults.weight.terms = 2;
        QVERIFY_THROWS_EXCEPTION(PlanError, validatePlan(stray, {linear}, "plan"));
        const LayerCost one = layerCost(linear, optionFromSpec("w2:group32"));
        const LayerCost three = layerCost(linear, xint);
        QCOMPARE(three.payloadBits, 3 * 32 * 64 * 2);
        QCOMPARE(three.scaleCount, 3 * 32 * 2);
        QCOMPARE(three.bytes, 3 * (one.bytes - one.biasBytes) + one.biasBytes);
    }
};

QTEST_APPLESS_MAIN(TstQuantMethods)
#include "tst_quant_methods.moc"
