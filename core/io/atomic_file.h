#pragma once
// Never a half-written output: write to a temporary file beside the target, then rename it over
// the target on commit(). Without commit() (an exception on the way), the temporary is removed.

#include <functional>
#include <string>

namespace bitlens {

// Ownership: owns the temporary file until commit(). Threading: one thread.
class AtomicFile {
public:
    // Throws Error naming `path` when its folder does not exist or is not writable.
    explicit AtomicFile(std::string path);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    const std::string& path() const { return m_path; }
    const std::string& temporaryPath() const { return m_temporary; }
    // Runs writer(temporaryPath()). Writers name the file they write in their errors; the user
    // knows the target, so an Error naming the temporary is rethrown naming the target.
    void write(const std::function<void(const std::string&)>& writer);
    // Throws Error naming the target when the rename fails.
    void commit();

private:
    std::string m_path;
    std::string m_temporary;
    bool m_committed = false;
};

// Writes `bytes` to `path` (no temporary); throws Error naming `path` and the cause.
void writeWholeFile(const std::string& path, const std::string& bytes);

// writeWholeFile through an AtomicFile.
void replaceWholeFile(const std::string& path, const std::string& bytes);

} // namespace bitlens
