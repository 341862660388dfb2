// Dataset loading: Debian's Fashion-MNIST checked against an independent zlib read, IDX and HDF5
// fixtures written here, and the error paths, whose messages must name the file and the cause.

#include "core/data/dataset.h"
#include "core/data/hdf5_reader.h"
#include "core/data/idx_reader.h"
#include "core/errors.h"
#include "core/progress.h"
#include "test_paths.h"

#include <H5Cpp.h>
#include <zlib.h>

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cstring>
#include <filesystem>

using namespace bitlens;
namespace fs = std::filesystem;

namespace {

const std::string kFashion = testing::fashionMnistDir().toStdString();
constexpr size_t kImageBytes = 28 * 28;

QString qs(const std::string& s) { return QString::fromStdString(s); }

std::vector<uint8_t> gunzip(const std::string& path)
{
    std::vector<uint8_t> out;
    std::vector<uint8_t> buf(1 << 20);
    gzFile f = gzopen(path.c_str(), "rb");
    for (int n = 0; f && (n = gzread(f, buf.data(), unsigned(buf.size()))) > 0;)
        out.insert(out.end(), buf.begin(), buf.begin() + n);
    if (f)
        gzclose(f);
    return out;
}

// zlib's "T" mode writes the bytes as they are.
void writeFile(const std::string& path, const std::vector<uint8_t>& bytes, bool gzip)
{
    gzFile f = gzopen(path.c_str(), gzip ? "wb" : "wbT");
    gzwrite(f, bytes.data(), unsigned(bytes.size()));
    gzclose(f);
}

// An IDX file: magic (0, 0, type, rank), big-endian dimensions, then the payload as given.
std::vector<uint8_t> idx(uint8_t type, const std::vector<uint32_t>& dims, const std::vector<uint8_t>& payload)
{
    std::vector<uint8_t> out{0, 0, type, uint8_t(dims.size())};
    for (uint32_t d : dims)
        out.insert(out.end(), {uint8_t(d >> 24), uint8_t(d >> 16), uint8_t(d >> 8), uint8_t(d)});
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

// Salted so that the splits of one fixture differ from each other.
std::vector<uint8_t> pattern(size_t n, size_t step, size_t salt, size_t modulo)
{
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i)
        v[i] = uint8_t((i * step + salt) % modulo);
    return v;
}
std::vector<uint8_t> pixels(size_t n, size_t salt) { return pattern(n, 37, salt * 101, 251); }
std::vector<uint8_t> labelBytes(size_t n, size_t salt) { return pattern(n, 3, salt, 10); }

std::vector<int64_t> widen(const std::vector<uint8_t>& v) { return {v.begin(), v.end()}; }

// One split of n 4x4 images and its labels.
void writeIdxSplit(const std::string& dir, const std::string& prefix, uint32_t n, size_t salt, bool gzip)
{
    const std::string ext = gzip ? ".gz" : "";
    writeFile(dir + "/" + prefix + "-images-idx3-ubyte" + ext, idx(8, {n, 4, 4}, pixels(n * 16, salt)), gzip);
    writeFile(dir + "/" + prefix + "-labels-idx1-ubyte" + ext, idx(8, {n}, labelBytes(n, salt)), gzip);
}

// Not round decimals, so a conversion anywhere on the way would show.
std::vector<float> floats(size_t n)
{
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i)
        v[i] = float(i) * 0.1f - 2.7f + 1e-7f * float(i * i);
    return v;
}

void writeH5(H5::Group& loc, const std::string& name, const H5::PredType& type,
             const std::vector<hsize_t>& dims, const void* data)
{
    H5::DataSpace space(int(dims.size()), dims.data());
    loc.createDataSet(name, type, space).write(data, type);
}

// float32 inputs n x width (n x 3 x 5 when width is 0) and int64 labels.
void writeH5Pair(H5::Group& loc, hsize_t n, hsize_t width, size_t salt)
{
    const std::vector<float> in = floats(n * (width ? width : 15));
    const std::vector<int64_t> labels = widen(labelBytes(n, salt));
    writeH5(loc, "inputs", H5::PredType::NATIVE_FLOAT,
            width ? std::vector<hsize_t>{n, width} : std::vector<hsize_t>{n, 3, 5}, in.data());
    writeH5(loc, "labels", H5::PredType::NATIVE_INT64, {n}, labels.data());
}

// /train and /test groups of n x 4 inputs, salted 1 and 2.
void writeH5Groups(const std::string& path, hsize_t nTrain, hsize_t nTest)
{
    H5::H5File file(path, H5F_ACC_TRUNC);
    H5::Group train = file.createGroup("train");
    writeH5Pair(train, nTrain, 4, 1);
    H5::Group test = file.createGroup("test");
    writeH5Pair(test, nTest, 4, 2);
}

bool sameBytes(const SampleSet& set, int64_t i, const void* expected)
{
    return std::memcmp(set.data.data() + size_t(i) * set.sampleBytes(), expected, set.sampleBytes()) == 0;
}

class RecordingProgress final : public Progress {
public:
    void report(double fraction, const std::string&) override { fractions.push_back(fraction); }
    bool cancelled() const override { return cancel; }
    std::vector<double> fractions;
    bool cancel = false;
};

} // namespace

class TstDatasets : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    DatasetSplits m_fashion;
    std::vector<double> m_fashionProgress;
    int m_fixtures = 0;

    std::string tmp(const std::string& name) const { return m_tmp.filePath(qs(name)).toStdString(); }

    // Named by a counter, so a cause word in a message can never be matched by the path instead.
    std::string freshDir()
    {
        const std::string dir = tmp("fixture" + std::to_string(m_fixtures++));
        fs::create_directories(dir);
        return dir;
    }

    static DatasetSplits load(const std::string& path, int64_t calibrationSize = 1024, uint64_t seed = 0)
    {
        NullProgress progress;
        return loadDataset(path, {calibrationSize, seed}, progress);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY2(fs::is_directory(kFashion), "Debian's Fashion-MNIST is not installed");
        RecordingProgress progress;
        m_fashion = loadDataset(kFashion, DatasetOptions{}, progress);
        m_fashionProgress = progress.fractions;
    }

    void realFashionMnist()
    {
        const DatasetSplits& d = m_fashion;
        QCOMPARE(qs(d.format), QStringLiteral("IDX"));
        QVERIFY(!d.singleSplit);
        QCOMPARE(d.trainCount, int64_t(60000));
        QCOMPARE(d.numClasses, int64_t(10));
        QCOMPARE(d.evaluation.count(), int64_t(10000));
        QCOMPARE(qs(d.evaluation.split), QStringLiteral("test"));
        QCOMPARE(d.evaluation.sampleShape, (std::vector<int64_t>{1, 28, 28}));
        QVERIFY(d.evaluation.type == SampleType::UInt8);
        QCOMPARE(d.calibration.count(), int64_t(1024));
        QCOMPARE(d.calibration.sampleShape, d.evaluation.sampleShape);

        const std::vector<uint8_t> images = gunzip(kFashion + "/t10k-images-idx3-ubyte.gz");
        const std::vector<uint8_t> labels = gunzip(kFashion + "/t10k-labels-idx1-ubyte.gz");
        QCOMPARE(images.size(), 16 + 10000 * kImageBytes);
        QCOMPARE(labels.size(), size_t(8 + 10000));
        QVERIFY(sameBytes(d.evaluation, 0, images.data() + 16));
        QVERIFY(sameBytes(d.evaluation, 9999, images.data() + 16 + 9999 * kImageBytes));
        for (size_t i = 0; i < 20; ++i)
            QCOMPARE(d.evaluation.labels[i], int64_t(labels[8 + i]));
        // Fashion-MNIST's test split is balanced.
        for (int64_t c = 0; c < 10; ++c)
            QCOMPARE(std::count(d.evaluation.labels.begin(), d.evaluation.labels.end(), c), 1000L);

        QVERIFY(std::is_sorted(m_fashionProgress.begin(), m_fashionProgress.end()));
        QVERIFY(!m_fashionProgress.empty() && m_fashionProgress.back() == 1.0);
    }

    void calibrationIsSeeded()
    {
        const DatasetSplits a = load(kFashion, 256, 7);
        const DatasetSplits b = load(kFashion, 256, 7);
        const DatasetSplits c = load(kFashion, 256, 8);
        QCOMPARE(a.calibration.count(), int64_t(256));
        QCOMPARE(a.calibration.labels, b.calibration.labels);
        QVERIFY(a.calibration.data == b.calibration.data);
        QVERIFY(a.calibration.data != c.calibration.data);
        QVERIFY(a.evaluation.data == c.evaluation.data); // the seed picks calibration samples only
    }

    void calibrationDrawnFromTrainingSplit()
    {
        const DatasetSplits d = load(kFashion, 100, 3);
        const std::vector<int64_t> picked = seededSubset(60000, 100, 3);
        QVERIFY(picked.back() >= 100); // not simply the first samples
        const std::vector<uint8_t> images = gunzip(kFashion + "/train-images-idx3-ubyte.gz");
        const std::vector<uint8_t> labels = gunzip(kFashion + "/train-labels-idx1-ubyte.gz");
        QCOMPARE(images.size(), 16 + 60000 * kImageBytes);
        QCOMPARE(d.calibration.count(), int64_t(100));
        for (size_t i = 0; i < picked.size(); ++i) {
            const size_t at = size_t(picked[i]);
            QVERIFY(sameBytes(d.calibration, int64_t(i), images.data() + 16 + at * kImageBytes));
            QCOMPARE(d.calibration.labels[i], int64_t(labels[8 + at]));
        }
    }

    void calibrationLargerThanTrainingSplit()
    {
        const std::string dir = freshDir();
        writeIdxSplit(dir, "train", 50, 1, false);
        writeIdxSplit(dir, "t10k", 20, 2, false);
        const DatasetSplits d = load(dir, 1000, 5);
        QCOMPARE(d.trainCount, int64_t(50));
        QCOMPARE(d.calibration.count(), int64_t(50));
        QVERIFY(d.calibration.data == pixels(50 * 16, 1));
        QCOMPARE(d.calibration.labels, widen(labelBytes(50, 1)));
    }

    void seededSubsetProperties_data()
    {
        QTest::addColumn<qint64>("total");
        QTest::addColumn<qint64>("count");
        QTest::addColumn<quint64>("seed");
        QTest::newRow("few of many") << qint64(100) << qint64(10) << quint64(0);
        QTest::newRow("all") << qint64(100) << qint64(100) << quint64(1);
        QTest::newRow("more than all") << qint64(100) << qint64(150) << quint64(2);
        QTest::newRow("fashion default") << qint64(60000) << qint64(1024) << quint64(0);
        QTest::newRow("none asked") << qint64(10) << qint64(0) << quint64(3);
        QTest::newRow("empty") << qint64(0) << qint64(5) << quint64(3);
    }

    void seededSubsetProperties()
    {
        QFETCH(qint64, total);
        QFETCH(qint64, count);
        QFETCH(quint64, seed);
        const std::vector<int64_t> s = seededSubset(total, count, seed);
        QCOMPARE(qint64(s.size()), std::min(total, count));
        QVERIFY(std::adjacent_find(s.begin(), s.end(), std::greater_equal<int64_t>()) == s.end());
        QVERIFY(std::all_of(s.begin(), s.end(), [&](int64_t i) { return i >= 0 && i < total; }));
        QCOMPARE(s, seededSubset(total, count, seed));
    }

    void rawAndGzippedIdxAgree()
    {
        const std::string raw = freshDir();
        const std::string gz = freshDir();
        for (const auto& [dir, gzip] : {std::pair{raw, false}, std::pair{gz, true}}) {
            writeIdxSplit(dir, "train", 50, 1, gzip);
            writeIdxSplit(dir, "t10k", 20, 2, gzip);
        }
        QCOMPARE(fs::file_size(raw + "/t10k-images-idx3-ubyte"), uintmax_t(16 + 20 * 16));
        QVERIFY(fs::exists(gz + "/t10k-images-idx3-ubyte.gz") && !fs::exists(gz + "/t10k-images-idx3-ubyte"));
        const DatasetSplits a = load(raw, 10, 9);
        const DatasetSplits b = load(gz, 10, 9);
        QCOMPARE(a.evaluation.sampleShape, (std::vector<int64_t>{1, 4, 4}));
        QVERIFY(a.evaluation.data == pixels(20 * 16, 2));
        QCOMPARE(a.evaluation.labels, widen(labelBytes(20, 2)));
        QVERIFY(!a.singleSplit && !b.singleSplit);
        QCOMPARE(b.trainCount, a.trainCount);
        QVERIFY(b.evaluation.data == a.evaluation.data);
        QCOMPARE(b.evaluation.labels, a.evaluation.labels);
        QCOMPARE(a.calibration.count(), int64_t(10));
        QVERIFY(b.calibration.data == a.calibration.data);
        QCOMPARE(b.calibration.labels, a.calibration.labels);
    }

    void singleIdxFile_data()
    {
        QTest::addColumn<bool>("gzip");
        QTest::newRow("raw") << false;
        QTest::newRow("gzipped") << true;
    }

    void singleIdxFile()
    {
        QFETCH(bool, gzip);
        const std::string dir = freshDir();
        writeIdxSplit(dir, "xyz", 30, 3, gzip);
        const DatasetSplits d = load(dir + "/xyz-images-idx3-ubyte" + (gzip ? ".gz" : ""));
        QCOMPARE(qs(d.format), QStringLiteral("IDX"));
        QVERIFY(d.singleSplit);
        QCOMPARE(d.evaluation.count(), int64_t(30));
        QCOMPARE(d.trainCount, int64_t(30));
        QVERIFY(d.evaluation.data == pixels(30 * 16, 3));
        QCOMPARE(d.evaluation.labels, widen(labelBytes(30, 3)));
        QVERIFY(d.calibration.data == d.evaluation.data);
        QCOMPARE(d.calibration.labels, d.evaluation.labels);
    }

    void hdf5RootFloat32()
    {
        const std::string path = tmp("root-float.h5");
        {
            H5::H5File file(path, H5F_ACC_TRUNC);
            writeH5Pair(file, 7, 0, 4);
        }
        const DatasetSplits d = load(path);
        QCOMPARE(qs(d.format), QStringLiteral("HDF5"));
        QVERIFY(d.singleSplit);
        QVERIFY(d.evaluation.type == SampleType::Float32);
        QCOMPARE(d.evaluation.sampleShape, (std::vector<int64_t>{3, 5}));
        const std::vector<float> expected = floats(7 * 15);
        QCOMPARE(d.evaluation.data.size(), expected.size() * sizeof(float));
        QVERIFY(std::memcmp(d.evaluation.data.data(), expected.data(), d.evaluation.data.size()) == 0);
        QCOMPARE(d.evaluation.labels, widen(labelBytes(7, 4)));
        QCOMPARE(d.numClasses, d.evaluation.maxLabel() + 1);
        // Fewer samples than the calibration size asks for: all of them.
        QCOMPARE(d.trainCount, int64_t(7));
        QVERIFY(d.calibration.data == d.evaluation.data);
    }

    void hdf5RootUInt8()
    {
        const std::string path = tmp("root-uint8.h5");
        const std::vector<uint8_t> in = pixels(9 * 4, 5);
        const std::vector<int32_t> labels{0, 1, 2, 3, 4, 5, 6, 7, 11};
        {
            H5::H5File file(path, H5F_ACC_TRUNC);
            writeH5(file, "inputs", H5::PredType::NATIVE_UINT8, {9, 2, 2}, in.data());
            writeH5(file, "labels", H5::PredType::NATIVE_INT32, {9}, labels.data());
        }
        const DatasetSplits d = load(path);
        QVERIFY(d.singleSplit);
        QVERIFY(d.evaluation.type == SampleType::UInt8);
        QCOMPARE(d.evaluation.sampleShape, (std::vector<int64_t>{2, 2}));
        QVERIFY(d.evaluation.data == in);
        QCOMPARE(d.evaluation.labels, std::vector<int64_t>(labels.begin(), labels.end()));
        QCOMPARE(d.numClasses, int64_t(12));
    }

    void hdf5TrainTestGroups()
    {
        const std::string path = tmp("groups.h5");
        writeH5Groups(path, 20, 8);
        const DatasetSplits d = load(path, 5, 11);
        QVERIFY(!d.singleSplit);
        QCOMPARE(d.trainCount, int64_t(20));
        QCOMPARE(d.evaluation.count(), int64_t(8));
        QCOMPARE(d.evaluation.labels, widen(labelBytes(8, 2)));
        const std::vector<float> train = floats(20 * 4);
        const std::vector<int64_t> trainLabels = widen(labelBytes(20, 1));
        const std::vector<int64_t> picked = seededSubset(20, 5, 11);
        QCOMPARE(d.calibration.count(), int64_t(5));
        for (size_t i = 0; i < picked.size(); ++i) {
            QVERIFY(sameBytes(d.calibration, int64_t(i), train.data() + picked[i] * 4));
            QCOMPARE(d.calibration.labels[i], trainLabels[size_t(picked[i])]);
        }
    }

    void errors_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<qint64>("calibrationSize");
        QTest::addColumn<QStringList>("expected"); // the offending file(s) and the cause
        const auto row = [](const char* name, const std::string& path, QStringList expected,
                            qint64 calibrationSize = 16) {
            QTest::newRow(name) << qs(path) << calibrationSize << expected;
        };

        const std::string missing = tmp("no-such-dataset");
        row("missing path", missing, {qs(missing), "not found"});
        const std::string empty = freshDir();
        writeFile(empty + "/README", {'h', 'i'}, false);
        row("no IDX files", empty, {qs(empty), "no IDX files"});
        const std::string noLabels = freshDir();
        writeIdxSplit(noLabels, "train", 10, 1, false);
        fs::remove(noLabels + "/train-labels-idx1-ubyte");
        row("labels file missing", noLabels, {qs(noLabels), "no train-labels-idx1-ubyte"});

        // A folder with a train pair only; the message must name the images or the labels file.
        const auto idxRow = [&](const char* name, const std::vector<uint8_t>& images,
                                const std::vector<uint8_t>& labels, bool gzip, QStringList expected,
                                bool labelsBlamed = false) {
            const std::string dir = freshDir();
            const std::string ext = gzip ? ".gz" : "";
            writeFile(dir + "/train-images-idx3-ubyte" + ext, images, gzip);
            writeFile(dir + "/train-labels-idx1-ubyte" + ext, labels, gzip);
            const char* blamed = labelsBlamed ? "/train-labels-idx1-ubyte" : "/train-images-idx3-ubyte";
            row(name, dir, expected << qs(dir + blamed + ext));
        };
        const std::vector<uint8_t> goodImages = idx(8, {10, 4, 4}, pixels(160, 1));
        const std::vector<uint8_t> goodLabels = idx(8, {10}, labelBytes(10, 1));
        std::vector<uint8_t> badMagic = goodImages;
        badMagic[0] = 0x42;
        idxRow("wrong magic", badMagic, goodLabels, false, {"wrong magic"});
        idxRow("unsupported element type", idx(0x0C, {10, 4, 4}, {}), goodLabels, false,
               {"element type 0x0C is not supported"});
        idxRow("counts disagree", goodImages, idx(8, {9}, labelBytes(9, 1)), false,
               {"counts disagree", "10 images", "9 labels"}, true);
        idxRow("truncated raw", idx(8, {10, 4, 4}, pixels(80, 1)), goodLabels, false, {"truncated"});
        idxRow("truncated gzipped", idx(8, {10, 4, 4}, pixels(80, 1)), goodLabels, true, {"truncated"});
        idxRow("trailing images", idx(8, {10, 4, 4}, pixels(170, 1)), goodLabels, false, {"trailing data"});
        idxRow("trailing labels", goodImages, idx(8, {10}, labelBytes(12, 1)), false, {"trailing data"},
               true);
        idxRow("labels not 1-D", goodImages, idx(8, {10, 1}, labelBytes(10, 1)), false,
               {"not an IDX labels file"}, true);
        // Headers claiming more than memory holds are refused before reading, not by exhausting it.
        idxRow("header claims 100 TB", idx(8, {1000000, 10000, 10000}, pixels(64, 1)),
               idx(8, {1000000}, labelBytes(10, 1)), false,
               {"claims 100000000000000 values (100 TB)", "more than this machine's memory"});
        idxRow("header overflows", idx(8, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, {}), idx(8, {0xFFFFFFFF}, {}),
               false, {"claims 4294967295 x 4294967295 x 4294967295 values"});

        // A gzip stream cut short, rather than a whole stream of too little data.
        const std::string cut = freshDir();
        writeIdxSplit(cut, "train", 2000, 1, true);
        const std::string cutImages = cut + "/train-images-idx3-ubyte.gz";
        fs::resize_file(cutImages, fs::file_size(cutImages) / 2);
        row("gzip stream cut", cut, {qs(cutImages), "truncated"});

        const std::string text = freshDir() + "/notes.txt";
        writeFile(text, {'j', 'u', 's', 't', ' ', 't', 'e', 'x', 't', '\n'}, false);
        row("text file", text, {qs(text), "not a dataset"});

        // labelCount 0: no /labels dataset at all.
        const auto h5Row = [&](const char* name, const char* inputs, const H5::PredType& type, const void* data,
                               hsize_t labelCount, const char* cause) {
            const std::string path = freshDir() + "/data.h5";
            {
                H5::H5File file(path, H5F_ACC_TRUNC);
                writeH5(file, inputs, type, {6, 2}, data);
                const std::vector<int64_t> labels(labelCount, 1);
                if (labelCount)
                    writeH5(file, "labels", H5::PredType::NATIVE_INT64, {labelCount}, labels.data());
            }
            row(name, path, {qs(path), cause});
        };
        const std::vector<float> f32(12, 1.0f);
        const std::vector<int32_t> i32(12, 1);
        const std::vector<double> f64(12, 1.0);
        const std::vector<int8_t> i8(12, -1);
        const H5::PredType& float32 = H5::PredType::NATIVE_FLOAT;
        const char* dtype = "must be float32 or uint8";
        h5Row("hdf5 without inputs", "other", float32, f32.data(), 6, "no /inputs");
        h5Row("hdf5 without labels", "inputs", float32, f32.data(), 0, "no matching /labels");
        h5Row("hdf5 int32 inputs", "inputs", H5::PredType::NATIVE_INT32, i32.data(), 6, dtype);
        h5Row("hdf5 int8 inputs", "inputs", H5::PredType::NATIVE_INT8, i8.data(), 6, dtype);
        h5Row("hdf5 float64 inputs", "inputs", H5::PredType::NATIVE_DOUBLE, f64.data(), 6, dtype);
        h5Row("hdf5 label count", "inputs", float32, f32.data(), 5, "counts disagree");

        const std::string halved = freshDir() + "/data.h5";
        writeH5Groups(halved, 200, 50);
        fs::resize_file(halved, fs::file_size(halved) / 2);
        row("hdf5 truncated", halved, {qs(halved), "truncated"});

        row("calibration size 0", kFashion, {qs(kFashion), "calibration size must be positive"}, 0);
        row("calibration size -3", kFashion, {qs(kFashion), "not -3"}, -3);
    }

    // A sidecar's relative dataset is its folder's; a language model's sidecar without one asks
    // for --data instead of feeding the model Fashion-MNIST.
    void sidecarDatasetPaths()
    {
        QTemporaryDir dir;
        const auto writeSidecar = [&](const QByteArray& json) {
            QFile f(dir.filePath("m.json"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(json);
        };
        writeSidecar(R"({"name": "m", "dataset": "data/tokens.h5", "task": "language-model", "input_shape": [16]})");
        QVERIFY(QDir(dir.path()).mkpath("data"));
        QVERIFY(QFile::copy(QString(BITLENS_ZOO_DIR) + "/tokens.h5", dir.filePath("data/tokens.h5")));
        QCOMPARE(QString::fromStdString(defaultDatasetFor(dir.filePath("m.pt").toStdString())), dir.filePath("data/tokens.h5"));
        writeSidecar(R"({"name": "m", "task": "language-model", "input_shape": [16]})");
        try {
            defaultDatasetFor(dir.filePath("m.pt").toStdString());
            QFAIL("a language model without a dataset got one");
        } catch (const DatasetError& e) {
            QVERIFY2(QString(e.what()).contains("describes a language model but names no dataset"), e.what());
        }
    }

    void errors()
    {
        QFETCH(QString, path);
        QFETCH(qint64, calibrationSize);
        QFETCH(QStringList, expected);
        QString message;
        try {
            load(path.toStdString(), calibrationSize);
            QFAIL("loadDataset succeeded");
        } catch (const DatasetError& e) {
            message = QString::fromStdString(e.what());
        }
        for (const QString& part : expected)
            QVERIFY2(message.contains(part),
                     qPrintable(QStringLiteral("'%1' lacks '%2'").arg(message, part)));
    }

    void cancelledProgress_data()
    {
        QTest::addColumn<QString>("path");
        QTest::newRow("fashion-mnist folder") << qs(kFashion);
        const std::string path = tmp("cancel.h5");
        writeH5Groups(path, 4, 4);
        QTest::newRow("hdf5 train/test") << qs(path);
    }

    void cancelledProgress()
    {
        QFETCH(QString, path);
        RecordingProgress progress;
        progress.cancel = true;
        QVERIFY_THROWS_EXCEPTION(Cancelled, loadDataset(path.toStdString(), {}, progress));
        // Cancelled before the end: the load never reported itself done.
        QVERIFY(std::none_of(progress.fractions.begin(), progress.fractions.end(),
                             [](double f) { return f >= 1.0; }));
    }
};

QTEST_GUILESS_MAIN(TstDatasets)
#include "tst_datasets.moc"
