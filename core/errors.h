#pragma once
// The exceptions core throws. Each message is one sentence naming the file (or object) and the
// cause, so the CLI and GUI can show it as it is. LibTorch and HDF5 exceptions never leave core.

#include <stdexcept>
#include <string>

namespace bitlens {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class ModelLoadError final : public Error {
public:
    using Error::Error;
};

class DatasetError final : public Error {
public:
    using Error::Error;
};

class EvalError final : public Error {
public:
    using Error::Error;
};

// Thrown by long computations when their Progress says cancelled(); not a failure.
class Cancelled final : public Error {
public:
    Cancelled() : Error("cancelled") {}
};

} // namespace bitlens
