// Models people bring: tiny random-weight versions of Hugging Face and torchvision architectures,
// exported by PyTorch 2.11 (tests/support/make_zoo.py on the device machine, through
// scripts/export_torchscript.py), with PyTorch's own layer lists and losses in references.json.
// Every model loads, lists every layer PyTorch lists (tied weights once, with their uses), and
// reproduces PyTorch's loss; a 4-bit plan applies, evaluates and exports; and the Hessian through
// the scaled_dot_product_attention that compat_ops supplies agrees with finite differences.

// moc reads every header it finds; LibTorch's cost it ~8 s a suite and declare no QObject.
#ifndef Q_MOC_RUN
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/script.h>
#endif

#include "core/analysis/hessian_engine.h"
#include "core/data/batch_tensor.h"
#include "core/data/dataset.h"
#include "core/eval/applied_plan.h"
#include "core/eval/evaluator.h"
#include "core/io/torchscript_export.h"
#include "core/model/model.h"
#include "core/progress.h"
#include "core/quant/compression_plan.h"
#include "core/runtime.h"
#include "test_helpers.h"
#include "tests/support/dense_linalg.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QRegularExpression>
#include <QtTest>

using namespace bitlens;

namespace {

QString zooPath(const QString& file)
{
    return QStringLiteral(BITLENS_ZOO_DIR "/") + file;
}

int64_t product(const QJsonArray& shape)
{
    int64_t n = 1;
    for (const QJsonValue& d : shape)
        n *= d.toInteger();
    return n;
}

} // namespace

class TstZoo : public QObject {
    Q_OBJECT

private:
    QJsonObject m_refs;
    DatasetSplits m_tokens, m_images;

    const DatasetSplits& dataFor(const QJsonObject& ref) const
    {
        return ref["task"].toString() == "language-model" ? m_tokens : m_images;
    }

    static std::unique_ptr<Model> loadProfiled(const QString& name, const SampleSet& probe)
    {
        std::unique_ptr<Model> model = Model::load(zooPath(name + ".pt").toStdString());
        model->profile(probe);
        return model;
    }

private slots:
    void initTestCase()
    {
        configureThreads();
        QFile file(zooPath("references.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        m_refs = QJsonDocument::fromJson(file.readAll()).object();
        QVERIFY(m_refs["failures"].toObject().isEmpty());
        QVERIFY(m_refs["torch"].toString().startsWith("2."));
        qInfo("zoo made by PyTorch %s, transformers %s, torchvision %s", qPrintable(m_refs["torch"].toString()),
              qPrintable(m_refs["transformers"].toString()), qPrintable(m_refs["torchvision"].toString()));
        NullProgress progress;
        DatasetOptions options;
        options.contextLength = m_refs["context"].toInt();
        m_tokens = loadDataset(zooPath("tokens.h5").toStdString(), options, progress);
        m_images = loadDataset(zooPath("images.h5").toStdString(), DatasetOptions(), progress);
    }

    void models_data()
    {
        QTest::addColumn<QString>("name");
        const QJsonObject models = m_refs["models"].toObject();
        QVERIFY(models.size() >= 22);
        for (const QString& name : models.keys())
            QTest::newRow(qPrintable(name)) << name;
    }

    // Loads, lists PyTorch's layers (a tied weight once, used twice), and scores PyTorch's loss.
    void models()
    {
        QFETCH(QString, name);
        const QJsonObject ref = m_refs["models"].toObject()[name].toObject();
        const DatasetSplits& data = dataFor(ref);
        const std::unique_ptr<Model> model = loadProfiled(name, data.evaluation);

        QStringList expected;
        QSet<QString> tiedTargets;
        for (const QJsonValue& v : ref["layers"].toArray()) {
            const QJsonObject l = v.toObject();
            if (l.contains("tied_to"))
                tiedTargets.insert(l["tied_to"].toString());
            else
                expected << l["name"].toString();
        }
        QStringList listed;
        for (const LayerInfo& l : model->layers())
            listed << QString::fromStdString(l.name);
        QCOMPARE(listed, expected);
        for (const QJsonValue& v : ref["layers"].toArray()) {
            const QJsonObject l = v.toObject();
            if (l.contains("tied_to"))
                continue;
            const LayerInfo& ours = model->layers()[size_t(listed.indexOf(l["name"].toString()))];
            QCOMPARE(QString(kindName(ours.kind)).toLower(), l["kind"].toString());
            QCOMPARE(ours.weightParams, product(l["weight_shape"].toArray()));
            // A tied weight is one layer with a use per module that reads it (embedding + head).
            QCOMPARE(ours.calls >= 2, tiedTargets.contains(l["name"].toString()));
            QVERIFY(ours.macsPerSample >= 0);
        }

        EvalOptions options;
        NullProgress progress;
        const EvalResult r = evaluate(*model, data.evaluation, options, progress);
        QCOMPARE(r.predictions, int64_t(ref["predictions"].toInteger()));
        QVERIFY2(testing::relDiff(r.loss(), ref["loss"].toDouble()) < 1e-5,
                 qPrintable(QString("loss %1 vs PyTorch %2").arg(r.loss(), 0, 'g', 10).arg(ref["loss"].toDouble(), 0, 'g', 10)));
    }

    // A uniform 4-bit plan applies, changes the loss, and its exported TorchScript scores the same.
    void fourBitPlanExports_data() { models_data(); }
    void fourBitPlanExports()
    {
        QFETCH(QString, name);
        const QJsonObject ref = m_refs["models"].toObject()[name].toObject();
        const DatasetSplits& data = dataFor(ref);
        const std::unique_ptr<Model> model = loadProfiled(name, data.evaluation);
        NullProgress progress;
        const CompressionPlan plan = uniformPlan("w4:per-channel", 1.0, model->layers());
        auto applied = AppliedPlan::apply(*model, plan, data.calibration, progress);
        const EvalResult quantized = applied->evaluate(data.evaluation, EvalOptions(), progress);
        QVERIFY(std::isfinite(quantized.loss()));
        QVERIFY(testing::relDiff(quantized.loss(), ref["loss"].toDouble()) > 1e-6);
        QTemporaryDir dir;
        const std::string path = dir.filePath("w4.pt").toStdString();
        writeTorchScript(*applied, path);
        std::unique_ptr<Model> exported = Model::load(path);
        const EvalResult reloaded = evaluate(*exported, data.evaluation, EvalOptions(), progress);
        QVERIFY2(testing::relDiff(reloaded.loss(), quantized.loss()) < 1e-5,
                 qPrintable(QString("exported %1 vs applied %2").arg(reloaded.loss()).arg(quantized.loss())));
    }

    // λ₁ of one attention layer's Hessian block, from BitLens's Lanczos over double
    // back-propagation through scaled_dot_product_attention, against the dense block built from
    // forward differences of LibTorch's gradient in float64 (first-order autograd only).
    void hessianMatchesFiniteDifferences_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("layer");
        // Llama is left out: its trace casts RMSNorm and RoPE to float32 by a constant dtype, so a
        // float64 finite difference of its gradient is only good to ~1e-2.
        QTest::newRow("gpt2 sdpa, Conv1D c_proj") << "gpt2" << "transformer.h.1.attn.c_proj";
        QTest::newRow("vit sdpa, attention out_proj") << "vit" << "encoder.layers.encoder_layer_1.self_attention.out_proj";
    }
    void hessianMatchesFiniteDifferences()
    {
        QFETCH(QString, name);
        QFETCH(QString, layer);
        const std::string file = zooPath(name + ".pt").toStdString();
        const SampleSet& calibration = dataFor(m_refs["models"].toObject()[name].toObject()).calibration;
        const std::unique_ptr<Model> model = loadProfiled(name, calibration);
        size_t index = 0;
        while (model->layers()[index].name != layer.toStdString())
            ++index;
        NullProgress progress;
        const int64_t windows = calibration.count();
        HessianOperator op(*model, calibration, 1, windows, true, progress);
        std::vector<std::string> names;
        for (const LayerInfo& l : model->layers())
            names.push_back(l.name);
        HessianOptions options;
        options.batches = 1;
        options.batchSize = windows;
        options.topK = 1;
        options.maxTraceSamples = options.minTraceSamples; // traces are not what is checked here
        options.layers = QRegularExpression::escape(layer).toStdString(); // nor the other layers
        options.modelEigenvalues = false;
        const double ours = analyzeHessian(op, names, options, progress).layers[index].topEigenvalues[0];

        // The same loss, independently: the module in float64, mean next-token cross-entropy.
        torch::jit::Module module = torch::jit::load(file);
        module.eval();
        module.to(torch::kFloat64);
        torch::Tensor batch = inputBatch(calibration, 0, windows);
        if (batch.is_floating_point())
            batch = batch.to(torch::kFloat64);
        const torch::Tensor targets = labelBatch(calibration, 0, windows);
        torch::Tensor weight;
        for (const auto& p : module.named_parameters()) {
            if (p.name == layer.toStdString() + ".weight")
                weight = p.value;
        }
        QVERIFY(weight.defined());
        weight.set_requires_grad(true);
        const auto gradient = [&] {
            const c10::IValue out = module.forward({batch});
            const torch::Tensor logits = out.isTensor() ? out.toTensor() : out.toGenericDict().at("logits").toTensor();
            const torch::Tensor loss = torch::cross_entropy_loss(logits.reshape({-1, logits.size(-1)}), targets.reshape({-1}));
            return torch::autograd::grad({loss}, {weight})[0].reshape({-1}).clone();
        };
        const torch::Tensor g0 = gradient();
        const int64_t n = weight.numel();
        torch::NoGradGuard noGrad;
        // H·q by a finite difference of the gradient along q, all in float64.
        const auto product = [&](const torch::Tensor& q) {
            const double eps = 1e-6;
            weight.view({-1}).add_(q, eps);
            torch::Tensor hq;
            {
                torch::AutoGradMode enable(true);
                hq = (gradient() - g0) / eps;
            }
            weight.view({-1}).sub_(q, eps);
            return hq;
        };
        // λ₁ by subspace iteration on those products, the Rayleigh–Ritz value of each round's
        // subspace until it settles: a few hundred products instead of the n columns of the dense
        // block (4,096 for gpt2's c_proj, three minutes).
        const int64_t k = std::min<int64_t>(16, n);
        at::Generator seeded = at::make_generator<at::CPUGeneratorImpl>(7);
        torch::Tensor q = std::get<0>(at::linalg_qr(torch::randn({n, k}, seeded, torch::kFloat64)));
        double expected = 0.0, previous = 0.0;
        for (int round = 0; round < 40; ++round) {
            std::vector<torch::Tensor> columns;
            for (int64_t j = 0; j < k; ++j)
                columns.push_back(product(q.select(1, j).contiguous()));
            const torch::Tensor hq = torch::stack(columns, 1);
            torch::Tensor projected = at::matmul(q.t(), hq);
            projected = (0.5 * (projected + projected.t())).contiguous();
            previous = expected;
            expected = testing::symmetricEigenvalues(projected.data_ptr<double>(), k).back();
            if (round > 0 && std::abs(expected - previous) <= 1e-6 * std::abs(expected))
                break;
            q = std::get<0>(at::linalg_qr(hq));
        }
        QVERIFY2(std::abs(expected - previous) <= 1e-6 * std::abs(expected), "subspace iteration did not settle");
        qInfo("%s λ₁: BitLens %.6g, finite differences %.6g", qPrintable(layer), ours, expected);
        QVERIFY2(testing::relDiff(ours, expected) < 1e-3, qPrintable(QString("%1 vs %2").arg(ours).arg(expected)));
    }
};

QTEST_GUILESS_MAIN(TstZoo)
#include "tst_zoo.moc"
