#include "format.h"

#include <QObject>
#include <QStringList>

#include <cmath>
#include <vector>

namespace bitlens::views {

QString humanCount(double value)
{
    if (value < 0)
        return QStringLiteral("–");
    if (value >= 1e9)
        return QString::number(value / 1e9, 'f', 2) + QStringLiteral(" G");
    if (value >= 1e6)
        return QString::number(value / 1e6, 'f', 2) + QStringLiteral(" M");
    if (value >= 1e3)
        return QString::number(value / 1e3, 'f', 1) + QStringLiteral(" k");
    return QString::number(value, 'f', 0);
}

QString percent(double fraction, int decimals)
{
    return QString::number(100.0 * fraction, 'f', decimals) + QStringLiteral(" %");
}

QString shapeText(const std::vector<int64_t>& shape)
{
    QStringList parts;
    for (int64_t d : shape)
        parts << QString::number(d);
    return parts.join(QStringLiteral("×"));
}

QString valueText(double value, int digits)
{
    return std::isfinite(value) ? QString::number(value, 'g', digits) : QObject::tr("not defined");
}

} // namespace bitlens::views
