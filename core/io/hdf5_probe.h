#pragma once
// Reading a file in a child process first, for readers built on a library that can crash or hang
// on damaged input. libhdf5 1.10.8 (Debian 12) does both, found by fuzzing (README
// "Reliability"): a heap overrun decoding a damaged attribute message, an endless loop in a
// damaged global heap. BitLens cannot fix the library, so every HDF5 file it did not just write
// is read once in a fork: a crash or a hang there becomes one sentence here instead of a dead or
// frozen workbench, and only a file the child read to the end is read again for real.

#include <chrono>
#include <functional>
#include <string>

namespace bitlens {

// Runs `read` in a forked child and waits for it: up to `limit`, by default (0) 30 s plus 1 s per
// 100 MB of `path`. Returns when the child finished, whether `read` returned or threw (the
// caller's own read then reports what it threw). Throws Error naming `path` when the child died
// or ran out of time. Where fork fails, returns at once and the caller reads in-process as before.
void probeHdf5File(const std::string& path, const std::function<void()>& read,
                   std::chrono::seconds limit = std::chrono::seconds(0));

} // namespace bitlens
