#include "aimet_encodings.h"

#include "../eval/applied_plan_impl.h"
#include "../model/model_impl.h"

#include <nlohmann/json.hpp>

namespace bitlens {
namespace {

using nlohmann::ordered_json;

// AIMET's affine grid is unsigned: q in [0, 2^b - 1], x = (q + offset) * scale. Ours is
// x = (q - zero_point) * scale with q in [qmin, qmax], so offset = qmin - zero_point.
ordered_json integerEntry(int bits, bool symmetric, double scale, int64_t zeroPoint, int64_t qmin, int64_t qmax)
{
    const int64_t offset = qmin - zeroPoint;
    ordered_json e;
    e["bitwidth"] = bits;
    e["dtype"] = "int";
    e["is_symmetric"] = symmetric ? "True" : "False";
    e["max"] = static_cast<double>(qmax - zeroPoint) * scale;
    e["min"] = static_cast<double>(offset) * scale;
    e["offset"] = offset;
    e["scale"] = scale;
    return e;
}

ordered_json floatEntry(int bits)
{
    ordered_json e;
    e["bitwidth"] = bits;
    e["dtype"] = "float";
    return e;
}

} // namespace

AimetEncodings aimetEncodings(const AppliedPlan& plan)
{
    const AppliedPlan::Impl& p = plan.impl();
    const Model::Impl& m = p.model->impl();
    AimetEncodings out;
    ordered_json params = ordered_json::object();
    ordered_json activations = ordered_json::object();
    for (size_t i = 0; i < m.layers.size(); ++i) {
        const std::string& name = m.layers[i].name;
        const LayerOption& option = plan.plan().optionFor(name);
        const CompressedWeight& c = p.layers[i];
        const WeightQuant& w = option.weight;
        if (c.left) {
            out.omitted.push_back(name + ": low-rank factors have no tensor in the model");
        } else if (w.method == QuantMethod::Sqllm) {
            out.omitted.push_back(name + ": sqllm's codebooks have no 0.6.1 encoding (model.pt stores the weights they give)");
        } else if (w.terms > 1) {
            out.omitted.push_back(name + ": xint's " + std::to_string(w.terms) + " terms have no 0.6.1 encoding (model.pt stores their sum)");
        } else if (w.format == NumberFormat::Int && w.granularity == Granularity::PerGroup) {
            out.omitted.push_back(name + ": per-group scales have no 0.6.1 encoding");
        } else if (w.format == NumberFormat::Int) {
            // One entry per output channel (or one for the tensor), in channel order.
            const torch::Tensor scales = c.full->scales.reshape({-1}).to(torch::kFloat64).contiguous();
            const torch::Tensor zeroPoints = c.full->zeroPoints.reshape({-1}).to(torch::kInt64).contiguous();
            ordered_json entries = ordered_json::array();
            for (int64_t k = 0; k < scales.numel(); ++k)
                entries.push_back(integerEntry(w.bits, w.symmetric, scales.data_ptr<double>()[k],
                                               zeroPoints.data_ptr<int64_t>()[k], c.full->qmin, c.full->qmax));
            params[name + ".weight"] = entries;
        } else if (w.format != NumberFormat::Float32) {
            params[name + ".weight"] = ordered_json::array({floatEntry(formatBits(w.format))});
        }
        // AIMET's encodings describe tensors; an input transform is an op of its own, which the
        // exported model.pt carries and the encodings cannot.
        if (c.transform.kind == InputTransform::Kind::Scale)
            out.omitted.push_back(name + ": " + nameOf(w.method) + "'s input channel scales (model.pt divides the input by them; "
                                  "the weight encoding describes the scaled weight model.pt stores)");
        else if (c.transform.kind == InputTransform::Kind::Rotation)
            out.omitted.push_back(name + ": the Hadamard rotation of its input (model.pt applies it; the weight encoding "
                                  "describes the rotated weight model.pt stores)");
        const ActivationEncoding& a = p.encodings[i];
        if (a.enabled) {
            // Without an ONNX graph there are no ONNX tensor names; a layer's input is "<layer>.input".
            activations[name + ".input"] = ordered_json::array(
                {a.format == NumberFormat::Int ? integerEntry(a.bits, false, a.scale, a.zeroPoint, a.qmin, a.qmax)
                                               : floatEntry(formatBits(a.format))});
        }
    }
    ordered_json j;
    j["version"] = "0.6.1";
    j["activation_encodings"] = activations;
    j["param_encodings"] = params;
    j["excluded_layers"] = ordered_json::array();
    j["quantizer_args"] = {{"per_channel_quantization", plan.plan().defaults.weight.granularity == Granularity::PerChannel},
                           {"param_bitwidth", plan.plan().defaults.weight.bits},
                           {"activation_bitwidth", plan.plan().defaults.activation.bits},
                           {"dtype", plan.plan().defaults.weight.format == NumberFormat::Int ? "int" : "float"},
                           {"is_symmetric", plan.plan().defaults.weight.symmetric}};
    out.json = j.dump(2);
    return out;
}

} // namespace bitlens
