#pragma once
// How long core computations report progress and learn they should stop. The GUI implements it
// over QPromise, the CLI over stderr; core never knows which.

#include <string>

namespace bitlens {

// Threading: report() and cancelled() are called from the thread running the computation;
// implementations must be safe to call from there while another thread requests cancellation.
class Progress {
public:
    virtual ~Progress() = default;
    // fraction in [0, 1]; message says what is being done now.
    virtual void report(double fraction, const std::string& message) = 0;
    virtual bool cancelled() const = 0;

    // Throws Cancelled when cancellation was requested; call between units of work.
    void checkCancelled() const;
};

// For callers that neither show progress nor cancel.
class NullProgress final : public Progress {
public:
    void report(double, const std::string&) override {}
    bool cancelled() const override { return false; }
};

// Maps a sub-task's [0, 1] onto [begin, end] of a parent's progress.
class SubProgress final : public Progress {
public:
    SubProgress(Progress& parent, double begin, double end)
        : m_parent(parent), m_begin(begin), m_end(end) {}
    void report(double fraction, const std::string& message) override
    {
        m_parent.report(m_begin + (m_end - m_begin) * fraction, message);
    }
    bool cancelled() const override { return m_parent.cancelled(); }

private:
    Progress& m_parent;
    double m_begin;
    double m_end;
};

} // namespace bitlens
