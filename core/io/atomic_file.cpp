#include "atomic_file.h"

#include "../errors.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace bitlens {

AtomicFile::AtomicFile(std::string path) : m_path(std::move(path))
{
    if (m_path.empty()) // fs::absolute("") throws its own exception type
        throw Error("cannot write a file with an empty name");
    std::error_code ec;
    const fs::path folder = fs::absolute(m_path, ec).parent_path();
    if (fs::exists(folder, ec) && !fs::is_directory(folder, ec))
        throw Error(m_path + ": cannot write (" + folder.string() + " is not a folder)");
    if (!fs::is_directory(folder, ec))
        throw Error(m_path + ": cannot write (the folder " + folder.string() + " does not exist)");
    if (access(folder.c_str(), W_OK) != 0)
        throw Error(m_path + ": cannot write (the folder " + folder.string() + " is not writable)");
    if (fs::is_directory(m_path, ec))
        throw Error(m_path + ": cannot write (it is a folder)");
    m_temporary = m_path + ".tmp-" + std::to_string(getpid());
}

AtomicFile::~AtomicFile()
{
    if (!m_committed) {
        std::error_code ec;
        fs::remove(m_temporary, ec);
    }
}

void AtomicFile::write(const std::function<void(const std::string&)>& writer)
{
    try {
        writer(m_temporary);
    } catch (const Cancelled&) {
        throw;
    } catch (const Error& e) {
        std::string message = e.what();
        for (size_t at; (at = message.find(m_temporary)) != std::string::npos;)
            message.replace(at, m_temporary.size(), m_path);
        throw Error(message);
    }
}

void AtomicFile::commit()
{
    std::error_code ec;
    fs::rename(m_temporary, m_path, ec);
    if (ec) {
        fs::remove(m_temporary, ec);
        throw Error(m_path + ": cannot write (" + ec.message() + ")");
    }
    m_committed = true;
}

void writeWholeFile(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (out)
        out << text;
    if (out)
        out.close();
    if (!out)
        throw Error(path + ": cannot write (" + std::strerror(errno) + ")");
}

void replaceWholeFile(const std::string& path, const std::string& text)
{
    AtomicFile file(path);
    file.write([&](const std::string& temporary) { writeWholeFile(temporary, text); });
    file.commit();
}

} // namespace bitlens
