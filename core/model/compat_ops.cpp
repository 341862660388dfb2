#include "compat_ops.h"

#include <ATen/Context.h>
#include <ATen/autocast_mode.h>
#include <torch/library.h>
#include <torch/version.h>

#include <c10/util/Exception.h>

#include <cmath>
#include <cstring>
#include <mutex>
#include <new>

namespace bitlens {
namespace {

#if TORCH_VERSION_MAJOR < 2
// PyTorch 2.x's math path of scaled_dot_product_attention: softmax(q kᵀ · scale + mask) v, with
// GQA's key/value heads repeated to the query heads. Masked scores take the lowest finite value
// rather than -inf, so a row with every key masked (padding) gives finite, uniform weights
// instead of NaN in the backward passes; rows that keep any key are unchanged.
at::Tensor scaledDotProductAttention(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                                     const c10::optional<at::Tensor>& attnMask, double dropoutP, bool isCausal,
                                     c10::optional<double> scale, bool enableGqa)
{
    at::Tensor k = key, v = value;
    if (enableGqa && query.dim() >= 3 && key.size(-3) != query.size(-3)) {
        const int64_t repeats = query.size(-3) / key.size(-3);
        k = key.repeat_interleave(repeats, -3);
        v = value.repeat_interleave(repeats, -3);
    }
    const double factor = scale ? *scale : 1.0 / std::sqrt(double(query.size(-1)));
    at::Tensor scores = at::matmul(query, k.transpose(-2, -1)) * factor;
    // The lowest value of the scores' own type: float's would overflow bfloat16 (autocast).
    double lowest = std::numeric_limits<float>::lowest();
    if (scores.scalar_type() == at::kBFloat16)
        lowest = double(std::numeric_limits<c10::BFloat16>::lowest());
    else if (scores.scalar_type() == at::kHalf)
        lowest = double(std::numeric_limits<c10::Half>::lowest());
    if (isCausal) {
        const at::Tensor keep = at::ones({query.size(-2), k.size(-2)}, query.options().dtype(at::kBool)).tril();
        scores = scores.masked_fill(keep.logical_not(), lowest);
    }
    if (attnMask && attnMask->defined()) {
        if (attnMask->scalar_type() == at::kBool)
            scores = scores.masked_fill(attnMask->logical_not(), lowest);
        else
            scores = scores + *attnMask;
    }
    at::Tensor weights = at::softmax(scores, -1);
    if (dropoutP > 0.0)
        weights = at::dropout(weights, dropoutP, true);
    return at::matmul(weights, v);
}
#endif

} // namespace

void registerCompatOperators()
{
#if TORCH_VERSION_MAJOR < 2
    static std::once_flag once;
    std::call_once(once, [] {
        // Kept alive for the process: dropping a Library deregisters what it registered.
        static torch::Library schemas(torch::Library::FRAGMENT, "aten", c10::nullopt, __FILE__, __LINE__);
        // The 2.x schema, so archives that pass scale= and enable_gqa= bind.
        schemas.def("scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? attn_mask=None, "
                    "float dropout_p=0.0, bool is_causal=False, *, float? scale=None, bool enable_gqa=False) -> Tensor");
        static torch::Library kernels(torch::Library::IMPL, "aten", c10::DispatchKey::CompositeImplicitAutograd,
                                      __FILE__, __LINE__);
        kernels.impl("scaled_dot_product_attention", &scaledDotProductAttention);
    });
#endif
}

#if TORCH_VERSION_MAJOR >= 2
MathAttentionScope::MathAttentionScope()
{
    at::Context& c = at::globalContext();
    m_flash = c.userEnabledFlashSDP();
    m_memoryEfficient = c.userEnabledMemEfficientSDP();
    m_cudnn = c.userEnabledCuDNNSDP();
    c.setSDPUseFlash(false);
    c.setSDPUseMemEfficient(false);
    c.setSDPUseCuDNN(false);
}

MathAttentionScope::~MathAttentionScope()
{
    at::Context& c = at::globalContext();
    c.setSDPUseFlash(m_flash);
    c.setSDPUseMemEfficient(m_memoryEfficient);
    c.setSDPUseCuDNN(m_cudnn);
}
#else
MathAttentionScope::MathAttentionScope() = default;
MathAttentionScope::~MathAttentionScope() = default;
#endif

#if TORCH_VERSION_MAJOR >= 2
Bf16AutocastScope::Bf16AutocastScope(bool cuda) : m_cuda(cuda)
{
    const c10::DeviceType type = cuda ? c10::DeviceType::CUDA : c10::DeviceType::CPU;
    m_enabled = at::autocast::is_autocast_enabled(type);
    m_dtype = at::autocast::get_autocast_dtype(type);
    at::autocast::set_autocast_dtype(type, at::kBFloat16);
    at::autocast::set_autocast_enabled(type, true);
}

Bf16AutocastScope::~Bf16AutocastScope()
{
    const c10::DeviceType type = m_cuda ? c10::DeviceType::CUDA : c10::DeviceType::CPU;
    at::autocast::set_autocast_enabled(type, m_enabled);
    at::autocast::set_autocast_dtype(type, m_dtype);
}
#else
// 1.13 has CPU autocast only (Debian's LibTorch has no CUDA).
Bf16AutocastScope::Bf16AutocastScope(bool cuda) : m_cuda(cuda)
{
    m_enabled = at::autocast::is_cpu_enabled();
    m_dtype = at::autocast::get_autocast_cpu_dtype();
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(true);
}

Bf16AutocastScope::~Bf16AutocastScope()
{
    at::autocast::set_cpu_enabled(m_enabled);
    at::autocast::set_autocast_cpu_dtype(m_dtype);
}
#endif

bool isOutOfMemory(const std::exception& e)
{
    if (dynamic_cast<const c10::OutOfMemoryError*>(&e) || dynamic_cast<const std::bad_alloc*>(&e))
        return true;
    const char* what = e.what();
    return std::strstr(what, "DefaultCPUAllocator: can't allocate memory") || std::strstr(what, "not enough memory")
           || std::strstr(what, "out of memory");
}

int64_t largestThatFits(int64_t tried, const std::function<void(int64_t size)>& attempt)
{
    for (int64_t size = tried / 2; size >= 1; size /= 2) {
        try {
            attempt(size);
            return size;
        } catch (const std::exception& e) {
            if (!isOutOfMemory(e))
                throw;
        }
    }
    return 0;
}

} // namespace bitlens
