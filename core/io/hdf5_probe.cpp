#include "hdf5_probe.h"

#include "../errors.h"
#include "../runtime.h"

#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace bitlens {
namespace {

// The child's exit codes: read() returned, or threw. Anything else — a signal, a sanitizer's
// exit code — is a crash.
constexpr int kRead = 0;
constexpr int kThrew = 3;

std::chrono::seconds timeLimit(const std::string& path)
{
    std::error_code ec;
    const uintmax_t bytes = std::filesystem::file_size(path, ec);
    return std::chrono::seconds(30 + (ec ? 0 : bytes / 100'000'000));
}

[[noreturn]] void runChild(const std::function<void()>& read)
{
    // The parent says what went wrong; whatever the library prints on its way down is noise.
    if (const int null = ::open("/dev/null", O_WRONLY); null >= 0)
        ::dup2(null, STDERR_FILENO);
    int code = kRead;
    try {
        // The parent's OpenMP threads did not come along: a parallel region could wait for them
        // for ever. On one thread LibTorch runs no region (a packed layer's transform is undone
        // with LibTorch ops).
        configureThreads(1);
        read();
    } catch (...) {
        code = kThrew;
    }
    ::_exit(code); // no atexit handlers, no flushing of the parent's buffers twice
}

} // namespace

void probeHdf5File(const std::string& path, const std::function<void()>& read, std::chrono::seconds limit)
{
    const pid_t child = ::fork();
    if (child < 0)
        return;
    if (child == 0)
        runChild(read);
    if (limit.count() <= 0)
        limit = timeLimit(path);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    auto pause = std::chrono::microseconds(100);
    int status = 0;
    for (;;) {
        const pid_t done = ::waitpid(child, &status, WNOHANG);
        if (done == child)
            break;
        if (done < 0 && errno != EINTR)
            return;
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(child, SIGKILL);
            ::waitpid(child, &status, 0);
            throw Error(path + ": reading it did not finish in " + std::to_string(limit.count())
                        + " s (the HDF5 library loops on some damaged files); the file is damaged");
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::microseconds(20'000));
    }
    if (WIFSIGNALED(status))
        throw Error(path + ": the HDF5 library crashed reading it (" + std::string(strsignal(WTERMSIG(status)))
                    + "); the file is damaged");
    if (WIFEXITED(status) && WEXITSTATUS(status) != kRead && WEXITSTATUS(status) != kThrew)
        // A sanitizer's report, in the sanitized build.
        throw Error(path + ": the HDF5 library crashed reading it (exit code " + std::to_string(WEXITSTATUS(status))
                    + "); the file is damaged");
}

} // namespace bitlens
