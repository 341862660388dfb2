// Reliability (README "Reliability"): the inputs fuzzing found (tests/fuzz/regressions) refused in
// one sentence through the same readers the fuzz targets drive, files claiming hostile sizes
// refused before anything is allocated, damaged TorchScript archives refused before LibTorch
// reads them, and the child process that shields BitLens from libhdf5's crashes and hangs.

#include "core/data/dataset.h"
#include "core/errors.h"
#include "core/io/analysis_bundle.h"
#include "core/io/hdf5_probe.h"
#include "core/io/packed_weights.h"
#include "core/model/model.h"
#include "core/progress.h"
#include "core/quant/compression_plan.h"
#include "core/stats/model_analysis.h"
#include "tests/fuzz/file_readers.h"
#include "tests/support/resident_memory.h"
#include "tests/test_paths.h"

#include <H5Cpp.h>

#include <QDir>
#include <QFile>
#include <QtTest>

#include <csignal>
#include <fstream>
#include <thread>

using namespace bitlens;

namespace {

const QString kFuzzDir = QStringLiteral(BITLENS_FUZZ_DIR);

QByteArray bytesOf(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return f.readAll();
}

std::string outputPath(const char* name)
{
    return QDir(testing::testOutputDir()).filePath(QString::fromLatin1("reliability-") + name).toStdString();
}

std::string copyOf(const QString& source, const char* name)
{
    const std::string path = outputPath(name);
    QFile::remove(QString::fromStdString(path));
    if (!QFile::copy(source, QString::fromStdString(path)))
        qFatal("cannot copy %s", qPrintable(source));
    QFile(QString::fromStdString(path)).setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return path;
}

// The message of the bitlens::Error `read` throws; "" when it returns. Anything else escapes and
// fails the test.
template <class F>
QString refusal(F&& read)
{
    try {
        read();
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

// A chunked dataset of `dims` that nothing was ever written to: HDF5 stores no chunk, so the
// file stays a few KB however much the dataset claims.
void claimDataset(H5::Group& g, const std::string& name, const H5::DataType& type, std::vector<hsize_t> dims)
{
    const std::vector<hsize_t> chunk(dims.size(), 1);
    H5::DSetCreatPropList create;
    create.setChunk(int(chunk.size()), chunk.data());
    g.createDataSet(name, type, H5::DataSpace(int(dims.size()), dims.data()), create);
}

// Peak resident growth (MiB) while `f` runs.
template <class F>
double peakGrowthMiB(F&& f)
{
    testing::resetPeakResident();
    const double before = testing::statusMiB("VmHWM");
    f();
    return testing::statusMiB("VmHWM") - before;
}

} // namespace

class TestReliability : public QObject {
    Q_OBJECT

private slots:
    void foundInputsAreRefused_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("input");
        const QDir dir(kFuzzDir + "/regressions");
        const QStringList inputs = dir.entryList(QDir::Files, QDir::Name);
        QVERIFY(inputs.size() >= 5);
        for (const QString& name : inputs)
            QTest::newRow(qPrintable(name)) << name.section('-', 0, 0) << dir.filePath(name);
    }

    // Each crashed, leaked, hung or overran memory once; now each is refused in one sentence.
    void foundInputsAreRefused()
    {
        QFETCH(QString, target);
        QFETCH(QString, input);
        const fuzz::ByteReader read = fuzz::readerFor(target.toStdString());
        const QByteArray bytes = bytesOf(input);
        const QString message = refusal([&] { read(reinterpret_cast<const uint8_t*>(bytes.constData()), size_t(bytes.size())); });
        QVERIFY2(!message.isEmpty(), "a damaged input was read as if whole");
        QVERIFY2(!message.contains('\n'), qPrintable(message));
    }

    void hdf5DatasetClaimingMoreThanMemory()
    {
        const std::string path = outputPath("claims-2^60.h5");
        {
            H5::H5File file(path, H5F_ACC_TRUNC);
            claimDataset(file, "inputs", H5::PredType::NATIVE_FLOAT, {hsize_t(1) << 31, hsize_t(1) << 29});
            claimDataset(file, "labels", H5::PredType::NATIVE_INT64, {hsize_t(1) << 31});
        }
        QVERIFY(QFileInfo(QString::fromStdString(path)).size() < 1 << 20);
        DatasetOptions options;
        NullProgress progress;
        QString message;
        const double grew = peakGrowthMiB([&] { message = refusal([&] { loadDataset(path, options, progress); }); });
        QVERIFY2(message.startsWith(QString::fromStdString(path)) && message.contains("/inputs claims 1152921504606846976 values")
                     && message.contains("more than this machine's memory"),
                 qPrintable(message));
        QVERIFY2(grew < 64, qPrintable(QString("resident memory grew %1 MiB").arg(grew)));
    }

    // Uncompressed data cannot hold more than the file stores: a truncated dataset, not zeros.
    void unfilteredDatasetLargerThanItsStorage()
    {
        const std::string path = outputPath("unwritten.h5");
        {
            H5::H5File file(path, H5F_ACC_TRUNC);
            const hsize_t dims[2] = {1000, 8};
            file.createDataSet("inputs", H5::PredType::NATIVE_FLOAT, H5::DataSpace(2, dims));
            const std::vector<int64_t> labels(1000, 1);
            const hsize_t n = 1000;
            file.createDataSet("labels", H5::PredType::NATIVE_INT64, H5::DataSpace(1, &n))
                .write(labels.data(), H5::PredType::NATIVE_INT64);
        }
        DatasetOptions options;
        NullProgress progress;
        const QString message = refusal([&] { loadDataset(path, options, progress); });
        QVERIFY2(message.contains("/inputs claims 8000 values (32 KB) but the file stores 0 B") && message.contains("truncated or damaged"),
                 qPrintable(message));
    }

    void bundleClaiming2To60Elements()
    {
        const std::string path = copyOf(kFuzzDir + "/corpus/fuzz_bundle/stats.h5", "bundle-2^60.h5");
        QVERIFY(refusal([&] { readAnalysisBundle(path); }).isEmpty());
        {
            H5::H5File file(path, H5F_ACC_RDWR);
            H5::Group layers = file.openGroup("layers");
            layers.unlink("names");
            claimDataset(layers, "names", H5::StrType(H5::PredType::C_S1, H5T_VARIABLE), {hsize_t(1) << 60});
        }
        QString message;
        const double grew = peakGrowthMiB([&] { message = refusal([&] { readAnalysisBundle(path); }); });
        QVERIFY2(message.contains("/layers/names claims 1152921504606846976 values") && message.contains("more than this machine's memory"),
                 qPrintable(message));
        QVERIFY2(grew < 64, qPrintable(QString("resident memory grew %1 MiB").arg(grew)));
    }

    // An array where one value belongs would overrun the one value read into.
    void arrayAttributeWhereOneValueBelongs()
    {
        const std::string path = copyOf(kFuzzDir + "/corpus/fuzz_packed_weights/w4.h5", "array-version.h5");
        QVERIFY(refusal([&] { readPackedWeights(path); }).isEmpty());
        {
            H5::H5File file(path, H5F_ACC_RDWR);
            file.removeAttr("version");
            const std::vector<int64_t> values(1000, 2);
            const hsize_t n = values.size();
            file.createAttribute("version", H5::PredType::STD_I64LE, H5::DataSpace(1, &n))
                .write(H5::PredType::NATIVE_INT64, values.data());
        }
        const QString message = refusal([&] { readPackedWeights(path); });
        QVERIFY2(message.contains("attribute 'version'") && message.contains("holds 1000 values where one is expected"),
                 qPrintable(message));
    }

    void idxClaiming2To93Bytes()
    {
        const std::string images = outputPath("huge-images-idx3-ubyte");
        const std::string labels = outputPath("huge-labels-idx1-ubyte");
        std::ofstream(images, std::ios::binary).write("\0\0\x08\x03\x7f\xff\xff\xff\x7f\xff\xff\xff\x7f\xff\xff\xff", 16);
        std::ofstream(labels, std::ios::binary).write("\0\0\x08\x01\x7f\xff\xff\xff", 8);
        DatasetOptions options;
        NullProgress progress;
        const QString message = refusal([&] { loadDataset(images, options, progress); });
        QVERIFY2(message.contains("claims 2147483647 x 2147483647 x 2147483647 values, more than this machine's memory"),
                 qPrintable(message));
    }

    // A plan naming 100,000 layers reads in full; checked against a model, the first unknown
    // layer is named.
    void planNaming100000Layers()
    {
        std::string text = R"({"format": "bitlens-plan", "version": 1, "layers": {)";
        for (int i = 0; i < 100000; ++i)
            text += (i ? "," : "") + ("\"block" + std::to_string(i) + ".fc\": {\"weight\": {\"format\": \"int\", \"bits\": 4}}");
        text += "}}";
        const CompressionPlan plan = planFromJson(text, "huge-plan.json");
        QCOMPARE(plan.layers.size(), size_t(100000));
        const auto model = Model::load(testing::demoModel("fmnist_cnn").toStdString());
        const QString message = refusal([&] { validatePlan(plan, model->layers(), "huge-plan.json"); });
        QVERIFY2(message.startsWith("huge-plan.json") && message.contains("block"), qPrintable(message));
    }

    // One changed byte in the model's pickle: LibTorch would unpickle whatever it reads (its zip
    // reader checks no CRC); BitLens names the entry first.
    void damagedTorchScriptRecordIsRefusedBeforeLibTorch()
    {
        QByteArray bytes = bytesOf(testing::demoModel("fmnist_cnn"));
        const qsizetype at = bytes.indexOf("c__torch__\nSmallCNN");
        QVERIFY(at > 0); // data.pkl is stored, not deflated: its bytes are in the file as they are
        bytes[at + 12] = 'X';
        const std::string path = outputPath("damaged-code.pt");
        QFile out(QString::fromStdString(path));
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
        out.write(bytes);
        out.close();
        const QString message = refusal([&] { Model::load(path); });
        QVERIFY2(message.contains("truncated or corrupt TorchScript archive") && message.contains("data.pkl' does not match its CRC-32"),
                 qPrintable(message));
    }

    void hdf5ProbeTurnsACrashIntoASentence()
    {
        const std::string path = outputPath("probe");
        std::ofstream(path) << "x";
        const QString crashed = refusal([&] { probeHdf5File(path, [] { std::raise(SIGSEGV); }); });
        // A signal in the regular build; ASan catches it and exits with its code in the sanitized one.
        QVERIFY2(crashed.startsWith(QString::fromStdString(path)) && crashed.contains("the HDF5 library crashed reading it (")
                     && crashed.endsWith("the file is damaged"),
                 qPrintable(crashed));
        const QString hung = refusal([&] {
            probeHdf5File(path, [] { std::this_thread::sleep_for(std::chrono::seconds(30)); }, std::chrono::seconds(1));
        });
        QVERIFY2(hung.contains("did not finish in 1 s"), qPrintable(hung));
        // A read that throws is the caller's to report; one that returns lets the caller read.
        QVERIFY(refusal([&] { probeHdf5File(path, [] { throw Error("refused"); }); }).isEmpty());
        QVERIFY(refusal([&] { probeHdf5File(path, [] {}); }).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestReliability)
#include "tst_reliability.moc"
