// Safetensors checkpoints analysed from their weights alone: the reader against LibTorch's own
// conversions and against malformed files, the weight-only analysis against direct LibTorch
// computations and against analyzeModel on the same weights, the weight-error cost table and a
// plan allocated from it, the packed export read back, the CLI end to end, and resident memory
// staying at the size of a tensor while a whole file streams through.

// moc reads every header it finds; LibTorch's cost it ~8 s a suite and declare no QObject.
#ifndef Q_MOC_RUN
#include <torch/script.h>
#endif

#include "core/alloc/allocator_registry.h"
#include "core/alloc/cost_table_problem.h"
#include "core/errors.h"
#include "core/io/analysis_bundle.h"
#include "core/io/packed_weights.h"
#include "core/io/safetensors_file.h"
#include "core/io/safetensors_writer.h"
#include "core/model/model_impl.h"
#include "core/model/safetensors_layers.h"
#include "core/progress.h"
#include "core/quant/layer_compressor.h"
#include "core/quant/memory_cost.h"
#include "core/quant/option_spec.h"
#include "core/runtime.h"
#include "core/stats/weight_only_analysis.h"
#include "tests/support/fixtures.h"
#include "tests/support/resident_memory.h"
#include "test_paths.h"
#include "test_helpers.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace bitlens;
using testing::CancelAfter;
using testing::errorOf;
using testing::relDiff;

namespace {

// JSON written with single quotes, which read better inside C++ strings.
QByteArray jsonText(const QString& text)
{
    return QString(text).replace('\'', '"').toUtf8();
}

// A file of the 8-byte header length, `header`, then `data`: any file, valid or not.
void writeRaw(const QString& path, const QByteArray& header, const QByteArray& data = {}, int64_t length = -1)
{
    std::ofstream out(path.toStdString(), std::ios::binary);
    const uint64_t n = length < 0 ? uint64_t(header.size()) : uint64_t(length);
    for (int i = 0; i < 8; ++i)
        out.put(char(n >> (8 * i)));
    out.write(header.constData(), header.size());
    out.write(data.constData(), data.size());
}

// Equal element by element, NaN equal to NaN.
bool sameValues(const std::vector<double>& a, const std::vector<double>& b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); });
}

torch::ScalarType scalarTypeOf(const std::string& dtype)
{
    return dtype == "F16" ? torch::kHalf : dtype == "BF16" ? torch::kBFloat16 : torch::kFloat32;
}

} // namespace

class TstSafetensors : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::string m_path;                           // the synthetic checkpoint
    std::map<std::string, torch::Tensor> m_values; // float32, as stored (rounded to the tensor's dtype)
    ModelAnalysis m_analysis;

    struct Run {
        int exitCode = -1;
        QByteArray out;
        QByteArray err;
        QJsonObject json() const { return QJsonDocument::fromJson(out).object(); }
    };

    Run cli(const QStringList& args)
    {
        QProcess p;
        p.start(qEnvironmentVariable("BITLENS_CLI"), args);
        Run r;
        if (!p.waitForFinished(120000))
            return r;
        r.exitCode = p.exitCode();
        r.out = p.readAllStandardOutput();
        r.err = p.readAllStandardError();
        return r;
    }

    std::string file(const char* name) const { return m_dir.filePath(name).toStdString(); }

    // Writes `specs` with seeded normal values; `m_values` keeps what the file holds.
    void writeCheckpoint(const std::string& path, const std::vector<SafetensorsTensorSpec>& specs,
                         const std::function<void(const std::string&, torch::Tensor&)>& shape = {})
    {
        torch::manual_seed(7);
        std::vector<torch::Tensor> values;
        for (const SafetensorsTensorSpec& s : specs) {
            torch::Tensor v = torch::randn(s.shape) * 0.05;
            if (shape)
                shape(s.name, v);
            values.push_back(v);
            m_values[s.name] = v.to(scalarTypeOf(s.dtype)).to(torch::kFloat32);
        }
        writeSafetensors(path, specs, [&](size_t i, float* out) {
            std::memcpy(out, values[i].data_ptr<float>(), size_t(values[i].numel()) * 4);
        }, {{"format", "pt"}});
    }

    torch::Tensor matrixOf(const LayerInfo& l) const
    {
        const torch::Tensor w = m_values.at(l.name + ".weight");
        return w.reshape({w.size(0), -1});
    }

    size_t layerIndex(const std::string& name) const
    {
        for (size_t i = 0; i < m_analysis.layers.size(); ++i)
            if (m_analysis.layers[i].name == name)
                return i;
        return size_t(-1);
    }

    size_t optionIndex(const std::string& spec) const
    {
        const auto& o = m_analysis.quantError.options;
        return size_t(std::find(o.begin(), o.end(), spec) - o.begin());
    }

private slots:
    void initTestCase()
    {
        configureThreads();
        QVERIFY(m_dir.isValid());
        m_path = file("model.safetensors");
        writeCheckpoint(m_path,
                        {{"model.embed_tokens.weight", "F32", {96, 32}},
                         {"model.layers.0.attn.q_proj.weight", "F16", {32, 32}},
                         {"model.layers.0.attn.q_proj.bias", "F32", {32}},
                         {"model.layers.0.mlp.up_proj.weight", "BF16", {80, 32}},
                         {"model.layers.10.mlp.down_proj.weight", "BF16", {32, 80}},
                         {"model.layers.2.mlp.down_proj.weight", "F32", {32, 80}},
                         {"model.norm.weight", "F32", {32}},
                         {"conv.weight", "F16", {8, 4, 3, 3}},
                         {"lm_head.weight", "BF16", {96, 32}}},
                        [](const std::string& name, torch::Tensor& v) {
                            // Three outlier output channels, as LLM.int8 finds them.
                            if (name == "model.layers.0.mlp.up_proj.weight")
                                for (int64_t row : {5, 17, 40})
                                    v[row] *= 25.0;
                        });
        NullProgress progress;
        m_analysis = analyzeSafetensors(m_path, weightOnlyAnalysisOptions(), progress);
    }

    // Every 16-bit pattern decodes as LibTorch converts it; F32 is copied unchanged.
    void conversionMatchesLibTorch()
    {
        for (const char* dtype : {"F16", "BF16"}) {
            QByteArray data(65536 * 2, 0);
            for (int i = 0; i < 65536; ++i) {
                data[2 * i] = char(i & 0xff);
                data[2 * i + 1] = char(i >> 8);
            }
            const QString path = m_dir.filePath(QString("all_%1.safetensors").arg(dtype));
            writeRaw(path, jsonText(QString("{'all':{'dtype':'%1','shape':[65536],'data_offsets':[0,131072]}}").arg(dtype)), data);
            const SafetensorsFile f(path.toStdString());
            std::vector<float> decoded(65536);
            f.readFloat32(f.tensors()[0], decoded.data());
            const torch::Tensor expected = torch::from_blob(data.data(), {65536}, scalarTypeOf(dtype)).to(torch::kFloat32);
            for (int i = 0; i < 65536; ++i) {
                const float e = expected[i].item<float>();
                QVERIFY2(std::isnan(e) ? std::isnan(decoded[size_t(i)]) : std::memcmp(&e, &decoded[size_t(i)], 4) == 0,
                         qPrintable(QString("%1 pattern %2").arg(dtype).arg(i)));
            }
        }
        const SafetensorsFile f(m_path);
        QCOMPARE(f.metadata().at("format"), std::string("pt"));
        for (const SafetensorsTensor& t : f.tensors()) {
            torch::Tensor values = torch::empty(t.shape, torch::kFloat32);
            f.readFloat32(t, values.data_ptr<float>());
            QVERIFY2(torch::equal(values, m_values.at(t.name)), t.name.c_str());
        }
    }

    void layersFromTensorNames()
    {
        const SafetensorsFile f(m_path);
        const SafetensorsLayers found = safetensorsLayers(f);
        std::vector<std::string> names;
        for (const SafetensorsLayer& l : found.layers)
            names.push_back(l.info.name);
        QCOMPARE(names, (std::vector<std::string>{"conv", "lm_head", "model.embed_tokens", "model.layers.0.attn.q_proj",
                                                  "model.layers.0.mlp.up_proj", "model.layers.2.mlp.down_proj",
                                                  "model.layers.10.mlp.down_proj"}));
        QCOMPARE(found.layers[0].info.kind, LayerKind::Conv2d);
        QCOMPARE(found.layers[1].info.kind, LayerKind::Linear);
        QCOMPARE(found.layers[2].info.kind, LayerKind::Embedding);
        QCOMPARE(found.layers[3].info.biasParams, int64_t(32));
        QCOMPARE(found.layers[4].info.biasParams, int64_t(0));
        QCOMPARE(f.totalElements(), int64_t(96 * 32 * 2 + 32 * 32 + 32 + 80 * 32 * 3 + 32 + 8 * 36));

        // Tensors in other dtypes are listed, left out of the layers, and refused in one sentence.
        const QString path = m_dir.filePath("int8.safetensors");
        writeRaw(path, jsonText("{'q.weight':{'dtype':'I8','shape':[4,4],'data_offsets':[0,16]},"
                       "'w.weight':{'dtype':'F32','shape':[2,2],'data_offsets':[16,32]}}"), QByteArray(32, 0));
        const SafetensorsFile mixed(path.toStdString());
        const SafetensorsLayers some = safetensorsLayers(mixed);
        QCOMPARE(some.layers.size(), size_t(1));
        QCOMPARE(some.unsupported, std::vector<std::string>{"q.weight (I8)"});
        float out[16];
        QCOMPARE(errorOf([&] { mixed.readFloat32(*mixed.find("q.weight"), out); }),
                 path + ": tensor 'q.weight' is I8, which BitLens cannot analyse (F32, F16 and BF16 only)");
    }

    void malformedFilesNameTheCause_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<int>("dataBytes");
        QTest::addColumn<qint64>("length"); // the header length written; -1: the true one
        QTest::addColumn<QString>("cause");
        const QByteArray ok = jsonText("{'a':{'dtype':'F32','shape':[2],'data_offsets':[0,8]}}");
        QTest::addRow("empty") << QByteArray() << 0 << qint64(-2) << "truncated safetensors file (0 bytes";
        QTest::addRow("length past the end") << ok << 8 << qint64(4096) << "the header length 4096 runs past the end";
        QTest::addRow("bad JSON") << QByteArray("{\"a\": [1,") << 0 << qint64(-1) << "the header is not valid JSON";
        QTest::addRow("not an object") << QByteArray("[1, 2]") << 0 << qint64(-1) << "the header is not a JSON object";
        QTest::addRow("unknown dtype") << jsonText("{'a':{'dtype':'Q7','shape':[2],'data_offsets':[0,8]}}") << 8
                                       << qint64(-1) << "tensor 'a' has the unknown dtype 'Q7'";
        QTest::addRow("no offsets") << jsonText("{'a':{'dtype':'F32','shape':[2]}}") << 8 << qint64(-1)
                                    << "tensor 'a' has no data_offsets pair";
        QTest::addRow("truncated data") << ok << 4 << qint64(-1) << "tensor 'a' ends at byte 8 of the data, past its end (4 bytes";
        QTest::addRow("size mismatch") << jsonText("{'a':{'dtype':'F32','shape':[3],'data_offsets':[0,8]}}") << 8
                                       << qint64(-1) << "tensor 'a' spans 8 bytes, but shape [3] in F32 needs 12";
        QTest::addRow("overlap") << jsonText("{'a':{'dtype':'F32','shape':[2],'data_offsets':[0,8]},"
                                          "'b':{'dtype':'F32','shape':[2],'data_offsets':[4,12]}}")
                                 << 12 << qint64(-1) << "tensors 'a' and 'b' overlap in the data";
        QTest::addRow("negative shape") << jsonText("{'a':{'dtype':'F32','shape':[-2],'data_offsets':[0,8]}}") << 8
                                        << qint64(-1) << "tensor 'a' has a shape entry that is not a non-negative integer";
        QTest::addRow("bad metadata") << jsonText("{'__metadata__':{'x':1}}") << 0 << qint64(-1)
                                      << "__metadata__ entry 'x' is not a string";
    }

    void malformedFilesNameTheCause()
    {
        QFETCH(QByteArray, header);
        QFETCH(int, dataBytes);
        QFETCH(qint64, length);
        QFETCH(QString, cause);
        const QString path = m_dir.filePath("bad.safetensors");
        if (length == -2)
            QFile(path).open(QIODevice::WriteOnly | QIODevice::Truncate);
        else
            writeRaw(path, header, QByteArray(dataBytes, 0), length);
        const QString error = errorOf([&] { SafetensorsFile f(path.toStdString()); });
        QVERIFY2(error.startsWith(path + ": ") && error.contains(cause), qPrintable(error));
        QVERIFY(!error.contains('\n'));
    }

    void missingOrTruncatedCheckpoint()
    {
        QVERIFY(errorOf([&] { SafetensorsFile f(file("absent.safetensors")); }).endsWith("cannot open (No such file or directory)"));
        const QString half = m_dir.filePath("half.safetensors");
        QFile::copy(QString::fromStdString(m_path), half);
        QFile(half).resize(QFileInfo(half).size() / 2);
        QVERIFY(errorOf([&] { SafetensorsFile f(half.toStdString()); }).contains("the file is truncated"));
        NullProgress progress;
        QVERIFY(errorOf([&] {
                    AnalysisOptions o = weightOnlyAnalysisOptions();
                    o.hessian = true;
                    analyzeSafetensors(m_path, o, progress);
                }).startsWith(QString::fromStdString(m_path) + ": the Hessian needs a model"));
        CancelAfter cancel(3);
        QVERIFY_THROWS_EXCEPTION(Cancelled, analyzeSafetensors(m_path, weightOnlyAnalysisOptions(), cancel));
    }

    void statisticsMatchLibTorch()
    {
        const ModelAnalysis& a = m_analysis;
        QCOMPARE(a.layers.size(), size_t(7));
        QCOMPARE(a.weights.size(), a.layers.size());
        for (size_t i = 0; i < a.layers.size(); ++i) {
            const torch::Tensor w = m_values.at(a.layers[i].name + ".weight").to(torch::kFloat64);
            const ValueStatistics& s = a.weights[i].values;
            const double mean = w.mean().item<double>();
            const double std = w.std(/*unbiased=*/false).item<double>();
            QVERIFY(std::abs(s.mean - mean) < 1e-12);
            QVERIFY(relDiff(s.std, std) < 1e-9);
            QVERIFY(relDiff(s.kurtosis, (w - mean).pow(4).mean().item<double>() / std::pow(std, 4) - 3.0) < 1e-9);
            QCOMPARE(s.absMax, w.abs().max().item<double>());
            QCOMPARE(s.beyondSigma[0], ((w - mean).abs() > 3 * std).to(torch::kFloat64).mean().item<double>());
        }
        QCOMPARE(a.weights[layerIndex("model.layers.0.mlp.up_proj")].outlierChannels, (std::vector<int64_t>{5, 17, 40}));
        QVERIFY(a.weights[layerIndex("model.layers.0.attn.q_proj")].outlierChannels.empty());
        QCOMPARE(a.modelPath, m_path);
        QCOMPARE(a.options.spectrumMethod, SpectrumMethod::Gram);
        QVERIFY(!a.options.activations && a.activations.empty() && a.hessian.empty());
    }

    // The Gram route against a dense float64 SVD of the same matrix.
    void spectraMatchDenseSvd()
    {
        for (size_t i = 0; i < m_analysis.layers.size(); ++i) {
            const torch::Tensor expected = torch::linalg_svdvals(matrixOf(m_analysis.layers[i]).to(torch::kFloat64));
            const std::vector<double>& s = m_analysis.spectra[i].singularValues;
            QCOMPARE(int64_t(s.size()), expected.numel());
            const double top = expected[0].item<double>();
            for (int64_t k = 0; k < expected.numel(); ++k)
                QVERIFY2(std::abs(s[size_t(k)] - expected[k].item<double>()) < 1e-10 * top, m_analysis.layers[i].name.c_str());
        }
    }

    // Integer options through LibTorch's own fake-quantize ops, float formats through its casts.
    void quantErrorMatchesLibTorch()
    {
        const QuantErrorTable& t = m_analysis.quantError;
        for (size_t i = 0; i < m_analysis.layers.size(); ++i) {
            const torch::Tensor w = matrixOf(m_analysis.layers[i]);
            const auto error = [&](const torch::Tensor& q) {
                return (q.to(torch::kFloat64) - w.to(torch::kFloat64)).square().sum().item<double>();
            };
            const torch::Tensor channelScale = (w.abs().amax(1) / 127.5).to(torch::kHalf).to(torch::kFloat32);
            const torch::Tensor w8 = torch::fake_quantize_per_channel_affine(w, channelScale, torch::zeros({w.size(0)}, torch::kInt32), 0, -128, 127);
            const double tensorScale = (w.abs().max() / 7.5).to(torch::kHalf).item<double>();
            const torch::Tensor w4 = torch::fake_quantize_per_tensor_affine(w, tensorScale, 0, -8, 7);
            const char* name = m_analysis.layers[i].name.c_str();
            QVERIFY2(relDiff(t.squaredError[i][optionIndex("w8:per-channel")], error(w8)) < 1e-6, name);
            QVERIFY2(relDiff(t.squaredError[i][optionIndex("w4:per-tensor")], error(w4)) < 1e-6, name);
            QVERIFY2(relDiff(t.squaredError[i][optionIndex("bf16")], error(w.to(torch::kBFloat16))) < 1e-12, name);
        }
        // The conv's 36 columns take no group of 32.
        QVERIFY(std::isnan(t.squaredError[layerIndex("conv")][optionIndex("w4:group32")]));
    }

    // The same weights in a TorchScript model and in a safetensors file give the same figures.
    void agreesWithTheModelPath()
    {
        const std::string modelPath = file("linear.pt");
        testing::writeLinearModel(modelPath, 48, 40);
        const auto model = Model::load(modelPath);
        const Model::Impl& m = model->impl();
        const std::string path = file("linear.safetensors");
        const torch::Tensor weight = m.weights[0].detach().contiguous(), bias = m.biases[0].detach().contiguous();
        writeSafetensors(path, {{"fc.weight", "F32", weight.sizes().vec()}, {"fc.bias", "F32", bias.sizes().vec()}},
                         [&](size_t i, float* out) {
                             const torch::Tensor& t = i == 0 ? weight : bias;
                             std::memcpy(out, t.data_ptr<float>(), size_t(t.numel()) * 4);
                         });
        AnalysisOptions options = weightOnlyAnalysisOptions();
        options.spectrumMethod = SpectrumMethod::Svd;
        NullProgress progress;
        const ModelAnalysis st = analyzeSafetensors(path, options, progress);
        const ModelAnalysis tm = analyzeModel(*model, options, nullptr, progress);
        QCOMPARE(st.layers[0].name, tm.layers[0].name);
        QCOMPARE(st.layers[0].params(), tm.layers[0].params());
        QCOMPARE(st.weights[0].values.kurtosis, tm.weights[0].values.kurtosis);
        QCOMPARE(st.weights[0].outputAbsMax, tm.weights[0].outputAbsMax);
        QCOMPARE(st.spectra[0].singularValues, tm.spectra[0].singularValues);
        QVERIFY(sameValues(st.quantError.squaredError[0], tm.quantError.squaredError[0]));
        QVERIFY(sameValues(st.quantError.sqnrDb[0], tm.quantError.sqnrDb[0]));
    }

    void bundleRoundTrip()
    {
        const std::string bundle = file("weights_only.h5");
        writeAnalysisBundle(m_analysis, bundle);
        const ModelAnalysis back = readAnalysisBundle(bundle, m_analysis.modelSha256);
        QCOMPARE(back.layers.size(), m_analysis.layers.size());
        QCOMPARE(back.layers[3].biasParams, int64_t(32));
        QCOMPARE(back.options.spectrumMethod, SpectrumMethod::Gram);
        QCOMPARE(back.spectra[4].singularValues, m_analysis.spectra[4].singularValues);
        QCOMPARE(back.weights[4].outlierChannels, m_analysis.weights[4].outlierChannels);
        QCOMPARE(back.quantError.options, m_analysis.quantError.options);
        QVERIFY(back.activations.empty() && back.hessian.empty());
        const CostTable* table = back.sensitivity.table("weight-error");
        QVERIFY(table);
        QCOMPARE(table->deltaLoss, m_analysis.sensitivity.table("weight-error")->deltaLoss);
        QVERIFY(std::isnan(back.sensitivity.baselineLoss));
    }

    // ΔLoss proxy = ‖Q(W) − W‖²; a group size the layer cannot take (the conv's 36 columns, the
    // down projections' 80) falls back to per-channel, as uniformPlan does.
    void weightErrorTableAndPlan()
    {
        const CostTable& t = *m_analysis.sensitivity.table("weight-error");
        const QuantErrorTable& q = m_analysis.quantError;
        QCOMPARE(m_analysis.sensitivity.options, q.options);
        const size_t group = optionIndex("w4:group32"), channel = optionIndex("w4:per-channel");
        int fallbacks = 0;
        for (size_t l = 0; l < m_analysis.layers.size(); ++l) {
            for (size_t o = 0; o < q.options.size(); ++o) {
                const bool fallback = o == group && std::isnan(q.squaredError[l][o]);
                fallbacks += fallback;
                QCOMPARE(t.deltaLoss[l][o], q.squaredError[l][fallback ? channel : o]);
            }
        }
        QCOMPARE(fallbacks, 3);
        QVERIFY(m_analysis.sensitivity.problems.empty());

        const int64_t budget = budgetBytesFromText("4bits", m_analysis.layers);
        const AllocationProblem problem = problemFromAnalysis(m_analysis, "weight-error", budget, std::nullopt);
        AllocatorSettings settings;
        settings.resolutionBytes = hundredthBitResolution(m_analysis.layers);
        NullProgress progress;
        const Allocation a = runBuiltInAllocator("knapsack", problem, settings, progress);
        const CompressionPlan plan = planFromChoices(problem, a.choices);
        const SafetensorsFile f(m_path);
        const PlanCost cost = planCost(m_analysis.layers, f.totalElements(), plan);
        QVERIFY(cost.layerBytes <= budget);
        QVERIFY(cost.averageBits <= 4.0);
    }

    // weights.h5 from the checkpoint alone dequantizes to exactly what the quantizer gives.
    void packedExportReadsBack()
    {
        CompressionPlan plan = uniformPlan("w4:group32:asym:mse", m_analysis.layers);
        plan.layers["lm_head"] = optionFromSpec("w8:per-tensor");
        plan.layers["model.embed_tokens"] = optionFromSpec("bf16");
        plan.layers["model.layers.0.attn.q_proj"] = optionFromSpec("fp8_e4m3");
        plan.layers["model.layers.2.mlp.down_proj"] = optionFromSpec("w3");
        plan.layers["model.layers.2.mlp.down_proj"].rank = 8;
        validatePlan(plan, m_analysis.layers, "test");
        const std::string out = file("weights.h5");
        NullProgress progress;
        writePackedWeights(m_path, plan, out, progress);
        const PackedWeights packed = readPackedWeights(out);
        QCOMPARE(packed.model, std::string("model.safetensors"));
        QCOMPARE(packed.layers.size(), m_analysis.layers.size());
        for (size_t i = 0; i < packed.layers.size(); ++i) {
            const PackedLayer& p = packed.layers[i];
            const LayerInfo& l = m_analysis.layers[i];
            QCOMPARE(p.name, l.name);
            QCOMPARE(p.shape, l.weightShape);
            const LayerOption& option = plan.optionFor(l.name);
            const CompressedWeight expected = compressWeight(m_values.at(l.name + ".weight"), option);
            const torch::Tensor effective = torch::from_blob(const_cast<float*>(p.effective.data()), expected.effective.sizes());
            if (option.rank == 0)
                QVERIFY2(torch::equal(effective, expected.effective), l.name.c_str());
            else
                QVERIFY2(torch::allclose(effective, expected.effective, 0, 1e-6), l.name.c_str());
        }
        const torch::Tensor bias = m_values.at("model.layers.0.attn.q_proj.bias");
        QCOMPARE(packed.layers[3].bias, std::vector<float>(bias.data_ptr<float>(), bias.data_ptr<float>() + 32));

        const CompressionPlan inputs = uniformPlan("w8,a8", m_analysis.layers);
        QVERIFY(errorOf([&] { writePackedWeights(m_path, inputs, out, progress); })
                    .contains("the plan quantizes the input of layer 'conv'"));
    }

    void cliEndToEnd()
    {
        const QString st = QString::fromStdString(m_path);
        const QString bundle = m_dir.filePath("cli.h5");
        Run r = cli({"analyze", st, "--out", bundle, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonArray layers = r.json()["layers"].toArray();
        QCOMPARE(layers.size(), 7);
        QCOMPARE(layers[4].toObject()["outlier_channels"].toInt(), 3);
        QVERIFY(layers[4].toObject().contains("sqnr_db_w4") && layers[4].toObject().contains("stable_rank"));
        r = cli({"show", bundle, "--json"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json()["sha256"].toString().toStdString(), m_analysis.modelSha256);
        QVERIFY(r.json()["sensitivity"].toObject()["estimators"].toObject().contains("weight-error"));

        r = cli({"analyze", st, "--out", bundle, "--hessian"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("a safetensors file is analysed from its weights alone"));

        const QString plan = m_dir.filePath("cli_plan.json");
        r = cli({"allocate", "--bundle", bundle, "--budget", "4bits", "--estimator", "weight-error", "--out", plan, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.json()["bytes"].toInteger() <= r.json()["budget_bytes"].toInteger());
        r = cli({"plan", st, "--uniform", "w4", "--out", m_dir.filePath("uniform.json"), "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.json()["layer_count"].toInt(), 7);

        const QString folder = m_dir.filePath("export");
        r = cli({"export", st, "--plan", plan, "--out", folder, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.json()["files"].toArray().size(), 2);
        QCOMPARE(readPackedWeights(QDir(folder).filePath("weights.h5").toStdString()).layers.size(), size_t(7));
    }

    // 48 tensors of 1 MiB: resident memory between tensors stays at a few tensors, not the 48 MiB file.
    void residentMemoryFollowsTheLargestTensor()
    {
        const std::string path = file("stream.safetensors");
        std::vector<SafetensorsTensorSpec> specs;
        for (int i = 0; i < 48; ++i)
            specs.push_back({"block." + std::to_string(i) + ".weight", "F32", {256, 1024}});
        writeSafetensors(path, specs, [](size_t i, float* out) {
            for (size_t k = 0; k < 256 * 1024; ++k)
                out[k] = float((k * 7919 + i) % 1000) * 1e-3f - 0.5f;
        });
        AnalysisOptions options = weightOnlyAnalysisOptions();
        options.spectra = options.quantError = false;
        NullProgress warmUp;
        analyzeSafetensors(path, options, warmUp); // the heap reaches its working size once
        const int64_t fileBefore = testing::statusKiB("RssFile"), anonBefore = testing::statusKiB("RssAnon");
        testing::ResidentMemoryProbe probe;
        const ModelAnalysis a = analyzeSafetensors(path, options, probe);
        QCOMPARE(a.layers.size(), size_t(48));
        qInfo("resident growth while streaming 48 MiB: file-backed %lld KiB, anonymous %lld KiB",
              static_cast<long long>(probe.peakFileKiB - fileBefore), static_cast<long long>(probe.peakAnonKiB - anonBefore));
        QVERIFY(probe.peakFileKiB - fileBefore < 4 * 1024);
        QVERIFY(probe.peakAnonKiB - anonBefore < 8 * 1024);
    }
};

QTEST_GUILESS_MAIN(TstSafetensors)
#include "tst_safetensors.moc"
