// Export of a plan: bit packing, the packed HDF5 file read back and dequantized, the fake-quantized
// TorchScript run by stock PyTorch, AIMET encodings, and failures that leave nothing behind.

// moc reads every header it finds; LibTorch's cost it ~8 s a suite and declare no QObject.
#ifndef Q_MOC_RUN
#include <torch/script.h>
#endif

#include "core/data/dataset.h"
#include "core/errors.h"
#include "core/eval/applied_plan_impl.h"
#include "core/io/bit_packing.h"
#include "core/io/packed_weights.h"
#include "core/io/plan_export.h"
#include "core/model/model.h"
#include "core/progress.h"
#include "core/runtime.h"
#include "test_helpers.h"
#include "test_paths.h"

#include <H5Cpp.h>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <random>

using namespace bitlens;
using testing::CancelAfter;

namespace {

QJsonObject readJson(const QString& path)
{
    QFile f(path);
    f.open(QIODevice::ReadOnly);
    return QJsonDocument::fromJson(f.readAll()).object();
}

// The packed file as h5py + numpy read it (tests/support/read_packed_weights.py): the root
// attributes and layers as JSON, each layer's effective weight in `folder`/<layer>.f32.
QJsonObject readWithH5py(const QString& path, const QString& folder)
{
    QDir().mkpath(folder);
    QProcess python;
    python.start("/usr/bin/python3", {QFINDTESTDATA("support/read_packed_weights.py"), path, folder});
    if (!python.waitForFinished(120000) || python.exitCode() != 0)
        qWarning("read_packed_weights.py: %s", python.readAllStandardError().constData());
    return QJsonDocument::fromJson(python.readAllStandardOutput()).object();
}

QStringList entries(const QString& folder)
{
    return QDir(folder).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name);
}

} // namespace

class TstExport : public QObject {
    Q_OBJECT

private:
    DatasetSplits m_data;
    std::map<QString, std::unique_ptr<Model>> m_models;

    Model& model(const QString& name)
    {
        auto& m = m_models[name];
        if (!m) {
            m = Model::load(testing::demoModel(name.toLatin1().constData()).toStdString());
            m->profile(m_data.evaluation);
        }
        return *m;
    }

    std::unique_ptr<AppliedPlan> apply(const QString& name, const QString& spec, double rank = 0.0)
    {
        NullProgress progress;
        Model& m = model(name);
        return AppliedPlan::apply(m, uniformPlan(spec.toStdString(), rank, m.layers()), m_data.calibration, progress);
    }

private slots:
    void initTestCase()
    {
        configureThreads();
        NullProgress progress;
        m_data = loadDataset(testing::fashionMnistDir().toStdString(), {}, progress);
    }

    // The layout the README documents, checked bit by bit against a naive bit-at-a-time writer.
    void bitPackingMatchesNaiveLayout()
    {
        const std::vector<int32_t> nibbles{1, 2, 3};
        QCOMPARE(packBits(nibbles.data(), 3, 0, 4), (std::vector<uint8_t>{0x21, 0x03}));
        std::mt19937 rng(7);
        for (int bits = 1; bits <= 16; ++bits) {
            for (const int32_t qmin : {0, -(1 << (bits - 1))}) {
                std::uniform_int_distribution<int32_t> pick(qmin, qmin + (1 << bits) - 1);
                std::vector<int32_t> codes(1001);
                for (int32_t& c : codes)
                    c = pick(rng);
                std::vector<uint8_t> naive(packedBytes(codes.size(), bits), 0);
                for (size_t i = 0; i < codes.size(); ++i) {
                    for (int b = 0; b < bits; ++b) {
                        const size_t k = i * size_t(bits) + size_t(b);
                        if ((uint32_t(codes[i] - qmin) >> b) & 1u)
                            naive[k / 8] |= uint8_t(1u << (k % 8));
                    }
                }
                QCOMPARE(packBits(codes.data(), codes.size(), qmin, bits), naive);
                QCOMPARE(unpackBits(naive, codes.size(), qmin, bits), codes);
            }
        }
        const std::vector<int32_t> tooBig{16};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, packBits(tooBig.data(), 1, 0, 4));
    }

    void packedFileRoundTrip_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<double>("rank");
        for (const char* spec : {"w4:per-channel", "w3:group32:asym:mse", "w8:per-tensor,a8", "w2:asym", "w16",
                                 "fp16", "bf16", "fp8_e4m3", "fp8_e5m2", "fp32"})
            QTest::addRow("%s", spec) << spec << 0.0;
        QTest::addRow("w4 rank 0.5") << "w4:per-channel" << 0.5;
        QTest::addRow("fp16 rank 0.25") << "fp16" << 0.25;
        for (const char* spec : {"w3:gptq", "w4:awq", "w8:hadamard,a8", "fp16:smoothquant", "w2x3:group32:asym:xint", "w3:sqllm0.5"})
            QTest::addRow("%s", spec) << spec << 0.0;
    }

    // Dequantizing weights.h5 with the documented formulas gives the weights evaluation used, read
    // by core's reader and by an independent one (h5py + numpy).
    void packedFileRoundTrip()
    {
        QFETCH(QString, spec);
        QFETCH(double, rank);
        const auto applied = apply("fmnist_resnet", spec, rank);
        QTemporaryDir dir;
        const std::string path = dir.filePath("weights.h5").toStdString();
        writePackedWeights(*applied, path);
        const PackedWeights file = readPackedWeights(path);
        const AppliedPlan::Impl& p = applied->impl();
        const std::vector<LayerInfo>& layers = p.model->layers();
        QCOMPARE(file.version, 2);
        QCOMPARE(file.model, std::string("fmnist_resnet.pt"));
        QVERIFY(planFromJson(file.planJson, "weights.h5") == applied->plan());
        QCOMPARE(file.layers.size(), layers.size());
        for (size_t i = 0; i < layers.size(); ++i) {
            const PackedLayer& l = file.layers[i];
            const CompressedWeight& c = p.layers[i];
            QCOMPARE(l.name, layers[i].name);
            QCOMPARE(l.shape, layers[i].weightShape);
            const torch::Tensor effective = torch::from_blob(const_cast<float*>(l.effective.data()), c.effective.sizes());
            if (c.left) {
                // The factors are exact; their product differs from LibTorch's by summation order.
                const auto exact = [](const PackedMatrix& pm, const QuantizedMatrix& q) {
                    return torch::equal(torch::from_blob(const_cast<float*>(pm.values.data()), q.dequantized.sizes()), q.dequantized);
                };
                QVERIFY(exact(*l.left, *c.left) && exact(*l.right, *c.right));
                QVERIFY(torch::allclose(effective, c.effective, 1e-5, 1e-6));
            } else {
                QVERIFY2(torch::equal(effective, c.effective), qPrintable(QString::fromStdString(l.name)));
                if (c.full && c.full->codes.defined()) {
                    const torch::Tensor codes = torch::from_blob(const_cast<int32_t*>(l.weight->codes.data()),
                                                                 c.full->codes.sizes(), torch::kInt32);
                    QVERIFY(torch::equal(codes, c.full->codes));
                }
            }
            QCOMPARE(int64_t(l.bias.size()), layers[i].biasParams);
            QCOMPARE(l.inputQuantized, p.encodings[i].enabled);
            if (l.inputQuantized) {
                QCOMPARE(l.inputScale, p.encodings[i].scale);
                QCOMPARE(l.inputZeroPoint, p.encodings[i].zeroPoint);
            }
        }

        // h5py + numpy, knowing only the README's layout, read the same weights from the file.
        const QString folder = dir.filePath("h5py");
        const QJsonObject theirs = readWithH5py(QString::fromStdString(path), folder);
        QCOMPARE(theirs["format"].toString(), QString("bitlens-packed-weights"));
        QCOMPARE(theirs["version"].toInt(), 2);
        QCOMPARE(theirs["model"].toString(), QString("fmnist_resnet.pt"));
        QVERIFY(planFromJson(theirs["plan"].toString().toStdString(), "weights.h5") == applied->plan());
        const QJsonArray read = theirs["layers"].toArray();
        QCOMPARE(size_t(read.size()), layers.size());
        for (size_t i = 0; i < layers.size(); ++i) {
            const QJsonObject l = read[int(i)].toObject();
            const CompressedWeight& c = p.layers[i];
            QCOMPARE(l["name"].toString().toStdString(), layers[i].name);
            QCOMPARE(l["index"].toInt(), int(i));
            std::vector<int64_t> shape;
            for (const QJsonValue d : l["shape"].toArray())
                shape.push_back(d.toInteger());
            QCOMPARE(shape, layers[i].weightShape);
            QCOMPARE(l["matrices"].toInt(), c.left ? 2 : 1);
            QFile raw(folder + "/" + l["name"].toString() + ".f32");
            QVERIFY(raw.open(QIODevice::ReadOnly));
            QByteArray bytes = raw.readAll();
            QCOMPARE(int64_t(bytes.size()), c.effective.numel() * int64_t(sizeof(float)));
            const torch::Tensor effective = torch::from_blob(bytes.data(), c.effective.sizes());
            // numpy's product of the factors, and its rotation back, differ from LibTorch's by
            // summation order only.
            const bool summed = c.left || c.transform.kind == InputTransform::Kind::Rotation;
            QVERIFY2(summed ? torch::allclose(effective, c.effective, 1e-5, 1e-6) : torch::equal(effective, c.effective),
                     qPrintable(l["name"].toString()));
        }
    }

    void readerRejectsOtherFiles()
    {
        QTemporaryDir dir;
        const auto message = [](const QString& path) {
            try {
                readPackedWeights(path.toStdString());
            } catch (const Error& e) {
                return QString::fromStdString(e.what());
            }
            return QString();
        };
        const QString missing = dir.filePath("none.h5");
        QCOMPARE(message(missing), missing + ": file not found");
        const QString model = testing::demoModel("fmnist_cnn");
        QVERIFY2(message(model).startsWith(model + ": cannot read the packed weights"), qPrintable(message(model)));
    }

    void readerRefusesDamagedMatrices_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("says");
        QTest::newRow("scales of another shape") << "scales" << "scales of the wrong shape";
        QTest::newRow("zero-points missing some") << "zero_points" << "zero-points for";
        QTest::newRow("impossible size") << "rows" << "impossible size";
        QTest::newRow("shape disagrees") << "shape" << "values for shape";
    }

    // Sizes in the file are checked before they index anything: one clear error, no crash.
    void readerRefusesDamagedMatrices()
    {
        QFETCH(QString, damage);
        QFETCH(QString, says);
        const auto applied = apply("fmnist_resnet", "w4:per-channel:asym");
        QTemporaryDir dir;
        const std::string path = dir.filePath("weights.h5").toStdString();
        writePackedWeights(*applied, path);
        {
            H5::H5File file(path, H5F_ACC_RDWR);
            H5::Group layer = file.openGroup("/layers/fc");
            H5::Group matrix = layer.openGroup("weight");
            const hsize_t three[2] = {3, 1};
            if (damage == "scales" || damage == "zero_points") {
                H5Ldelete(matrix.getId(), damage.toLatin1().constData(), H5P_DEFAULT);
                const std::vector<int32_t> junk(3, 1);
                matrix.createDataSet(damage.toStdString(), H5::PredType::NATIVE_INT32, H5::DataSpace(2, three))
                    .write(junk.data(), H5::PredType::NATIVE_INT32);
            } else if (damage == "rows") {
                const int64_t huge = int64_t(1) << 50;
                matrix.openAttribute("rows").write(H5::PredType::NATIVE_INT64, &huge);
            } else {
                const std::vector<int64_t> shape{10, 64};
                layer.openAttribute("shape").write(H5::PredType::NATIVE_INT64, shape.data());
            }
        }
        try {
            readPackedWeights(path);
            QFAIL("a damaged file was read");
        } catch (const Error& e) {
            const QString message = QString::fromStdString(e.what());
            QVERIFY2(message.startsWith(QString::fromStdString(path) + ": layer 'fc': ") && message.contains(says),
                     qPrintable(message));
        }
    }

    void torchScriptReproducesAccuracyInPyTorch_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("spec");
        QTest::addColumn<double>("rank");
        QTest::addColumn<int>("limit");
        QTest::newRow("resnet w8 a8, all 10,000") << "fmnist_resnet" << "w8:per-channel,a8" << 0.0 << 0;
        QTest::newRow("cnn w3 g32 asym a4 pct") << "fmnist_cnn" << "w3:group32:asym,a4:percentile" << 0.0 << 2000;
        QTest::newRow("resnet w4 rank 0.5 a-bf16") << "fmnist_resnet" << "w4:per-channel,abf16" << 0.5 << 2000;
        QTest::newRow("resnet fp8 e5m2 inputs") << "fmnist_resnet" << "w8,afp8_e5m2" << 0.0 << 2000;
        // A method's input transform in the graph: a rotation, and channel scales (GPTQ and AWQ
        // change only the stored weights, which packedFileRoundTrip covers).
        QTest::newRow("resnet w8 hadamard a8") << "fmnist_resnet" << "w8:hadamard,a8" << 0.0 << 2000;
        QTest::newRow("cnn w8 smoothquant a6") << "fmnist_cnn" << "w8:smoothquant,a6" << 0.0 << 2000;
    }

    // Stock PyTorch (Debian's python3-torch) loads model.pt and gets the same answer on every sample.
    void torchScriptReproducesAccuracyInPyTorch()
    {
        QFETCH(QString, name);
        QFETCH(QString, spec);
        QFETCH(double, rank);
        QFETCH(int, limit);
        const auto applied = apply(name, spec, rank);
        NullProgress progress;
        EvalOptions options;
        options.limit = limit;
        const EvalResult ours = applied->evaluate(m_data.evaluation, options, progress);
        QTemporaryDir dir;
        const QString folder = dir.filePath("export");
        exportPlan(*applied, folder.toStdString(), progress);

        QProcess python;
        // LibTorch's thread count sets how convolutions split their sums; with another count a
        // rotated input can land on the other side of an 8-bit rounding boundary.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("BITLENS_THREADS", QString::number(threadCount()));
        python.setProcessEnvironment(env);
        python.start("/usr/bin/python3", {QFINDTESTDATA("support/eval_torchscript.py"), folder + "/model.pt",
                                          testing::fashionMnistDir(), QString::number(limit)});
        QVERIFY(python.waitForFinished(300000));
        const QByteArray err = python.readAllStandardError();
        QVERIFY2(python.exitCode() == 0, err.constData());
        const QJsonObject theirs = QJsonDocument::fromJson(python.readAllStandardOutput()).object();
        qInfo("%s %s: BitLens %lld / %lld correct, PyTorch %lld", qPrintable(name), qPrintable(spec),
              static_cast<long long>(ours.correctTop1), static_cast<long long>(ours.samples),
              static_cast<long long>(theirs["correct_top1"].toInteger()));
        QCOMPARE(theirs["samples"].toInteger(), ours.samples);
        QCOMPARE(theirs["correct_top1"].toInteger(), ours.correctTop1);
        QVERIFY(std::abs(theirs["loss_sum"].toDouble() - ours.lossSum) <= 1e-6 * ours.lossSum);
    }

    // AIMET's formula x = (q + offset) * scale, q = the unsigned stored field, gives our weights.
    void aimetEncodingsDescribeTheWeights()
    {
        const auto applied = apply("fmnist_cnn", "w6:per-channel:asym,a8");
        QTemporaryDir dir;
        NullProgress progress;
        const ExportReport report = exportPlan(*applied, dir.path().toStdString(), progress);
        QVERIFY(report.notes.empty());
        const QJsonObject json = readJson(dir.filePath("encodings.json"));
        QCOMPARE(json["version"].toString(), QString("0.6.1"));
        const PackedWeights packed = readPackedWeights(dir.filePath("weights.h5").toStdString());
        const QJsonObject params = json["param_encodings"].toObject();
        const QJsonObject activations = json["activation_encodings"].toObject();
        for (const PackedLayer& l : packed.layers) {
            const QJsonArray entries = params[QString::fromStdString(l.name + ".weight")].toArray();
            QCOMPARE(entries.size(), l.shape[0]);
            const PackedMatrix& w = *l.weight;
            for (int64_t r = 0; r < w.rows; ++r) {
                const QJsonObject e = entries[int(r)].toObject();
                QCOMPARE(e["bitwidth"].toInt(), 6);
                QCOMPARE(e["dtype"].toString(), QString("int"));
                QCOMPARE(e["is_symmetric"].toString(), QString("False"));
                const double scale = e["scale"].toDouble();
                const int offset = e["offset"].toInt();
                QCOMPARE(e["min"].toDouble(), offset * scale);
                QCOMPARE(e["max"].toDouble(), (offset + 63) * scale);
                for (int64_t c = 0; c < w.cols; ++c) {
                    const size_t i = size_t(r * w.cols + c);
                    const float aimet = float(w.codes[i] - w.qmin + offset) * float(scale);
                    if (aimet != w.values[i])
                        QFAIL(qPrintable(QString("%1[%2,%3]: %4 vs %5").arg(l.name.c_str()).arg(r).arg(c).arg(aimet).arg(w.values[i])));
                }
            }
            const QJsonObject input = activations[QString::fromStdString(l.name + ".input")].toArray()[0].toObject();
            QCOMPARE(input["bitwidth"].toInt(), 8);
            QCOMPARE(input["offset"].toInt(), -int(l.inputZeroPoint));
            QCOMPARE(input["scale"].toDouble(), l.inputScale);
        }
        // Per-group scales and low-rank factors have no 0.6.1 form: left out, and said so.
        const auto grouped = apply("fmnist_resnet", "w4:group32", 0.0);
        const QString folder = dir.filePath("grouped");
        const ExportReport groupedReport = exportPlan(*grouped, folder.toStdString(), progress);
        QVERIFY(!groupedReport.notes.empty());
        QVERIFY(QString::fromStdString(groupedReport.notes[0]).contains("per-group"));
        QVERIFY(readJson(folder + "/encodings.json")["param_encodings"].toObject().size()
                < int(grouped->impl().layers.size()));
    }

    void exportFailuresLeaveNothing()
    {
        const auto applied = apply("fmnist_cnn", "w4");
        NullProgress progress;
        const auto failure = [&](const QString& folder, Progress& p) {
            try {
                exportPlan(*applied, folder.toStdString(), p);
            } catch (const Cancelled&) {
                return QString("cancelled");
            } catch (const Error& e) {
                return QString::fromStdString(e.what());
            }
            return QString();
        };
        // A read-only file system (the kernel's /proc refuses new entries, even to root).
        const QString readOnly = "/proc/bitlens-export";
        QVERIFY2(failure(readOnly, progress).startsWith(readOnly + ": cannot create the folder ("),
                 qPrintable(failure(readOnly, progress)));
        QVERIFY(!QFileInfo::exists(readOnly));

        QTemporaryDir dir;
        const QString file = dir.filePath("file");
        QFile(file).open(QIODevice::WriteOnly);
        QVERIFY(failure(file, progress).startsWith(file + ": cannot export there"));
        QVERIFY(failure(dir.filePath("missing/export"), progress).contains("cannot create the folder"));

        // Cancelled half way: the folder this export created is gone again.
        const QString cancelled = dir.filePath("cancelled");
        CancelAfter cancelAtThirdReport(3);
        QCOMPARE(failure(cancelled, cancelAtThirdReport), QString("cancelled"));
        QVERIFY(!QFileInfo::exists(cancelled));

        // A folder holding an earlier export keeps it, byte for byte, when the next one fails.
        const QString earlier = dir.filePath("earlier");
        exportPlan(*applied, earlier.toStdString(), progress);
        const QStringList before = entries(earlier);
        QCOMPARE(before, (QStringList{"encodings.json", "model.pt", "plan.json", "weights.h5"}));
        QFile plan(earlier + "/plan.json");
        plan.open(QIODevice::ReadOnly);
        const QByteArray planBefore = plan.readAll();
        plan.close();
        CancelAfter cancelAtFourthReport(4);
        const auto other = apply("fmnist_cnn", "w8,a8");
        QVERIFY_THROWS_EXCEPTION(Cancelled, exportPlan(*other, earlier.toStdString(), cancelAtFourthReport));
        QCOMPARE(entries(earlier), before);
        plan.open(QIODevice::ReadOnly);
        QCOMPARE(plan.readAll(), planBefore);
    }

    // A full disk, simulated by a file-size limit: writes fail, the CLI says which file, and the
    // folder is left as it was.
    void diskFullViaCliLeavesNothing()
    {
        QTemporaryDir dir;
        const QString planPath = dir.filePath("plan.json");
        const QString out = dir.filePath("export");
        writePlanFile(uniformPlan("fp32", 0.0, model("fmnist_cnn").layers()), planPath.toStdString());
        QProcess p;
        p.start("/bin/bash", {"-c", "ulimit -f 256; exec \"$0\" \"$@\"", qEnvironmentVariable("BITLENS_CLI"), "export",
                              testing::demoModel("fmnist_cnn"), "--plan", planPath, "--out", out});
        QVERIFY(p.waitForFinished(120000));
        const QString err = QString::fromUtf8(p.readAllStandardError()).trimmed();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 1);
        QVERIFY2(err.startsWith("bitlens-cli: " + out + "/model.pt: "), qPrintable(err));
        QVERIFY2(!err.contains('\n'), qPrintable(err));
        QVERIFY(!QFileInfo::exists(out));
    }
};

QTEST_GUILESS_MAIN(TstExport)
#include "tst_export.moc"
