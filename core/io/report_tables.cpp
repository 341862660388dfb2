#include "report_tables.h"

#include <charconv>
#include <cmath>
#include <initializer_list>
#include <limits>

namespace bitlens {
namespace {

// The shortest text that reads back as the same double, whatever the process's locale (a Qt
// application sets it from the environment, and printf would then write "0,5").
std::string number(double v)
{
    if (!std::isfinite(v))
        return {};
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
    return std::string(buffer, end);
}

std::string field(const std::string& text)
{
    if (text.find_first_of(",\"\r\n") == std::string::npos)
        return text;
    std::string quoted = "\"";
    for (char c : text)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

// Appends one row; `cells` are already formatted.
void addRow(std::string& csv, const std::vector<std::string>& cells)
{
    for (size_t i = 0; i < cells.size(); ++i)
        csv += (i ? "," : "") + field(cells[i]);
    csv += "\n";
}

int optionIndex(const std::vector<std::string>& options, const std::string& spec)
{
    for (size_t o = 0; o < options.size(); ++o)
        if (options[o] == spec)
            return int(o);
    return -1;
}

} // namespace

std::string layerStatisticsCsv(const ModelAnalysis& a)
{
    const std::vector<double>& ks = a.options.statisticsOptions.sigmaMultiples;
    std::vector<std::string> header{"name", "kind", "shape", "params", "macs", "weight_kurtosis", "weight_std", "weight_absmax"};
    for (double k : ks)
        header.push_back("weight_outlier_pct_" + number(k) + "sigma");
    for (const char* column : {"outlier_channels", "input_kurtosis", "input_absmax", "input_p99_99", "lambda1",
                               "lambda1_spread", "trace", "trace_stderr", "alpha", "stable_rank", "effective_rank",
                               "rank_95", "sqnr_db_w4", "sqnr_db_w8"})
        header.emplace_back(column);
    std::string csv;
    addRow(csv, header);

    // A part not analysed reads as NaN, which number() leaves empty.
    const double none = std::numeric_limits<double>::quiet_NaN();
    const int w4 = optionIndex(a.quantError.options, "w4:per-channel");
    const int w8 = optionIndex(a.quantError.options, "w8:per-channel");
    for (size_t i = 0; i < a.layers.size(); ++i) {
        const LayerInfo& l = a.layers[i];
        std::vector<std::string> row{l.name, kindName(l.kind), shapeString(l.weightShape), std::to_string(l.params()),
                                     l.macsPerSample >= 0 ? std::to_string(l.macsPerSample) : std::string()};
        const WeightStatistics* w = i < a.weights.size() ? &a.weights[i] : nullptr;
        for (double v : {w ? w->values.kurtosis : none, w ? w->values.std : none, w ? w->values.absMax : none})
            row.push_back(number(v));
        for (size_t k = 0; k < ks.size(); ++k)
            row.push_back(number(w && k < w->values.beyondSigma.size() ? 100.0 * w->values.beyondSigma[k] : none));
        row.push_back(w ? std::to_string(w->outlierChannels.size()) : std::string());

        const ActivationStatistics* in = i < a.activations.size() && a.activations[i].measured ? &a.activations[i] : nullptr;
        const LayerHessian* h = i < a.hessian.layers.size() ? &a.hessian.layers[i] : nullptr;
        const bool eigen = h && !h->topEigenvalues.empty();
        const WeightSpectrum* s = i < a.spectra.size() ? &a.spectra[i] : nullptr;
        const auto sqnr = [&](int option) { return option >= 0 && i < a.quantError.sqnrDb.size() ? a.quantError.sqnrDb[i][size_t(option)] : none; };
        for (double v : {in ? in->values.kurtosis : none, in ? in->values.absMax : none, in ? in->p9999 : none,
                         eigen ? h->topEigenvalues[0] : none, eigen ? h->topEigenvalueSpread : none, h ? h->trace : none,
                         h ? h->traceStdErr : none, s && s->alpha.valid ? s->alpha.alpha : none, s ? s->stableRank : none,
                         s ? s->effectiveRank : none, s ? double(s->rank95) : none, sqnr(w4), sqnr(w8)})
            row.push_back(number(v));
        addRow(csv, row);
    }
    return csv;
}

std::string sensitivityCsv(const SensitivityAnalysis& s, const std::vector<LayerInfo>& layers)
{
    std::vector<std::string> header{"layer", "option"};
    for (const CostTable& t : s.tables)
        header.push_back(t.estimator);
    std::string csv;
    addRow(csv, header);
    for (size_t l = 0; l < layers.size(); ++l)
        for (size_t o = 0; o < s.options.size(); ++o) {
            std::vector<std::string> row{layers[l].name, s.options[o]};
            for (const CostTable& t : s.tables)
                row.push_back(l < t.deltaLoss.size() && o < t.deltaLoss[l].size() ? number(t.deltaLoss[l][o]) : std::string());
            addRow(csv, row);
        }
    return csv;
}

std::string planCsv(const CompressionPlan& plan, const std::vector<LayerInfo>& layers, const PlanPrediction& prediction)
{
    std::string csv;
    addRow(csv, {"layer", "option", "weight_format", "weight_bits", "rank", "activation_bits", "bytes", "bits_per_weight",
                 "bops", "predicted_delta_loss"});
    for (size_t i = 0; i < layers.size(); ++i) {
        const LayerOption& o = plan.optionFor(layers[i].name);
        const LayerCost* cost = i < prediction.cost.layers.size() ? &prediction.cost.layers[i] : nullptr;
        addRow(csv, {layers[i].name, o.label(), nameOf(o.weight.format), std::to_string(o.weight.bits),
                     std::to_string(o.rank), std::to_string(o.activation.bits),
                     cost ? std::to_string(cost->bytes) : std::string(), cost ? number(cost->bitsPerWeight) : std::string(),
                     cost ? std::to_string(cost->bops) : std::string(),
                     i < prediction.layerDeltaLoss.size() ? number(prediction.layerDeltaLoss[i]) : std::string()});
    }
    return csv;
}

} // namespace bitlens
