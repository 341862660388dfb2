// Weight quantizers, float formats and low-rank factors, each checked against an independent
// implementation: ranges computed here from the weights alone (MSE by brute-force search),
// LibTorch's fake-quant ops, a brute-force fp8 table, Eigen's SVD.

// moc reads every header it finds; LibTorch's cost it ~8 s a suite and declare no QObject.
#ifndef Q_MOC_RUN
#include <torch/script.h>
#endif

#include "core/io/minifloat.h"
#include "core/quant/option_spec.h"
#include "core/quant/layer_compressor.h"
#include "core/quant/weight_quantizer.h"
#include "core/runtime.h"

#include "tests/support/dense_linalg.h"
#include <QtTest>

#include <algorithm>
#include <cmath>

using namespace bitlens;

namespace {

WeightQuant intQuant(int bits, Granularity g, bool symmetric, int groupSize = 128, WeightRange range = WeightRange::MinMax)
{
    WeightQuant q;
    q.format = NumberFormat::Int;
    q.bits = bits;
    q.granularity = g;
    q.symmetric = symmetric;
    q.groupSize = groupSize;
    q.range = range;
    return q;
}

// A conv-like weight with heavy tails: most values small, a few channels with outliers.
torch::Tensor testWeight(int64_t rows, int64_t cols, uint64_t seed)
{
    torch::manual_seed(seed);
    torch::Tensor w = torch::randn({rows, cols}) * 0.05;
    w.index_put_({torch::indexing::Slice(0, rows, 7), 3}, 0.9);
    return w;
}

float maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b)
{
    return (a - b).abs().max().item<float>();
}

// Every finite value of an fp8 format, decoded from its bit patterns.
std::vector<double> fp8Values(int exponentBits, int mantissaBits, int bias, bool e4m3)
{
    std::vector<double> values;
    for (int e = 0; e < (1 << exponentBits); ++e) {
        for (int m = 0; m < (1 << mantissaBits); ++m) {
            if (e4m3 && e == 15 && m == 7)
                continue; // E4M3fn: the one NaN pattern
            if (!e4m3 && e == 31)
                continue; // E5M2: infinities and NaNs
            const double frac = double(m) / double(1 << mantissaBits);
            values.push_back(e == 0 ? std::ldexp(frac, 1 - bias) : std::ldexp(1.0 + frac, e - bias));
        }
    }
    return values; // non-negative, ascending in bit order = ascending in value
}

// Nearest representable value, ties to the even bit pattern, saturating at the largest.
double bruteForceRound(double x, const std::vector<double>& table)
{
    const double a = std::abs(x);
    if (a >= table.back())
        return std::copysign(table.back(), x);
    size_t best = 0;
    for (size_t i = 1; i < table.size(); ++i) {
        const double di = std::abs(table[i] - a), db = std::abs(table[best] - a);
        if (di < db || (di == db && i % 2 == 0))
            best = i;
    }
    return std::copysign(table[best], x);
}

// A group's range, computed here from its values alone as the README defines it (PyTorch observer
// conventions): the min–max range widened to hold 0; symmetric: grid [-2^(b-1), 2^(b-1)-1],
// zero-point 0, scale max|x| / ((qmax − qmin) / 2); asymmetric: grid [0, 2^b − 1], scale
// (max − min) / (qmax − qmin), zero-point qmin − round(min / scale). Scales are stored as fp16
// (an all-zero group gets scale 1).
struct GroupRange {
    float scale;
    int64_t zeroPoint;
    int64_t qmin, qmax;
};

GroupRange observerRange(float lo, float hi, int bits, bool symmetric)
{
    GroupRange r{};
    r.qmin = symmetric ? -(int64_t(1) << (bits - 1)) : 0;
    r.qmax = symmetric ? (int64_t(1) << (bits - 1)) - 1 : (int64_t(1) << bits) - 1;
    lo = std::min(lo, 0.0f);
    hi = std::max(hi, 0.0f);
    const float exact = symmetric ? std::max(-lo, hi) / float(double(r.qmax - r.qmin) / 2.0) : (hi - lo) / float(r.qmax - r.qmin);
    r.scale = float(c10::Half(exact));
    if (!(r.scale > 0))
        r.scale = 1.0f;
    r.zeroPoint = symmetric ? 0 : std::clamp<int64_t>(r.qmin - int64_t(std::nearbyint(lo / r.scale)), r.qmin, r.qmax);
    return r;
}

// The squared error of quantizing `values` on that grid, round-half-even, clamped.
double squaredError(const std::vector<float>& values, const GroupRange& r)
{
    double sum = 0.0;
    for (float x : values) {
        const double code = std::clamp<double>(std::nearbyint(x / r.scale) + double(r.zeroPoint), double(r.qmin), double(r.qmax));
        const double d = (code - double(r.zeroPoint)) * r.scale - x;
        sum += d * d;
    }
    return sum;
}

// The MSE range by brute force: every clip ratio 1.0, 0.975, …, 0.325 of the min–max range, the
// one with the least squared error (the largest ratio among equals).
GroupRange bruteForceMseRange(const std::vector<float>& values, float lo, float hi, int bits, bool symmetric)
{
    GroupRange best = observerRange(lo, hi, bits, symmetric);
    double bestError = squaredError(values, best);
    for (int k = 1; k < 28; ++k) {
        const float ratio = float(1.0 - 0.025 * k);
        const GroupRange r = observerRange(lo * ratio, hi * ratio, bits, symmetric);
        const double error = squaredError(values, r);
        if (error < bestError) {
            best = r;
            bestError = error;
        }
    }
    return best;
}

// The groups of a [rows, cols] matrix, row by row: one (per tensor), one per row (per channel), or
// `groupSize` consecutive values of a row each (per group).
std::vector<std::vector<float>> groupsOf(const torch::Tensor& w, Granularity g, int64_t groupSize)
{
    const torch::Tensor m = w.contiguous();
    const float* v = m.data_ptr<float>();
    const int64_t total = m.numel();
    const int64_t size = g == Granularity::PerTensor ? total : g == Granularity::PerChannel ? m.size(1) : groupSize;
    std::vector<std::vector<float>> groups;
    for (int64_t start = 0; start < total; start += size)
        groups.emplace_back(v + start, v + start + size);
    return groups;
}

} // namespace

class TstQuantizers : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { configureThreads(); }

    void perChannelMatchesLibTorch_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("symmetric");
        for (int bits : {2, 3, 4, 8, 16}) {
            QTest::addRow("w%d sym", bits) << bits << true;
            QTest::addRow("w%d asym", bits) << bits << false;
        }
    }

    void perChannelMatchesLibTorch()
    {
        QFETCH(int, bits);
        QFETCH(bool, symmetric);
        const torch::Tensor w = testWeight(48, 147, 1);
        const QuantizedMatrix q = quantizeMatrix(w, intQuant(bits, Granularity::PerChannel, symmetric));
        QCOMPARE(q.scales.sizes(), (c10::IntArrayRef{48, 1}));
        const torch::Tensor reference = torch::fake_quantize_per_channel_affine(
            w, q.scales.squeeze(1), q.zeroPoints.squeeze(1), 0, q.qmin, q.qmax);
        QVERIFY(maxAbsDiff(q.dequantized, reference) <= 1e-6f);
        // The codes and scales a packed file stores give back exactly the fake-quantized weight.
        QCOMPARE(maxAbsDiff((q.codes - q.zeroPoints).to(torch::kFloat32) * q.scales, q.dequantized), 0.0f);
        QVERIFY(q.codes.min().item<int>() >= q.qmin && q.codes.max().item<int>() <= q.qmax);
        QVERIFY(torch::equal(q.scales, q.scales.to(torch::kHalf).to(torch::kFloat32)));
    }

    void rangesMatchFromScratch_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("granularity");
        QTest::addColumn<bool>("symmetric");
        QTest::addColumn<bool>("mse");
        const std::pair<Granularity, const char*> granularities[] = {
            {Granularity::PerTensor, "per-tensor"}, {Granularity::PerChannel, "per-channel"}, {Granularity::PerGroup, "group64"}};
        for (int bits : {3, 4, 8})
            for (const auto& [g, name] : granularities)
                for (bool symmetric : {true, false})
                    for (bool mse : {false, true})
                        QTest::addRow("w%d %s %s %s", bits, name, symmetric ? "sym" : "asym", mse ? "mse" : "minmax")
                            << bits << int(g) << symmetric << mse;
    }

    // The scales and zero-points BitLens chooses equal the ranges computed here from the weights
    // alone: min–max exactly, MSE with the least error a brute-force search over the clip ratios
    // finds (near-equal errors may pick either ratio; float sums differ in the last digits).
    void rangesMatchFromScratch()
    {
        QFETCH(int, bits);
        QFETCH(int, granularity);
        QFETCH(bool, symmetric);
        QFETCH(bool, mse);
        const auto g = Granularity(granularity);
        const torch::Tensor w = testWeight(24, 192, 7);
        const QuantizedMatrix q = quantizeMatrix(w, intQuant(bits, g, symmetric, 64, mse ? WeightRange::Mse : WeightRange::MinMax));
        const std::vector<std::vector<float>> groups = groupsOf(w, g, 64);
        const torch::Tensor scales = q.scales.contiguous().flatten();
        const torch::Tensor zeroPoints = q.zeroPoints.contiguous().flatten().to(torch::kInt64);
        QCOMPARE(size_t(scales.numel()), groups.size());
        int clipped = 0;
        for (size_t i = 0; i < groups.size(); ++i) {
            const std::vector<float>& values = groups[i];
            const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
            const GroupRange minmax = observerRange(*lo, *hi, bits, symmetric);
            const GroupRange expected = mse ? bruteForceMseRange(values, *lo, *hi, bits, symmetric) : minmax;
            QCOMPARE(q.qmin, expected.qmin);
            QCOMPARE(q.qmax, expected.qmax);
            GroupRange ours = expected;
            ours.scale = scales[int64_t(i)].item<float>();
            ours.zeroPoint = zeroPoints[int64_t(i)].item<int64_t>();
            if (!mse) {
                QCOMPARE(ours.scale, expected.scale);
                QCOMPARE(ours.zeroPoint, expected.zeroPoint);
                continue;
            }
            const double best = squaredError(values, expected);
            const double error = squaredError(values, ours);
            QVERIFY2(std::abs(error - best) <= 1e-5 * best + 1e-12,
                     qPrintable(QString("group %1: error %2, brute force %3").arg(i).arg(error, 0, 'g', 9).arg(best, 0, 'g', 9)));
            clipped += expected.scale != minmax.scale;
        }
        // At 3 and 4 bits the weight's outliers make clipping pay somewhere, so the search is
        // exercised (at 8 bits the min–max range is already the best).
        QVERIFY(!mse || bits == 8 || clipped > 0);
    }

    void perTensorMatchesLibTorch()
    {
        const torch::Tensor w = testWeight(32, 64, 2);
        for (bool symmetric : {true, false}) {
            const QuantizedMatrix q = quantizeMatrix(w, intQuant(4, Granularity::PerTensor, symmetric));
            QCOMPARE(q.scales.numel(), int64_t(1));
            const torch::Tensor reference = torch::fake_quantize_per_tensor_affine(
                w, q.scales.item<double>(), q.zeroPoints.item<int64_t>(), q.qmin, q.qmax);
            QVERIFY(maxAbsDiff(q.dequantized, reference) <= 1e-6f);
        }
    }

    void perGroupMatchesLibTorch()
    {
        const torch::Tensor w = testWeight(16, 256, 3);
        const QuantizedMatrix q = quantizeMatrix(w, intQuant(4, Granularity::PerGroup, false, 64));
        QCOMPARE(q.scales.sizes(), (c10::IntArrayRef{16, 4}));
        // Per group is per channel of the [rows * groups, groupSize] view.
        const torch::Tensor reference = torch::fake_quantize_per_channel_affine(
            w.reshape({64, 64}), q.scales.reshape({64}), q.zeroPoints.reshape({64}), 0, q.qmin, q.qmax);
        QVERIFY(maxAbsDiff(q.dequantized, reference.reshape({16, 256})) <= 1e-6f);
        QVERIFY_THROWS_EXCEPTION(PlanError, quantizeMatrix(w.slice(1, 0, 100), intQuant(4, Granularity::PerGroup, true, 64)));
    }

    void mseClippingBeatsMinMax()
    {
        const torch::Tensor w = testWeight(64, 288, 4);
        for (int bits : {3, 4}) {
            const auto minmax = quantizeMatrix(w, intQuant(bits, Granularity::PerChannel, true));
            const auto mse = quantizeMatrix(w, intQuant(bits, Granularity::PerChannel, true, 128, WeightRange::Mse));
            const torch::Tensor eMinmax = (minmax.dequantized - w).square().sum(1);
            const torch::Tensor eMse = (mse.dequantized - w).square().sum(1);
            QVERIFY((eMse <= eMinmax + 1e-9).all().item<bool>());   // never worse per channel
            QVERIFY(eMse.sum().item<double>() < 0.9 * eMinmax.sum().item<double>()); // and clearly better overall
            // Clipped ranges: outlier channels get scales below their min-max scales.
            QVERIFY((mse.scales < minmax.scales).any().item<bool>());
        }
    }

    void halfFormatsMatchLibTorchCasts()
    {
        const torch::Tensor w = testWeight(8, 100, 5) * 1000;
        QCOMPARE(maxAbsDiff(roundToFormat(w, NumberFormat::Float16), w.to(torch::kHalf).to(torch::kFloat32)), 0.0f);
        QCOMPARE(maxAbsDiff(roundToFormat(w, NumberFormat::BFloat16), w.to(torch::kBFloat16).to(torch::kFloat32)), 0.0f);
    }

    void fp8MatchesBruteForce_data()
    {
        QTest::addColumn<bool>("e4m3");
        QTest::newRow("E4M3") << true;
        QTest::newRow("E5M2") << false;
    }

    void fp8MatchesBruteForce()
    {
        QFETCH(bool, e4m3);
        const std::vector<double> table = e4m3 ? fp8Values(4, 3, 7, true) : fp8Values(5, 2, 15, false);
        QCOMPARE(table.back(), e4m3 ? 448.0 : 57344.0);
        // Every representable value, every midpoint (the ties), and random values over many scales.
        std::vector<float> inputs;
        for (size_t i = 0; i < table.size(); ++i) {
            inputs.push_back(float(table[i]));
            inputs.push_back(-float(table[i]));
            if (i + 1 < table.size())
                inputs.push_back(float((table[i] + table[i + 1]) / 2));
        }
        torch::manual_seed(6);
        const torch::Tensor random = torch::randn({2000}) * torch::exp2(torch::randint(-20, 18, {2000}).to(torch::kFloat32));
        for (int64_t i = 0; i < random.numel(); ++i)
            inputs.push_back(random[i].item<float>());
        inputs.push_back(1e6f);
        const torch::Tensor x = torch::tensor(inputs);
        const torch::Tensor ours = roundToFormat(x, e4m3 ? NumberFormat::Fp8E4M3 : NumberFormat::Fp8E5M2);
        for (int64_t i = 0; i < x.numel(); ++i) {
            const double expected = bruteForceRound(inputs[size_t(i)], table);
            const double got = ours[i].item<float>();
            if (got != expected)
                QFAIL(qPrintable(QString("%1 -> %2, brute force says %3").arg(inputs[size_t(i)], 0, 'g', 9).arg(got, 0, 'g', 9).arg(expected, 0, 'g', 9)));
        }
    }

    // The packed file's bit patterns: fp16/bf16 against LibTorch's own types for all 65,536
    // patterns, fp8 against the table built from the format's definition (index = pattern).
    void minifloatPatternsMatchReferences()
    {
        for (uint32_t bits = 0; bits < 65536; ++bits) {
            const c10::Half half(static_cast<uint16_t>(bits), c10::Half::from_bits());
            const c10::BFloat16 brain(static_cast<uint16_t>(bits), c10::BFloat16::from_bits());
            const float h = static_cast<float>(half);
            const float b = static_cast<float>(brain);
            if (std::isnan(h) != std::isnan(decodeMinifloat(uint16_t(bits), NumberFormat::Float16))
                || (!std::isnan(h) && h != decodeMinifloat(uint16_t(bits), NumberFormat::Float16)))
                QFAIL(qPrintable(QString("fp16 pattern %1").arg(bits, 4, 16)));
            if (!std::isnan(b) && b != decodeMinifloat(uint16_t(bits), NumberFormat::BFloat16))
                QFAIL(qPrintable(QString("bf16 pattern %1").arg(bits, 4, 16)));
            if (std::isfinite(h) && encodeMinifloat(h, NumberFormat::Float16) != bits)
                QFAIL(qPrintable(QString("fp16 encode %1").arg(bits, 4, 16)));
            if (std::isfinite(b) && encodeMinifloat(b, NumberFormat::BFloat16) != bits)
                QFAIL(qPrintable(QString("bf16 encode %1").arg(bits, 4, 16)));
        }
        for (const bool e4m3 : {true, false}) {
            const NumberFormat f = e4m3 ? NumberFormat::Fp8E4M3 : NumberFormat::Fp8E5M2;
            const std::vector<double> table = e4m3 ? fp8Values(4, 3, 7, true) : fp8Values(5, 2, 15, false);
            for (size_t i = 0; i < table.size(); ++i) {
                QCOMPARE(double(decodeMinifloat(uint16_t(i), f)), table[i]);
                QCOMPARE(double(decodeMinifloat(uint16_t(i | 0x80), f)), -table[i]);
                QCOMPARE(encodeMinifloat(float(table[i]), f), uint16_t(i));
                QCOMPARE(encodeMinifloat(-float(table[i]), f), uint16_t(i | 0x80));
            }
        }
    }

    // The grid the views overlay is the set the quantizer rounds to, per channel.
    void gridLevelsContainEveryQuantizedValue()
    {
        const torch::Tensor w = testWeight(6, 90, 3);
        for (const WeightQuant& quant : {intQuant(4, Granularity::PerChannel, true), intQuant(3, Granularity::PerChannel, false),
                                         optionFromSpec("fp8_e4m3").weight, optionFromSpec("fp8_e5m2").weight}) {
            const torch::Tensor q = quantizeMatrix(w, quant).dequantized;
            for (int64_t r = 0; r < w.size(0); ++r) {
                const std::vector<double> levels = quantizationLevels(quant, w[r].min().item<double>(), w[r].max().item<double>());
                QVERIFY(!levels.empty());
                if (quant.format == NumberFormat::Int)
                    QCOMPARE(levels.size(), size_t(1) << quant.bits);
                for (int64_t c = 0; c < w.size(1); ++c) {
                    const double v = q[r][c].item<double>();
                    const auto nearest = std::lower_bound(levels.begin(), levels.end(), v - 1e-7);
                    QVERIFY2(nearest != levels.end() && std::abs(*nearest - v) <= 1e-6 * std::max(1.0, std::abs(v)),
                             qPrintable(QStringLiteral("%1 not on the %2 grid").arg(v).arg(QString::fromStdString(nameOf(quant.format)))));
                }
            }
        }
        QVERIFY(quantizationLevels(optionFromSpec("fp16").weight, -1, 1).empty()); // too fine to draw
        QVERIFY(quantizationLevels(WeightQuant{}, -1, 1).empty());
    }

    void lowRankIsOptimalByEckartYoung()
    {
        const torch::Tensor w = testWeight(40, 90, 7);
        const torch::Tensor w64 = w.to(torch::kFloat64).contiguous();
        const std::vector<double> sigma = testing::singularValues(w64.data_ptr<double>(), 40, 90);
        for (int rank : {1, 5, 20, 40}) {
            LayerOption option;
            option.rank = rank;
            const CompressedWeight c = compressWeight(w, option);
            QVERIFY(c.left && c.right && !c.full);
            QCOMPARE(c.left->dequantized.sizes(), (c10::IntArrayRef{40, rank}));
            const double error = (c.effective.to(torch::kFloat64) - w.to(torch::kFloat64)).square().sum().item<double>();
            double optimum = 0.0;
            for (size_t k = size_t(rank); k < sigma.size(); ++k)
                optimum += sigma[k] * sigma[k];
            QVERIFY2(std::abs(error - optimum) <= 1e-6 + 1e-4 * optimum,
                     qPrintable(QString("rank %1: %2 vs %3").arg(rank).arg(error).arg(optimum)));
        }
    }

    void quantizedFactorsCombine()
    {
        const torch::Tensor w = testWeight(32, 16 * 9, 8).reshape({32, 16, 3, 3});
        LayerOption option;
        option.rank = 8;
        option.weight = intQuant(8, Granularity::PerChannel, true);
        const CompressedWeight c = compressWeight(w, option);
        QCOMPARE(c.effective.sizes(), w.sizes());
        const torch::Tensor product = torch::matmul(c.left->dequantized, c.right->dequantized).reshape(w.sizes());
        QCOMPARE(maxAbsDiff(product, c.effective), 0.0f);
        LayerOption fullRank;
        fullRank.rank = 8;
        const double lowRankOnly = (compressWeight(w, fullRank).effective - w).square().sum().item<double>();
        const double both = (c.effective - w).square().sum().item<double>();
        QVERIFY(both >= lowRankOnly * 0.999); // quantizing the factors adds error, never removes it
        QVERIFY(both < lowRankOnly * 1.05);   // at 8 bits, only a little
    }
};

QTEST_GUILESS_MAIN(TstQuantizers)
#include "tst_quantizers.moc"
