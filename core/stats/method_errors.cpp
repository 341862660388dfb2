#include "method_errors.h"

#include "../model/model_impl.h"
#include "../progress.h"
#include "../quant/layer_compressor.h"
#include "../quant/option_spec.h"

#include <limits>

namespace bitlens {

std::vector<std::string> methodErrorOptions()
{
    std::vector<std::string> options;
    for (int bits : {2, 3, 4, 8})
        for (const char* method : {"rtn", "gptq", "awq", "hadamard", "lwc"})
            options.push_back("w" + std::to_string(bits) + ":per-channel:" + method);
    return options;
}

void appendMethodErrors(Model& model, const SampleSet& calibration, QuantErrorTable& table, Progress& progress)
{
    Model::Impl& m = model.impl();
    table.methodOptions = methodErrorOptions();
    std::vector<LayerOption> options;
    for (const std::string& spec : table.methodOptions)
        options.push_back(optionFromSpec(spec));
    SubProgress collecting(progress, 0.0, 0.3);
    const std::vector<LayerStatistics>& stats =
        cachedLayerStatistics(model, calibration, std::vector<bool>(m.layers.size(), true), collecting);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    torch::NoGradGuard noGrad;
    table.methodOutputError.assign(m.layers.size(), std::vector<double>(options.size(), nan));
    for (size_t l = 0; l < m.layers.size(); ++l) {
        progress.checkCancelled();
        progress.report(0.3 + 0.7 * double(l) / double(m.layers.size()), "Method output error of " + m.layers[l].name);
        const LayerStatistics& s = stats[l];
        if (!s.unavailable.empty() || !s.gram.defined())
            continue;
        const torch::Tensor w = m.weights[l].detach().to(torch::kFloat64).reshape({m.weights[l].size(0), -1});
        const double signal = (w.matmul(s.gram) * w).sum().item<double>();
        for (size_t k = 0; k < options.size(); ++k) {
            const torch::Tensor q = compressWeight(m.weights[l], options[k], &s).effective;
            const torch::Tensor delta = q.to(torch::kFloat64).reshape(w.sizes()) - w;
            table.methodOutputError[l][k] = (delta.matmul(s.gram) * delta).sum().item<double>() / signal;
        }
    }
}

} // namespace bitlens
