// Quantization methods (core/quant/methods) against independent computations: GPTQ and AWQ
// written from their papers in numpy (tests/support/quant_methods_reference.py) on the same
// weights and inputs, Hadamard rotations checked for orthogonality, and the input transforms
// checked to leave the FP32 model's function unchanged on the demo CNN and transformer.

#include <torch/script.h>

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

using namespace bitlens;

namespace {

torch::Tensor readMatrix(const H5::Group& g, const std::string& name)
{
    std::vector<hsize_t> dims;
    std::vector<float> v = h5::readData<float>(g, name, H5::PredType::NATIVE_FLOAT, &dims);
    std::vector<int64_t> shape(dims.begin(), dims.end());
    return torch::from_blob(v.data(), shape, torch::kFloat32).clone();
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
        QCOMPARE(int(file.getNumObjs()), 10);
        for (hsize_t i = 0; i < file.getNumObjs(); ++i) {
            const std::string name = file.getObjnameByIdx(i);
            const H5::Group g = file.openGroup(name);
            if (h5::getString(g, "method") == "lwc")
                continue; // learnedClippingOnlyDescends
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
        int cases = 0;
        for (hsize_t i = 0; i < file.getNumObjs(); ++i) {
            const std::string name = file.getObjnameByIdx(i);
            const H5::Group g = file.openGroup(name);
            if (h5::getString(g, "method") != "lwc")
                continue;
            ++cases;
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
        QCOMPARE(cases, 2);
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
    }
};

QTEST_APPLESS_MAIN(TstQuantMethods)
#include "tst_quant_methods.moc"
