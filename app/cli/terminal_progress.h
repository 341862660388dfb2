#pragma once
// bitlens-cli's progress on stderr: a one-line bar with the ETA at a terminal, a progress line at
// most every 5 s when stderr is a pipe or a file (batch jobs, ssh), nothing with --quiet.

#include "cli_args.h"

#include "core/progress.h"

#include <chrono>

namespace bitlens::cli {

// Threading: used from the thread that runs the command; never cancels.
class TerminalProgress final : public Progress {
public:
    explicit TerminalProgress(const CliArgs& args);
    ~TerminalProgress() override;
    void report(double fraction, const std::string& message) override;
    bool cancelled() const override { return false; }

private:
    enum class Mode { Bar, Lines, Silent };
    using Clock = std::chrono::steady_clock;
    // "37% Hessian of fc1 (layer 3 of 12), 1m12s elapsed, ETA 2m03s"
    std::string status(double fraction, const std::string& message) const;

    Mode m_mode;
    Clock::time_point m_start = Clock::now();
    Clock::time_point m_lastLine = m_start;
    bool m_shown = false;
};

// "45s", "12m05s", "3h02m"
std::string durationText(double seconds);

} // namespace bitlens::cli
