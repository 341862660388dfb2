// Loading TorchScript models, discovering their layers, measuring MACs, and every way it fails.

#include "core/data/dataset.h"
#include "core/errors.h"
#include "core/model/model.h"
#include "core/progress.h"
#include "core/runtime.h"
#include "support/fixtures.h"
#include "test_paths.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace bitlens;

class TstModelLoading : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    DatasetSplits m_data;

    QString tmpPath(const char* name) const { return m_tmp.filePath(QString::fromLatin1(name)); }

    // The sentence a failed load gives; fails the test when loading (and profiling) succeeds.
    QString loadError(const QString& path, const SampleSet* probe = nullptr)
    {
        try {
            auto model = Model::load(path.toStdString());
            if (probe)
                model->profile(*probe);
        } catch (const ModelLoadError& e) {
            return QString::fromStdString(e.what());
        }
        return {};
    }

private slots:
    void initTestCase()
    {
        configureThreads();
        QVERIFY(m_tmp.isValid());
        NullProgress progress;
        DatasetOptions options;
        options.calibrationSize = 16;
        m_data = loadDataset(testing::fashionMnistDir().toStdString(), options, progress);
    }

    void discoversCnnLayers()
    {
        const auto model = Model::load(testing::demoModel("fmnist_cnn").toStdString());
        const auto& layers = model->layers();
        QCOMPARE(int(layers.size()), 4);
        QCOMPARE(QString::fromStdString(layers[0].name), QStringLiteral("features.0"));
        QCOMPARE(layers[0].kind, LayerKind::Conv2d);
        QCOMPARE(layers[0].weightShape, (std::vector<int64_t>{32, 1, 3, 3}));
        QVERIFY(!layers[0].hasBias());
        QCOMPARE(QString::fromStdString(layers[2].name), QStringLiteral("classifier.1"));
        QCOMPARE(layers[2].kind, LayerKind::Linear);
        QCOMPARE(layers[2].weightShape, (std::vector<int64_t>{128, 64 * 7 * 7}));
        QCOMPARE(layers[2].params(), int64_t(128 * 64 * 7 * 7 + 128));
        // BatchNorm parameters are part of the model but not compressible layers.
        int64_t compressible = 0;
        for (const auto& l : layers)
            compressible += l.params();
        QVERIFY(model->totalParams() > compressible);
        QVERIFY(!model->profiled());
        QCOMPARE(model->totalMacs(), int64_t(-1));
    }

    void measuresMacsAgainstHandCount()
    {
        const auto model = Model::load(testing::demoModel("fmnist_cnn").toStdString());
        model->profile(m_data.evaluation);
        const auto& l = model->layers();
        // conv 1->32 at 28x28 (padding 1); conv 32->64 at 14x14; linear 3136->128; linear 128->10.
        QCOMPARE(l[0].macsPerSample, int64_t(28 * 28 * 32 * 1 * 9));
        QCOMPARE(l[1].macsPerSample, int64_t(14 * 14 * 64 * 32 * 9));
        QCOMPARE(l[2].macsPerSample, int64_t(3136 * 128));
        QCOMPARE(l[3].macsPerSample, int64_t(128 * 10));
        for (const auto& layer : l)
            QCOMPARE(layer.calls, 1);
        QCOMPARE(model->outputShape(), (std::vector<int64_t>{10}));
    }

    void discoversResnetLayers()
    {
        const auto model = Model::load(testing::demoModel("fmnist_resnet").toStdString());
        model->profile(m_data.evaluation);
        const auto& layers = model->layers();
        QVERIFY2(layers.size() >= 12, "the residual demo needs at least 12 compressible layers");
        int downsamples = 0;
        for (const auto& l : layers) {
            QVERIFY2(l.macsPerSample > 0, l.name.c_str());
            downsamples += QString::fromStdString(l.name).contains("downsample");
        }
        QCOMPARE(downsamples, 3);
        QCOMPARE(layers.back().kind, LayerKind::Linear);
        // layer4's strided conv sees 7x7 input and produces 4x4 outputs of 128 channels.
        const auto it = std::find_if(layers.begin(), layers.end(), [](const LayerInfo& l) { return l.name == "layer4.conv1"; });
        QVERIFY(it != layers.end());
        QCOMPARE(it->macsPerSample, int64_t(4 * 4 * 128 * 64 * 9));
    }

    void syntheticLinearModel()
    {
        const QString path = tmpPath("linear.pt");
        testing::writeLinearModel(path.toStdString(), 784, 10);
        const auto model = Model::load(path.toStdString());
        QCOMPARE(int(model->layers().size()), 1);
        const LayerInfo& fc = model->layers()[0];
        QCOMPARE(QString::fromStdString(fc.name), QStringLiteral("fc"));
        QCOMPARE(fc.biasParams, int64_t(10));
        model->profile(m_data.evaluation);
        QCOMPARE(model->layers()[0].macsPerSample, int64_t(784 * 10));
    }

    void errors_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("cause");
        QTest::newRow("missing") << "missing.pt" << "file not found";
        QTest::newRow("folder") << "folder" << "is a folder";
        QTest::newRow("text file") << "notes.pt" << "not a TorchScript archive";
        QTest::newRow("truncated") << "truncated.pt" << "truncated or corrupt";
        QTest::newRow("no layers") << "plain.pt" << "no compressible layer";
        // scaled_dot_product_attention loads (compat_ops.h); rms_norm (PyTorch 2.4) is still missing.
        QTest::newRow("newer operator") << "rms_norm.pt" << "uses the operator aten::rms_norm, which this LibTorch";
    }

    void errors()
    {
        QFETCH(QString, file);
        QFETCH(QString, cause);
        QDir(m_tmp.path()).mkpath("folder");
        QFile text(tmpPath("notes.pt"));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("these are not weights\n");
        text.close();
        QFile demo(testing::demoModel("fmnist_cnn"));
        QVERIFY(demo.open(QIODevice::ReadOnly));
        const QByteArray bytes = demo.readAll();
        QFile cut(tmpPath("truncated.pt"));
        QVERIFY(cut.open(QIODevice::WriteOnly));
        cut.write(bytes.left(bytes.size() / 2));
        cut.close();
        testing::writeModelWithoutLayers(tmpPath("plain.pt").toStdString());
        testing::writeModelCallingOperator(tmpPath("rms_norm.pt").toStdString(), "rms_norm");

        const QString path = tmpPath(file.toLatin1().constData());
        const QString message = loadError(path);
        QVERIFY2(message.startsWith(path), qPrintable(message));
        QVERIFY2(message.contains(cause), qPrintable(message));
        QVERIFY2(!message.contains('\n'), "the error is one line");
    }

    void forwardRejectsDatasetShape()
    {
        // The CNN's classifier expects 64x7x7 features; 20x20 images give 64x5x5.
        SampleSet small;
        small.source = "synthetic-20x20";
        small.sampleShape = {1, 20, 20};
        small.data.assign(2 * 400, 128);
        small.labels = {0, 1};
        const QString path = testing::demoModel("fmnist_cnn");
        const QString message = loadError(path, &small);
        QVERIFY2(message.contains("forward fails on input of shape [2x1x20x20]"), qPrintable(message));
        QVERIFY2(message.contains("synthetic-20x20"), qPrintable(message));
        QVERIFY2(!message.contains('\n'), qPrintable(message));
    }
};

QTEST_GUILESS_MAIN(TstModelLoading)
#include "tst_model_loading.moc"
