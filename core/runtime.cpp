#include "runtime.h"

#include <malloc.h>
#include <torch/version.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <thread>

namespace bitlens {

int coreCount()
{
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

void relaunchWithPassiveThreads(char** argv)
{
    if (std::getenv("OMP_WAIT_POLICY"))
        return;
    // Spinning OpenMP threads collapse under any other load: an evaluation beside one busy
    // process ran 16 s instead of 7 s on 2 cores with the default policy.
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    execv("/proc/self/exe", argv); // returns only on failure: run on with the default policy
}

int freeCoreCount()
{
    int busy = std::numeric_limits<int>::max();
    // Five looks 2 ms apart: a thread that is runnable in all of them is busy, not passing by.
    for (int i = 0; i < 5; ++i) {
        if (i > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        std::ifstream in("/proc/loadavg");
        double load1 = 0.0, load5 = 0.0, load15 = 0.0;
        int running = 0;
        char slash = 0;
        if (!(in >> load1 >> load5 >> load15 >> running >> slash) || slash != '/')
            return coreCount();
        busy = std::min(busy, running - 1); // this thread is one of them
    }
    return std::clamp(coreCount() - busy, 1, coreCount());
}

int configureThreads(int threads)
{
    // Each batch allocates activations of tens of MB. glibc serves those with mmap and returns
    // them with munmap, so every batch page-faults its buffers in again: 6.5 k vs 1.0 k images/s
    // for the small CNN here (README, Performance). Kept on the heap instead, they are reused;
    // the price is that the process keeps its peak heap.
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
    torch::set_num_threads(threads > 0 ? threads : freeCoreCount());
    return threadCount();
}

int threadCount()
{
    return torch::get_num_threads();
}

const char* version()
{
    return BITLENS_VERSION;
}

const char* libtorchVersion()
{
    return TORCH_VERSION;
}

} // namespace bitlens
