#include "symlog.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace bitlens::views {
namespace {

QString decadeText(double value)
{
    const int exponent = int(std::lround(std::log10(value)));
    if (exponent >= -2 && exponent <= 3)
        return QString::number(value, 'g', 6);
    static const QString superscripts = QStringLiteral("⁰¹²³⁴⁵⁶⁷⁸⁹");
    QString text = QStringLiteral("10");
    if (exponent < 0)
        text += QStringLiteral("⁻");
    for (QChar digit : QString::number(std::abs(exponent)))
        text += superscripts[digit.digitValue()];
    return text;
}

} // namespace

double SymLog::toAxis(double x) const
{
    return std::copysign(std::log10(1.0 + std::abs(x) / scale), x);
}

SymLog SymLog::fitting(const std::vector<double>& values)
{
    std::vector<double> magnitudes;
    for (double v : values)
        if (std::isfinite(v) && v != 0.0)
            magnitudes.push_back(std::abs(v));
    if (magnitudes.empty())
        return {};
    const auto tenth = magnitudes.begin() + std::ptrdiff_t(magnitudes.size() / 10);
    std::nth_element(magnitudes.begin(), tenth, magnitudes.end());
    return {std::pow(10.0, std::floor(std::log10(*tenth)))};
}

QSharedPointer<QCPAxisTicker> SymLog::ticker() const
{
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    ticker->addTick(0.0, QStringLiteral("0"));
    for (int k = 1; k <= 15; ++k) { // ±scale itself would crowd the 0 label
        const double v = scale * std::pow(10.0, k);
        ticker->addTick(toAxis(v), decadeText(v));
        ticker->addTick(toAxis(-v), QStringLiteral("−") + decadeText(v));
    }
    return ticker;
}

QString SymLog::formula(const QString& symbol) const
{
    return QStringLiteral("sign(%1)·log10(1 + |%1| / %2)").arg(symbol, decadeText(scale));
}

} // namespace bitlens::views
