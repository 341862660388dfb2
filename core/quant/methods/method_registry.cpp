#include "quant_method.h"

#include "../compression_plan.h"

namespace bitlens {

const std::vector<QuantMethodDescriptor>& quantMethods()
{
    static const std::vector<QuantMethodDescriptor> methods{
        {QuantMethod::Rtn, false, false,
         [](const MethodInput& in) { return MethodResult{quantizeMatrix(in.matrix, in.quant), {}}; }},
        {QuantMethod::Gptq, true, false, [](const MethodInput& in) { return gptqQuantize(in, false); }},
        {QuantMethod::GptqActOrder, true, false, [](const MethodInput& in) { return gptqQuantize(in, true); }},
        {QuantMethod::Awq, true, false, awqQuantize},
        {QuantMethod::SmoothQuant, false, false, smoothQuantQuantize},
        {QuantMethod::Hadamard, false, false, hadamardQuantize},
        {QuantMethod::Lwc, true, false, lwcQuantize},
        {QuantMethod::Xint, false, false, xintQuantize},
        {QuantMethod::Sqllm, false, true, sqllmQuantize},
    };
    return methods;
}

const QuantMethodDescriptor& quantMethod(QuantMethod id)
{
    for (const QuantMethodDescriptor& d : quantMethods())
        if (d.id == id)
            return d;
    throw PlanError(std::string("no quantization method '") + nameOf(id) + "'");
}

} // namespace bitlens
