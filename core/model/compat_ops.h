#pragma once
// core-internal: operators that newer PyTorch (2.x) writes into TorchScript and LibTorch 1.13
// lacks, defined with their 2.x schemas from existing differentiable ops, so autograd (to
// second order, for the Hessian) comes from the ops they are made of.

namespace bitlens {

// Registers them once (before the first model loads); later calls do nothing. Threading: safe
// to call from any thread. Under a LibTorch that has them already, registers nothing.
void registerCompatOperators();

} // namespace bitlens
