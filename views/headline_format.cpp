#include "headline_format.h"

#include "format.h"

#include <QObject>

#include <cmath>

namespace bitlens::views {

QString HeadlineFormat::name() const
{
    return languageModel() ? QObject::tr("Perplexity") : QObject::tr("Top-1");
}

QString HeadlineFormat::noun() const
{
    return languageModel() ? QObject::tr("perplexity") : QObject::tr("top-1");
}

QString HeadlineFormat::axisLabel() const
{
    return languageModel() ? QObject::tr("perplexity (lower is better)") : QObject::tr("top-1 accuracy (%)");
}

double HeadlineFormat::axisValue(double value) const
{
    return languageModel() ? value : 100.0 * value;
}

QString HeadlineFormat::text(double value) const
{
    if (!std::isfinite(value))
        return QStringLiteral("∞"); // the upper end of an interval over fewer than two windows
    return languageModel() ? QString::number(value, 'f', 3) : percent(value);
}

QString HeadlineFormat::change(double from, double to) const
{
    const auto sign = [](double v) { return v > 0 ? QStringLiteral("+") : QString(); };
    if (!languageModel()) {
        const double points = 100.0 * (to - from);
        return sign(points) + QObject::tr("%1 pp").arg(points, 0, 'f', 2);
    }
    // Perplexity is a ratio scale: the relative change reads the same at any baseline.
    const double relative = from > 0 ? 100.0 * (to / from - 1.0) : 0.0;
    return sign(to - from) + QString::number(to - from, 'f', 3) + QStringLiteral(" (") + sign(relative)
           + QString::number(relative, 'f', 1) + QStringLiteral(" %)");
}

QString headlineIntervalText(const EvalResult& r)
{
    const HeadlineFormat format(r.task);
    const Interval ci = headlineInterval(r);
    // Top-1's interval ends to one decimal; perplexity's in the value's own precision.
    const auto end = [&format](double v) { return format.languageModel() ? format.text(v) : percent(v, 1); };
    return QObject::tr("95 % CI %1 – %2").arg(end(ci.low), end(ci.high));
}

QString headlineWithInterval(const EvalResult& r)
{
    return QStringLiteral("%1 (%2)").arg(HeadlineFormat(r.task).text(headlineValue(r)), headlineIntervalText(r));
}

} // namespace bitlens::views
