#include "model_output.h"

#include "../errors.h"

namespace bitlens {

torch::Tensor logitsOf(const c10::IValue& out)
{
    if (out.isTensor())
        return out.toTensor();
    if (out.isGenericDict()) {
        const c10::Dict<c10::IValue, c10::IValue> dict = out.toGenericDict();
        for (const auto& item : dict) {
            if (item.key().isString() && item.key().toStringRef() == "logits" && item.value().isTensor())
                return item.value().toTensor();
        }
        for (const auto& item : dict) { // in insertion order
            if (item.value().isTensor())
                return item.value().toTensor();
        }
        return {};
    }
    if (out.isTuple() || out.isList()) {
        const std::vector<c10::IValue> items = out.isTuple() ? out.toTupleRef().elements().vec() : out.toListRef().vec();
        for (const c10::IValue& item : items) {
            if (item.isTensor())
                return item.toTensor();
        }
    }
    return {};
}

torch::Tensor outputTensor(const c10::IValue& out, const std::string& modelPath)
{
    torch::Tensor t = logitsOf(out);
    if (!t.defined())
        throw EvalError(modelPath + ": forward returns " + out.tagKind()
                        + " without a tensor of outputs (a tensor, a 'logits' entry or a first tensor element)");
    return t;
}

} // namespace bitlens
