// Storage and compute cost of a plan against figures worked out by hand in each row.

#include "core/model/model.h"
#include "core/quant/memory_cost.h"
#include "test_paths.h"

#include <QtTest>

using namespace bitlens;

Q_DECLARE_METATYPE(bitlens::LayerInfo)
Q_DECLARE_METATYPE(bitlens::LayerOption)

namespace {

LayerInfo linear(const std::string& name, int64_t out, int64_t in, bool bias, int64_t macs = -1)
{
    LayerInfo l;
    l.name = name;
    l.kind = LayerKind::Linear;
    l.weightShape = {out, in};
    l.weightParams = out * in;
    l.biasParams = bias ? out : 0;
    l.macsPerSample = macs;
    l.calls = 1;
    return l;
}

LayerInfo conv(const std::string& name, int64_t out, int64_t in, int64_t k, bool bias, int64_t macs = -1)
{
    LayerInfo l = linear(name, out, in * k * k, bias, macs);
    l.kind = LayerKind::Conv2d;
    l.weightShape = {out, in, k, k};
    return l;
}

LayerOption floatOption(NumberFormat format)
{
    LayerOption o;
    o.weight.format = format;
    o.weight.bits = formatBits(format);
    return o;
}

LayerOption intOption(int bits, Granularity granularity, bool symmetric = true, int groupSize = 128, int rank = 0)
{
    LayerOption o;
    o.weight.format = NumberFormat::Int;
    o.weight.bits = bits;
    o.weight.granularity = granularity;
    o.weight.groupSize = groupSize;
    o.weight.symmetric = symmetric;
    o.rank = rank;
    return o;
}

LayerOption withRank(LayerOption o, int rank)
{
    o.rank = rank;
    return o;
}

// fmnist_cnn as `bitlens-cli info` lists it; its BatchNorms hold the other 192 parameters.
std::vector<LayerInfo> demoCnn()
{
    return {conv("features.0", 32, 1, 3, false), conv("features.4", 64, 32, 3, false),
            linear("classifier.1", 128, 3136, true), linear("classifier.3", 10, 128, true)};
}
constexpr int64_t DemoCnnParams = 421738;

} // namespace

class TstMemoryCost : public QObject {
    Q_OBJECT

private slots:
    void layerBytes_data()
    {
        QTest::addColumn<LayerInfo>("layer");
        QTest::addColumn<LayerOption>("option");
        QTest::addColumn<qint64>("stored");
        QTest::addColumn<qint64>("payloadBits");
        QTest::addColumn<qint64>("scales");
        QTest::addColumn<qint64>("zeroPoints");
        QTest::addColumn<qint64>("metadataBytes");
        QTest::addColumn<qint64>("bytes");
        QTest::addColumn<double>("bitsPerWeight");
        const LayerInfo fc = linear("fc", 10, 128, true); // 1280 weights, 10 biases = 40 bytes
        const LayerInfo wide = linear("wide", 64, 128, false); // 8192 weights
        const LayerInfo cv = conv("conv", 32, 16, 3, true); // n = 16*3*3 = 144, 4608 weights

        QTest::newRow("fp32") << fc << LayerOption{} << 1280LL << 1280LL * 32 << 0LL << 0LL << 0LL
                              << 1280LL * 4 + 40 << 32.0;
        QTest::newRow("int4 per-channel sym") << fc << intOption(4, Granularity::PerChannel) << 1280LL << 5120LL
                                              << 10LL << 0LL << 20LL << 640LL + 20 + 40 << (5120 + 160) / 1280.0;
        QTest::newRow("int4 per-channel asym") << fc << intOption(4, Granularity::PerChannel, false) << 1280LL
                                               << 5120LL << 10LL << 10LL << 30LL << 640LL + 20 + 10 + 40
                                               << (5120 + 240) / 1280.0;
        QTest::newRow("int3 per-tensor") << fc << intOption(3, Granularity::PerTensor) << 1280LL << 3840LL << 1LL
                                         << 0LL << 2LL << 480LL + 2 + 40 << (3840 + 16) / 1280.0;
        // 1270 * 3 = 3810 bits = 476.25 bytes: the packed payload rounds up to whole bytes.
        QTest::newRow("int3 rounds up") << linear("odd", 10, 127, false) << intOption(3, Granularity::PerTensor)
                                        << 1270LL << 3810LL << 1LL << 0LL << 2LL << 477LL + 2
                                        << (3810 + 16) / 1270.0;
        QTest::newRow("int8 group32") << wide << intOption(8, Granularity::PerGroup, true, 32) << 8192LL
                                      << 65536LL << 64LL * 4 << 0LL << 512LL << 8192LL + 512
                                      << (65536 + 4096) / 8192.0;
        QTest::newRow("int16 asym") << wide << intOption(16, Granularity::PerChannel, false) << 8192LL
                                    << 8192LL * 16 << 64LL << 64LL << 128LL + 128 << 16384LL + 256
                                    << (131072 + 2048) / 8192.0;
        QTest::newRow("fp32 rank 8") << wide << withRank(LayerOption{}, 8) << 8LL * (64 + 128)
                                     << 1536LL * 32 << 0LL << 0LL << 0LL << 1536LL * 4 << 1536 * 32 / 8192.0;
        QTest::newRow("int4 per-channel rank 8") << wide << intOption(4, Granularity::PerChannel, true, 128, 8)
                                                 << 1536LL << 6144LL << 64LL + 8 << 0LL << 144LL << 768LL + 144
                                                 << (6144 + 1152) / 8192.0;
        QTest::newRow("int4 per-tensor rank 8") << wide << intOption(4, Granularity::PerTensor, true, 128, 8)
                                                << 1536LL << 6144LL << 2LL << 0LL << 4LL << 768LL + 4
                                                << (6144 + 32) / 8192.0;
        // U [64 x 8] in groups of 8: 64 scales; V [8 x 128]: 8 * 16 = 128 scales.
        QTest::newRow("int4 group8 asym rank 8") << wide << intOption(4, Granularity::PerGroup, false, 8, 8)
                                                 << 1536LL << 6144LL << 192LL << 192LL << 384LL + 192
                                                 << 768LL + 576 << (6144 + 576 * 8) / 8192.0;
        QTest::newRow("fp16") << fc << floatOption(NumberFormat::Float16) << 1280LL << 20480LL << 0LL << 0LL
                              << 0LL << 2560LL + 40 << 16.0;
        QTest::newRow("bf16") << fc << floatOption(NumberFormat::BFloat16) << 1280LL << 20480LL << 0LL << 0LL
                              << 0LL << 2560LL + 40 << 16.0;
        QTest::newRow("fp8 e4m3") << fc << floatOption(NumberFormat::Fp8E4M3) << 1280LL << 10240LL << 0LL << 0LL
                                  << 0LL << 1280LL + 40 << 8.0;
        QTest::newRow("fp8 e5m2") << fc << floatOption(NumberFormat::Fp8E5M2) << 1280LL << 10240LL << 0LL << 0LL
                                  << 0LL << 1280LL + 40 << 8.0;
        LayerOption fp16Grouped = floatOption(NumberFormat::Float16); // integer-only settings are inert
        fp16Grouped.weight.granularity = Granularity::PerGroup;
        fp16Grouped.weight.groupSize = 32;
        fp16Grouped.weight.symmetric = false;
        QTest::newRow("fp16 ignores int settings") << wide << fp16Grouped << 8192LL << 131072LL << 0LL << 0LL
                                                   << 0LL << 16384LL << 16.0;
        QTest::newRow("conv int4 per-channel") << cv << intOption(4, Granularity::PerChannel) << 4608LL
                                               << 18432LL << 32LL << 0LL << 64LL << 2304LL + 64 + 128
                                               << (18432 + 512) / 4608.0;
        QTest::newRow("conv int8 group48 asym") << cv << intOption(8, Granularity::PerGroup, false, 48) << 4608LL
                                                << 36864LL << 96LL << 96LL << 288LL << 4608LL + 288 + 128
                                                << (36864 + 2304) / 4608.0;
        QTest::newRow("conv fp32 rank 8") << cv << withRank(LayerOption{}, 8) << 8LL * (32 + 144)
                                          << 1408LL * 32 << 0LL << 0LL << 0LL << 1408LL * 4 + 128
                                          << 1408 * 32 / 4608.0;
    }

    void layerBytes()
    {
        QFETCH(LayerInfo, layer);
        QFETCH(LayerOption, option);
        QFETCH(qint64, stored);
        QFETCH(qint64, payloadBits);
        QFETCH(qint64, scales);
        QFETCH(qint64, zeroPoints);
        QFETCH(qint64, metadataBytes);
        QFETCH(qint64, bytes);
        QFETCH(double, bitsPerWeight);
        const LayerCost c = layerCost(layer, option);
        QCOMPARE(c.storedValues, stored);
        QCOMPARE(c.payloadBits, payloadBits);
        QCOMPARE(c.scaleCount, scales);
        QCOMPARE(c.zeroPointCount, zeroPoints);
        QCOMPARE(c.metadataBytes, metadataBytes);
        QCOMPARE(c.biasBytes, 4 * layer.biasParams);
        QCOMPARE(c.bytes, bytes);
        QCOMPARE(c.bitsPerWeight, bitsPerWeight);
    }

    void macsUnderRank()
    {
        // A 28x28 output map: every output position costs one MAC per weight.
        const LayerInfo cv = conv("conv", 32, 16, 3, false, 784LL * 32 * 144);
        QCOMPARE(layerCost(cv, LayerOption{}).macs, 784LL * 32 * 144);
        QCOMPARE(layerCost(cv, withRank(LayerOption{}, 8)).macs, 784LL * 8 * (32 + 144));
        QCOMPARE(layerCost(cv, intOption(4, Granularity::PerChannel)).macs, 784LL * 32 * 144);
        const LayerInfo fc = linear("fc", 64, 128, true, 8192);
        QCOMPARE(layerCost(fc, withRank(LayerOption{}, 16)).macs, 16LL * (64 + 128));
        LayerInfo embedding = linear("emb", 1000, 64, false, 0);
        embedding.kind = LayerKind::Embedding;
        QCOMPARE(layerCost(embedding, withRank(LayerOption{}, 8)).macs, 0LL);
    }

    void bops_data()
    {
        QTest::addColumn<LayerOption>("option");
        QTest::addColumn<qint64>("bops");
        const qint64 macs = 1280;
        LayerOption w4a8 = intOption(4, Granularity::PerChannel);
        w4a8.activation.format = NumberFormat::Int;
        w4a8.activation.bits = 8;
        QTest::newRow("w4 a8") << w4a8 << macs * 32;
        QTest::newRow("fp32") << LayerOption{} << macs * 32 * 32;
        QTest::newRow("w4 fp32 input") << intOption(4, Granularity::PerChannel) << macs * 4 * 32;
        LayerOption fp16fp8 = floatOption(NumberFormat::Float16);
        fp16fp8.activation.format = NumberFormat::Fp8E4M3;
        fp16fp8.activation.bits = 8;
        QTest::newRow("fp16 afp8") << fp16fp8 << macs * 16 * 8;
        QTest::newRow("w16 rank 5") << intOption(16, Granularity::PerChannel, true, 128, 5)
                                    << 5LL * (10 + 128) * 16 * 32;
    }

    void bops()
    {
        QFETCH(LayerOption, option);
        QFETCH(qint64, bops);
        QCOMPARE(layerCost(linear("fc", 10, 128, true, 1280), option).bops, bops);
    }

    void unknownMacs()
    {
        const LayerCost c = layerCost(linear("fc", 10, 128, true), intOption(4, Granularity::PerChannel));
        QCOMPARE(c.macs, -1LL);
        QCOMPARE(c.bops, 0LL);
        QCOMPARE(layerCost(linear("fc", 10, 128, true), withRank(LayerOption{}, 4)).macs, -1LL);
    }

    void planTotals()
    {
        const std::vector<LayerInfo> layers = {linear("a", 10, 128, true, 1280), linear("b", 64, 128, false, 8192)};
        const int64_t totalParams = 1290 + 8192 + 100; // 100 parameters outside the layers, e.g. norms
        CompressionPlan plan;
        plan.defaults = intOption(4, Granularity::PerChannel);
        plan.layers["b"] = floatOption(NumberFormat::Float16);
        const PlanCost p = planCost(layers, totalParams, plan);
        QCOMPARE(int(p.layers.size()), 2);
        QCOMPARE(p.layers[0].bytes, 640LL + 20 + 40);
        QCOMPARE(p.layers[1].bytes, 8192LL * 2);
        QCOMPARE(p.layerBytes, 700LL + 16384);
        QCOMPARE(p.otherBytes, 400LL);
        QCOMPARE(p.totalBytes, 700LL + 16384 + 400);
        QCOMPARE(p.fp32Bytes, 4LL * 9582);
        QCOMPARE(p.averageBits, (5120.0 + 160 + 8192 * 16) / (1280 + 8192));
        QCOMPARE(p.compressionRatio, 38328.0 / 17484.0);
        QCOMPARE(p.bops, 1280LL * 4 * 32 + 8192LL * 16 * 32);

        std::vector<LayerInfo> unprofiled = layers;
        unprofiled[1].macsPerSample = -1;
        const PlanCost q = planCost(unprofiled, totalParams, plan);
        QCOMPARE(q.bops, 0LL);
        QCOMPARE(q.totalBytes, p.totalBytes);
    }

    void demoCnnMatchesModel()
    {
        // Guards the hand-written list below against the shipped model drifting.
        const auto model = Model::load(testing::demoModel("fmnist_cnn").toStdString());
        const std::vector<LayerInfo> expected = demoCnn();
        QCOMPARE(model->layers().size(), expected.size());
        for (size_t i = 0; i < expected.size(); ++i) {
            QCOMPARE(QString::fromStdString(model->layers()[i].name), QString::fromStdString(expected[i].name));
            QCOMPARE(model->layers()[i].weightShape, expected[i].weightShape);
            QCOMPARE(model->layers()[i].weightParams, expected[i].weightParams);
            QCOMPARE(model->layers()[i].biasParams, expected[i].biasParams);
        }
        QCOMPARE(model->totalParams(), DemoCnnParams);
    }

    void demoCnnRatios()
    {
        const std::vector<LayerInfo> layers = demoCnn();
        const PlanCost fp32 = planCost(layers, DemoCnnParams, CompressionPlan{});
        QCOMPARE(fp32.totalBytes, 4 * DemoCnnParams);
        QCOMPARE(fp32.compressionRatio, 1.0);
        QCOMPARE(fp32.averageBits, 32.0);

        CompressionPlan int8;
        int8.defaults = intOption(8, Granularity::PerChannel);
        const PlanCost p = planCost(layers, DemoCnnParams, int8);
        // weights at one byte each + 2 bytes per output channel, biases and BatchNorm at fp32
        const int64_t layerBytes = (288 + 64) + (18432 + 128) + (401408 + 256 + 512) + (1280 + 20 + 40);
        QCOMPARE(p.layerBytes, layerBytes);
        QCOMPARE(p.otherBytes, 4LL * 192);
        QCOMPARE(p.totalBytes, layerBytes + 768);
        QCOMPARE(p.compressionRatio, 4.0 * DemoCnnParams / double(layerBytes + 768));
        QVERIFY2(p.compressionRatio > 3.98 && p.compressionRatio < 4.0, qPrintable(QString::number(p.compressionRatio)));
        QCOMPARE(p.averageBits, 8.0 + 16.0 * (32 + 64 + 128 + 10) / (288 + 18432 + 401408 + 1280));
    }
};

QTEST_GUILESS_MAIN(TstMemoryCost)
#include "tst_memory_cost.moc"
