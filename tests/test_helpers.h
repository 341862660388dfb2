#pragma once
// Small checks several suites share: relative differences, the sentence an Error carries, and a
// Progress that asks to stop after a number of reports, as a user pressing Cancel would.

#include "core/errors.h"
#include "core/progress.h"

#include <QString>

#include <algorithm>
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

class CancelAfter final : public Progress {
public:
    explicit CancelAfter(int reports) : m_left(reports) {}
    void report(double, const std::string&) override { --m_left; }
    bool cancelled() const override { return m_left <= 0; }

private:
    int m_left;
};

} // namespace bitlens::testing
