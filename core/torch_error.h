#pragma once
// core-internal: turns LibTorch's multi-line errors (with TorchScript tracebacks) into the one line
// a user needs.

#include <exception>
#include <string>

namespace bitlens {

std::string torchErrorSummary(const std::exception& e);

} // namespace bitlens
