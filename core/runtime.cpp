#include "runtime.h"

#include <malloc.h>

#include <climits>
#include <thread>

namespace bitlens {

int coreCount()
{
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

int configureThreads(int threads)
{
    // Each batch allocates activations of tens of MB. glibc serves those with mmap and returns
    // them with munmap, so every batch page-faults its buffers in again: 6.5 k vs 1.0 k images/s
    // for the small CNN here (README, Performance). Kept on the heap instead, they are reused;
    // the price is that the process keeps its peak heap.
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
    torch::set_num_threads(threads > 0 ? threads : coreCount());
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

} // namespace bitlens
