#pragma once
// core-internal: where LibTorch versions differ (Debian's 1.13, an external 2.x). Operators that
// newer PyTorch (2.x) writes into TorchScript and LibTorch 1.13 lacks, defined with their 2.x
// schemas from existing differentiable ops, so autograd (to second order, for the Hessian) comes
// from the ops they are made of; and, under 2.x, attention kept on that same math path where
// second derivatives are taken.

#include <c10/core/ScalarType.h>

#include <cstdint>
#include <exception>
#include <functional>

namespace bitlens {

// Registers them once (before the first model loads); later calls do nothing. Threading: safe
// to call from any thread. Under a LibTorch that has them already, registers nothing.
void registerCompatOperators();

// Whether `e` says an allocation failed: a CUDA device's memory (c10::OutOfMemoryError) or the
// host's (std::bad_alloc, or the CPU allocator's message, which 1.13 throws as a plain c10::Error).
bool isOutOfMemory(const std::exception& e);

// The largest of tried/2, tried/4, … 1 for which attempt(size) runs out of memory no more (other
// errors pass through); 0 when none does.
int64_t largestThatFits(int64_t tried, const std::function<void(int64_t size)>& attempt);

// While one lives, scaled_dot_product_attention runs its math path: LibTorch 2.x otherwise picks
// fused kernels (flash, memory-efficient, cuDNN; on the CPU too) whose backward cannot be
// differentiated again. The switches are process-wide, so an evaluation on another thread
// meanwhile takes the (slower, equal) math path too. Under 1.13: nothing to switch.
class MathAttentionScope {
public:
    MathAttentionScope();
    ~MathAttentionScope();
    MathAttentionScope(const MathAttentionScope&) = delete;
    MathAttentionScope& operator=(const MathAttentionScope&) = delete;

private:
    bool m_flash = false, m_memoryEfficient = false, m_cudnn = false;
};

// While one lives, this thread's forward passes on `cuda` (else the CPU) run under autocast to
// bfloat16: matrix products in bf16, reductions and normalisations in float32, weights stored
// as they are. A trace bakes dtypes into its graph (RMSNorm's upcast to float32 and back), so a
// float32 export cannot simply be cast to bf16. Restores the previous state.
class Bf16AutocastScope {
public:
    explicit Bf16AutocastScope(bool cuda);
    ~Bf16AutocastScope();
    Bf16AutocastScope(const Bf16AutocastScope&) = delete;
    Bf16AutocastScope& operator=(const Bf16AutocastScope&) = delete;

private:
    bool m_cuda;
    bool m_enabled = false;
    c10::ScalarType m_dtype = c10::ScalarType::BFloat16;
};

} // namespace bitlens
