#pragma once
// A symmetric-log axis for ΔLoss, which is negative in LLC's lossless neighbourhood and spans
// decades elsewhere. Threading: no shared state.

#include <QSharedPointer>
#include <QString>

#include <vector>

class QCPAxisTicker;

namespace bitlens::views {

// Symmetric log: t = sign(x)·log10(1 + |x|/scale), linear near zero and logarithmic beyond
// `scale`, so negative ΔLoss has a place on a log-like axis.
struct SymLog {
    double scale = 1.0;
    double toAxis(double x) const;
    // scale = the power of ten at or below the 10th percentile of the non-zero finite |values|.
    static SymLog fitting(const std::vector<double>& values);
    // Ticks at 0 and ±scale·10^k, k ≥ 1, labelled with the untransformed values.
    QSharedPointer<QCPAxisTicker> ticker() const;
    QString formula(const QString& symbol) const; // "sign(ΔL)·log10(1 + |ΔL| / 10⁻⁴)"
};

} // namespace bitlens::views
