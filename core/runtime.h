#pragma once
// Process-wide compute settings. LibTorch from Debian starts with one intra-op thread; every entry
// point (CLI, GUI, tests, benchmarks) calls configureThreads() before measuring anything.

namespace bitlens {

// Call first in main(): unless OMP_WAIT_POLICY is set, sets it to PASSIVE and re-executes the
// program, because OpenMP reads it once, when LibTorch is loaded. Idle OpenMP threads then sleep
// instead of spinning, which is what lets BitLens share a machine (README, Performance).
void relaunchWithPassiveThreads(char** argv);

// threads <= 0 means one per free core (freeCoreCount). Also keeps freed memory in the heap for
// reuse (see runtime.cpp). Returns the count now in effect.
int configureThreads(int threads = 0);
int threadCount();
int coreCount();
// The cores not taken by other runnable threads right now (at least 1): the fewest of a few
// samples of /proc/loadavg's runnable count, less this thread.
int freeCoreCount();

// The version string written into outputs ("0.1.0").
const char* version();
// The LibTorch BitLens was built against ("1.13.0"), for messages about operators it lacks.
const char* libtorchVersion();

} // namespace bitlens
