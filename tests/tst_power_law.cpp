// fitPowerLaw against planted Pareto tails, a tail behind a bulk, degenerate input and a brute-force
// reference of the Clauset-Shalizi-Newman estimator.

#include "core/stats/power_law.h"

#include <QtTest>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace bitlens;

namespace {

// Straight from the generator's bits: std::uniform_real_distribution differs between standard
// libraries, and these tests must draw the same samples everywhere.
double uniform01(std::mt19937_64& rng)
{
    return double(rng() >> 11) * 0x1.0p-53;
}

void addPareto(std::vector<double>& out, int n, double alpha, double xmin, std::mt19937_64& rng)
{
    for (int i = 0; i < n; ++i)
        out.push_back(xmin * std::pow(1.0 - uniform01(rng), -1.0 / (alpha - 1.0)));
}

// O(n²) transcription of the estimator over every distinct candidate, to check the fast one.
PowerLawFit referenceFit(std::vector<double> x, int minTail)
{
    std::vector<double> kept;
    for (double v : x)
        if (std::isfinite(v) && v > 0)
            kept.push_back(v);
    std::sort(kept.begin(), kept.end());
    PowerLawFit best;
    for (size_t s = 0; s < kept.size(); ++s) {
        const size_t m = kept.size() - s;
        if ((s > 0 && kept[s] == kept[s - 1]) || m < size_t(minTail) || kept[s] == kept.back())
            continue;
        double logSum = 0;
        for (size_t i = s; i < kept.size(); ++i)
            logSum += std::log(kept[i] / kept[s]);
        const double alpha = 1 + double(m) / logSum;
        double d = 0;
        for (size_t k = 0; k < m; ++k) {
            const double f = 1 - std::pow(kept[s + k] / kept[s], 1 - alpha);
            d = std::max({d, std::abs(f - double(k) / m), std::abs(f - double(k + 1) / m)});
        }
        if (!best.valid || d < best.ksDistance)
            best = {alpha, kept[s], d, int64_t(m), true};
    }
    return best;
}

} // namespace

class TstPowerLaw : public QObject {
    Q_OBJECT

private slots:
    void plantedPareto_data()
    {
        QTest::addColumn<double>("alpha");
        QTest::addColumn<quint64>("seed");
        // Distinct seeds: the fit is invariant under x -> c·x^p, so one seed for every alpha would
        // test the same ranks four times.
        QTest::newRow("alpha 2.0") << 2.0 << quint64(1);
        QTest::newRow("alpha 2.5") << 2.5 << quint64(2);
        QTest::newRow("alpha 3.5") << 3.5 << quint64(3);
        QTest::newRow("alpha 5.0") << 5.0 << quint64(4);
    }

    void plantedPareto()
    {
        QFETCH(double, alpha);
        QFETCH(quint64, seed);
        const double xmin = 0.5;
        std::mt19937_64 rng(seed);
        std::vector<double> x;
        addPareto(x, 5000, alpha, xmin, rng);
        const PowerLawFit fit = fitPowerLaw(x);
        qInfo("planted alpha %.2f: fitted %.4f, xmin %.4f, tail %lld, KS %.4f", alpha, fit.alpha, fit.xmin,
              (long long)fit.tailCount, fit.ksDistance);
        QVERIFY(fit.valid);
        QVERIFY2(std::abs(fit.alpha - alpha) <= 0.1, qPrintable(QString::number(fit.alpha)));
        QVERIFY(fit.xmin >= xmin / 2 && fit.xmin <= xmin * 2);
        QVERIFY(fit.tailCount >= 10 && fit.tailCount <= 5000);
        QVERIFY(fit.ksDistance > 0 && fit.ksDistance < 0.05);
    }

    void tailBehindBulk_data()
    {
        QTest::addColumn<double>("alpha");
        QTest::addColumn<quint64>("seed");
        QTest::newRow("alpha 2.0") << 2.0 << quint64(11);
        QTest::newRow("alpha 2.5") << 2.5 << quint64(12);
        QTest::newRow("alpha 3.5") << 3.5 << quint64(13);
    }

    void tailBehindBulk()
    {
        QFETCH(double, alpha);
        QFETCH(quint64, seed);
        const double xmin = 1.0;
        std::mt19937_64 rng(seed);
        std::vector<double> x;
        for (int i = 0; i < 3000; ++i)
            x.push_back(0.01 + (xmin - 0.01) * uniform01(rng));
        addPareto(x, 2000, alpha, xmin, rng);
        const PowerLawFit fit = fitPowerLaw(x);
        qInfo("planted alpha %.2f behind a bulk: fitted %.4f, xmin %.4f, tail %lld", alpha, fit.alpha, fit.xmin,
              (long long)fit.tailCount);
        QVERIFY(fit.valid);
        QVERIFY2(std::abs(fit.alpha - alpha) <= 0.15, qPrintable(QString::number(fit.alpha)));
        QVERIFY(fit.xmin >= 0.5 * xmin);
        // Fitting from the smallest sample instead would flatten the exponent far below the planted one.
        QVERIFY(fit.tailCount < 5000);
    }

    void degenerateInput()
    {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        const double inf = std::numeric_limits<double>::infinity();
        QVERIFY(!fitPowerLaw({}).valid);
        QVERIFY(!fitPowerLaw(std::vector<double>(100, 3.0)).valid);
        QVERIFY(!fitPowerLaw({1, 2, 3, 4, 5, 6, 7, 8, 9}, 10).valid);
        QVERIFY(!fitPowerLaw({-1, -2, nan, inf, -inf, 0, 0, nan, -5, -6, -7, -8}).valid);
        // Junk does not count towards minTail.
        QVERIFY(!fitPowerLaw({1, 2, 3, 4, 5, nan, -1, -2, 0, inf, -inf}, 10).valid);
        // A tail of equal values has no exponent (alpha would be infinite, the KS distance NaN), so
        // it must never win, even with minTail small enough to allow it.
        const PowerLawFit tied = fitPowerLaw({1, 7, 7, 7, 7}, 2);
        QVERIFY(tied.valid);
        QCOMPARE(tied.xmin, 1.0);
        QVERIFY(std::isfinite(tied.alpha) && std::abs(tied.alpha - (1 + 5 / (4 * std::log(7.0)))) < 1e-12);
        const PowerLawFit none = fitPowerLaw({});
        QCOMPARE(none.alpha, 0.0);
        QCOMPARE(none.tailCount, int64_t(0));
    }

    void junkIsIgnored()
    {
        std::mt19937_64 rng(21);
        std::vector<double> x;
        addPareto(x, 1000, 2.5, 0.3, rng);
        const PowerLawFit clean = fitPowerLaw(x);
        for (double junk : {-1.0, 0.0, std::nan(""), HUGE_VAL, -HUGE_VAL, -0.0})
            x.insert(x.begin() + 37, 25, junk);
        const PowerLawFit dirty = fitPowerLaw(x);
        QVERIFY(clean.valid && dirty.valid);
        QCOMPARE(dirty.alpha, clean.alpha);
        QCOMPARE(dirty.xmin, clean.xmin);
        QCOMPARE(dirty.tailCount, clean.tailCount);
    }

    void handComputed()
    {
        // One candidate only: xmin = 1, alpha = 1 + 4 / (ln 1 + ln 2 + ln 4 + ln 8) = 1 + 2 / (3 ln 2).
        const PowerLawFit fit = fitPowerLaw({8, 2, 4, 1}, 4);
        QVERIFY(fit.valid);
        QCOMPARE(fit.xmin, 1.0);
        QCOMPARE(fit.tailCount, int64_t(4));
        QVERIFY(std::abs(fit.alpha - (1 + 4 / (std::log(1) + std::log(2) + std::log(4) + std::log(8)))) < 1e-12);
        // At x = 1 the fitted CDF is 0 while the empirical one jumps to 1/4.
        QVERIFY(std::abs(fit.ksDistance - 0.25) < 1e-12);

        // Two candidates: xmin = 1 (D = 1/4) against xmin = 2 over {2, 4, 8}: alpha = 1 + 3 / (3 ln 2),
        // D = 1/3 at x = 2. The smaller distance wins.
        const PowerLawFit two = fitPowerLaw({1, 2, 4, 8}, 3);
        QCOMPARE(two.xmin, 1.0);
        // {1, 10, 11, 12}: the gap after 1 fits poorly, so xmin moves to 10.
        const PowerLawFit gap = fitPowerLaw({1, 10, 11, 12}, 3);
        QCOMPARE(gap.xmin, 10.0);
        QCOMPARE(gap.tailCount, int64_t(3));
        const double expected = 1 + 3 / (std::log(10.0 / 10) + std::log(11.0 / 10) + std::log(12.0 / 10));
        QVERIFY(std::abs(gap.alpha - expected) < 1e-12);
    }

    void matchesReference()
    {
        // Small random sets with ties and junk: every distinct value is a candidate, so the fast
        // estimator must agree with the O(n²) one exactly (up to rounding).
        std::mt19937_64 rng(31);
        for (int round = 0; round < 200; ++round) {
            const int n = 5 + int(rng() % 300);
            const int minTail = 2 + int(rng() % 20);
            std::vector<double> x;
            addPareto(x, n, 1.5 + 3 * uniform01(rng), 0.1 + uniform01(rng), rng);
            for (double& v : x)
                if (rng() % 3 == 0)
                    v = std::round(v * 10) / 10; // ties
            if (round % 4 == 0)
                x.push_back(-1.0);
            const PowerLawFit fast = fitPowerLaw(x, minTail);
            const PowerLawFit ref = referenceFit(x, minTail);
            QCOMPARE(fast.valid, ref.valid);
            if (!ref.valid)
                continue;
            QCOMPARE(fast.xmin, ref.xmin);
            QCOMPARE(fast.tailCount, ref.tailCount);
            QVERIFY(std::abs(fast.alpha - ref.alpha) < 1e-9 * ref.alpha);
            QVERIFY(std::abs(fast.ksDistance - ref.ksDistance) < 1e-9);
        }
    }

    void subsampledCandidates()
    {
        // 6000 distinct values exceed the 2000-candidate cap; the subsampled search must land close
        // to the exhaustive one.
        std::mt19937_64 rng(41);
        std::vector<double> x;
        for (int i = 0; i < 4000; ++i)
            x.push_back(0.01 + 0.99 * uniform01(rng));
        addPareto(x, 2000, 3.0, 1.0, rng);
        const PowerLawFit fast = fitPowerLaw(x);
        const PowerLawFit ref = referenceFit(x, 10);
        QVERIFY(fast.valid && ref.valid);
        QVERIFY(fast.ksDistance >= ref.ksDistance - 1e-12);
        QVERIFY(fast.ksDistance <= ref.ksDistance + 0.005);
        QVERIFY(std::abs(fast.alpha - ref.alpha) < 0.05);
    }
};

QTEST_GUILESS_MAIN(TstPowerLaw)
#include "tst_power_law.moc"
