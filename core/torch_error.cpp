#include "torch_error.h"

#include <sstream>

namespace bitlens {
namespace {

// "RuntimeError: shapes cannot be multiplied" -> "shapes cannot be multiplied"; "" for other lines.
std::string pythonStyleCause(const std::string& line)
{
    const auto colon = line.find(": ");
    if (colon == std::string::npos || colon < 5 || line.compare(colon - 5, 5, "Error") != 0)
        return {};
    if (line.find(' ') < colon)
        return {};
    return line.substr(colon + 2);
}

} // namespace

std::string torchErrorSummary(const std::exception& e)
{
    const auto* c10 = dynamic_cast<const c10::Error*>(&e);
    std::istringstream in(c10 ? c10->what_without_backtrace() : e.what());
    // TorchScript puts the failing statement's traceback first and the cause last, as
    // "RuntimeError: ..."; plain c10 errors put the cause on the first line.
    std::string line, first, cause;
    while (std::getline(in, line)) {
        if (first.empty() && !line.empty())
            first = line;
        if (std::string c = pythonStyleCause(line); !c.empty())
            cause = c;
    }
    std::string s = cause.empty() ? first : cause;
    while (!s.empty() && (s.back() == '.' || s.back() == ' '))
        s.pop_back();
    return s;
}

} // namespace bitlens
