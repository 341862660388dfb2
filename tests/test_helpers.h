#pragma once
// Small checks several suites share: relative differences, the sentence an Error carries, and a
// Progress that asks to stop after a number of reports, as a user pressing Cancel would.

#include "core/errors.h"
#include "core/progress.h"

#include <QString>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>

namespace bitlens::testing {

inline double relDiff(double a, double b)
{
    return std::abs(a - b) / std::max(1e-12, std::max(std::abs(a), std::abs(b)));
}

// The message of the Error f() throws; empty when it throws none.
inline QString errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

// Cancelled once `reports` reports have arrived (0: from the start). The only cancelling Progress
// the suites share: "stop at the report after n" is CancelAfter(n + 1). Reports may come from
// worker threads, hence the atomic count.
class CancelAfter final : public Progress {
public:
    explicit CancelAfter(int reports) : m_after(reports) {}
    void report(double, const std::string&) override { ++m_reports; }
    bool cancelled() const override { return m_reports >= m_after; }

private:
    int m_after;
    std::atomic<int> m_reports{0};
};

} // namespace bitlens::testing
