#pragma once
// Process-wide compute settings. LibTorch from Debian starts with one intra-op thread; every entry
// point (CLI, GUI, tests, benchmarks) calls configureThreads() before measuring anything.

namespace bitlens {

// threads <= 0 means one per core. Also keeps freed memory in the heap for reuse (see runtime.cpp).
// Returns the count now in effect.
int configureThreads(int threads = 0);
int threadCount();
int coreCount();

// The version string written into outputs ("0.1.0").
const char* version();

} // namespace bitlens
