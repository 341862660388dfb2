#pragma once
// What a file may claim before BitLens allocates for it. A damaged or hostile file can say it
// holds 2^60 values; readers check such counts here and refuse them in one sentence, before any
// allocation, instead of dying in std::bad_alloc or the kernel's OOM killer.

#include <cstdint>
#include <string>
#include <vector>

namespace bitlens {

uint64_t physicalMemoryBytes();

// "1.5 GB", "640 B": sizes in messages.
std::string byteText(double bytes);

// count × elementBytes; throws Error "`what` claims COUNT values (BYTES), more than this machine's
// memory (MEMORY)" when the product overflows or exceeds physical memory.
uint64_t checkedBytes(uint64_t count, uint64_t elementBytes, const std::string& what);

// The product of `dims`, refused like checkedBytes when it overflows.
uint64_t checkedCount(const std::vector<uint64_t>& dims, const std::string& what);

} // namespace bitlens
