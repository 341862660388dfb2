// One libFuzzer target per reader of file_readers.h; BITLENS_FUZZ_READER names which.
#include "file_readers.h"

#include "core/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const bitlens::fuzz::ByteReader read = bitlens::fuzz::readerFor(BITLENS_FUZZ_READER);
    try {
        read(data, size);
    } catch (const bitlens::Error&) {
        // Refused in one sentence: what a damaged file should get.
    }
    return 0;
}
