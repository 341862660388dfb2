#include "runtime.h"

#include <thread>

namespace bitlens {

int coreCount()
{
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

int configureThreads(int threads)
{
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
