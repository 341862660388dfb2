#include "quant_method.h"

#include "../compression_plan.h"

namespace bitlens {

const std::vector<QuantMethodDescriptor>& quantMethods()
{
    static const std::vector<QuantMethodDescriptor> methods{
        {QuantMethod::Rtn, "round to nearest on the grid (min-max or MSE ranges)", false, false,
         [](const MethodInput& in) { return MethodResult{quantizeMatrix(in.matrix, in.quant), {}}; }},
        {QuantMethod::Gptq, "GPTQ: columns in order, each one's error spread over the rest by the inverse of XᵀX",
         true, true, [](const MethodInput& in) { return gptqQuantize(in, false); }},
        {QuantMethod::GptqActOrder, "GPTQ with activation order: columns by falling XᵀX diagonal, grids fixed first",
         true, true, [](const MethodInput& in) { return gptqQuantize(in, true); }},
        {QuantMethod::Awq, "AWQ: per-channel input scales mean|x|^α, α searched for the least output error", true, true,
         awqQuantize},
        {QuantMethod::SmoothQuant, "SmoothQuant: input outliers migrated into the weights, s = max|x|^α / max|w|^(1-α)",
         true, false, smoothQuantQuantize},
        {QuantMethod::Hadamard, "Hadamard rotation of the input channels (QuaRot), exact in FP32", true, false,
         hadamardQuantize},
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
