#include "terminal_progress.h"

#include "core/stopwatch.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <unistd.h>

namespace bitlens::cli {
namespace {

// A log line every 5 s is enough to see a long run move; a short command prints none at all.
constexpr double kLineInterval = 5.0;

} // namespace

TerminalProgress::TerminalProgress(const CliArgs& args)
    : m_mode(args.has("quiet") ? Mode::Silent : isatty(STDERR_FILENO) ? Mode::Bar : Mode::Lines)
{
}

TerminalProgress::~TerminalProgress()
{
    if (m_mode == Mode::Bar && m_shown)
        std::fprintf(stderr, "\r\033[K");
}

void TerminalProgress::report(double fraction, const std::string& message)
{
    if (m_mode == Mode::Bar) {
        std::fprintf(stderr, "\r\033[K[%s", status(fraction, message).c_str());
        m_shown = true;
        return;
    }
    if (m_mode == Mode::Lines && secondsSince(m_lastLine) >= kLineInterval) {
        m_lastLine = Clock::now();
        // Named as the program's errors are: bitlens-cli, or bitlens-report which it runs.
        std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, status(fraction, message).c_str());
        std::fflush(stderr);
    }
}

std::string TerminalProgress::status(double fraction, const std::string& message) const
{
    const double elapsed = secondsSince(m_start);
    char percent[16];
    std::snprintf(percent, sizeof percent, "%3.0f%%", 100.0 * fraction);
    std::string text = std::string(percent) + (m_mode == Mode::Bar ? "] " : " ") + message + ", "
                       + durationText(elapsed) + " elapsed";
    // Early fractions extrapolate badly (loading, the first batch): no ETA before 2 %.
    if (fraction >= 0.02 && fraction < 1.0)
        text += ", ETA " + durationText(elapsed * (1.0 - fraction) / fraction);
    return text;
}

std::string durationText(double seconds)
{
    const long long s = std::llround(std::max(0.0, seconds));
    char buf[32];
    if (s < 60)
        std::snprintf(buf, sizeof buf, "%llds", s);
    else if (s < 3600)
        std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
    return buf;
}

} // namespace bitlens::cli
