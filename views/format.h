#pragma once
// How numbers read in every view: 1.23 M, 92.13 %, 4.2 MB, 0.0123.

#include <QString>

#include <cstdint>
#include <vector>

namespace bitlens::views {

QString humanCount(double value);   // 421.5 k, 4.24 M, 1.10 G
QString percent(double fraction, int decimals = 2);
QString shapeText(const std::vector<int64_t>& shape);
// A finite value as text with `digits` significant digits; "not defined" for NaN and infinities.
QString valueText(double value, int digits = 4);

} // namespace bitlens::views
