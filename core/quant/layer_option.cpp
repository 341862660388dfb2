#include "layer_option.h"

#include "compression_plan.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <vector>

namespace bitlens {
namespace {

// The short names a label uses; formatName() holds the file/CLI spellings.
const char* shortFormatName(NumberFormat f)
{
    switch (f) {
    case NumberFormat::Float32: return "fp32";
    case NumberFormat::Int: return "int";
    case NumberFormat::Float16: return "fp16";
    case NumberFormat::BFloat16: return "bf16";
    case NumberFormat::Fp8E4M3: return "fp8 e4m3";
    case NumberFormat::Fp8E5M2: return "fp8 e5m2";
    }
    return "?";
}

std::string weightLabel(const WeightQuant& w)
{
    if (w.format != NumberFormat::Int)
        return shortFormatName(w.format);
    std::string s = "w" + std::to_string(w.bits) + " ";
    s += w.granularity == Granularity::PerGroup ? "g" + std::to_string(w.groupSize) : granularityName(w.granularity);
    s += w.symmetric ? " sym" : " asym";
    if (w.range == WeightRange::Mse)
        s += " mse";
    return s;
}

// "" when the input stays fp32, so the common weight-only option reads short.
std::string activationLabel(const ActivationQuant& a)
{
    switch (a.format) {
    case NumberFormat::Float32: return {};
    case NumberFormat::Int: {
        std::string s = " + a" + std::to_string(a.bits);
        if (a.range == ActivationRange::Percentile)
            s += " pct";
        else if (a.range == ActivationRange::Mse)
            s += " mse";
        return s;
    }
    default: return std::string(" + a") + shortFormatName(a.format);
    }
}

[[noreturn]] void specError(const std::string& what) { throw PlanError("--uniform: " + what); }

std::vector<std::string> split(const std::string& s, char separator)
{
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t end; (end = s.find(separator, start)) != std::string::npos; start = end + 1)
        parts.push_back(s.substr(start, end - start));
    parts.push_back(s.substr(start));
    return parts;
}

// The whole of `s` as a decimal integer, or nothing.
std::optional<int> wholeNumber(const std::string& s)
{
    int v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size())
        return std::nullopt;
    return v;
}

std::optional<NumberFormat> floatSpec(const std::string& s)
{
    static const std::pair<const char*, NumberFormat> names[] = {
        {"fp32", NumberFormat::Float32}, {"fp16", NumberFormat::Float16}, {"bf16", NumberFormat::BFloat16},
        {"fp8_e4m3", NumberFormat::Fp8E4M3}, {"fp8_e5m2", NumberFormat::Fp8E5M2}};
    for (const auto& [name, format] : names)
        if (s == name)
            return format;
    return std::nullopt;
}

WeightQuant weightSpec(const std::string& part)
{
    const std::vector<std::string> tokens = split(part, ':');
    WeightQuant w;
    if (const auto format = floatSpec(tokens[0])) {
        if (tokens.size() > 1)
            specError("'" + part + "': the options apply to integer weights only");
        w.format = *format;
        w.bits = formatBits(*format);
        return w;
    }
    const auto bits = tokens[0].rfind('w', 0) == 0 ? wholeNumber(tokens[0].substr(1)) : std::nullopt;
    if (!bits)
        specError("'" + tokens[0] + "' is not a weight spec (w<bits>[:per-tensor|:per-channel|:group<N>]"
                  "[:sym|:asym][:minmax|:mse], or fp32, fp16, bf16, fp8_e4m3, fp8_e5m2)");
    if (!((*bits >= 2 && *bits <= 8) || *bits == 16))
        specError("'" + tokens[0] + "' has bits out of range (2-8 or 16)");
    w.format = NumberFormat::Int;
    w.bits = *bits;
    static const char* const kinds[] = {"granularity", "symmetry", "range"};
    bool seen[3] = {false, false, false};
    for (size_t i = 1; i < tokens.size(); ++i) {
        const std::string& t = tokens[i];
        const bool group = t.rfind("group", 0) == 0;
        const int kind = t == "per-tensor" || t == "per-channel" || group ? 0
            : t == "sym" || t == "asym"                                   ? 1
            : t == "minmax" || t == "mse"                                 ? 2
                                                                          : -1;
        if (kind < 0)
            specError("unknown option '" + t + "' in '" + part + "'");
        if (seen[kind])
            specError("'" + part + "' sets the " + kinds[kind] + " twice");
        seen[kind] = true;
        if (group) {
            const auto size = wholeNumber(t.substr(5));
            if (!size || *size <= 0)
                specError("'" + t + "' needs a positive group size, as in group128");
            w.granularity = Granularity::PerGroup;
            w.groupSize = *size;
        } else if (kind == 0) {
            w.granularity = t == "per-tensor" ? Granularity::PerTensor : Granularity::PerChannel;
        } else if (kind == 1) {
            w.symmetric = t == "sym";
        } else {
            w.range = t == "mse" ? WeightRange::Mse : WeightRange::MinMax;
        }
    }
    return w;
}

ActivationQuant activationSpec(const std::string& part)
{
    const std::vector<std::string> tokens = split(part, ':');
    const bool prefixed = tokens[0].rfind('a', 0) == 0;
    ActivationQuant a;
    if (const auto format = prefixed ? floatSpec(tokens[0].substr(1)) : std::nullopt) {
        if (tokens.size() > 1)
            specError("'" + part + "': the options apply to integer activations only");
        a.format = *format;
        a.bits = formatBits(*format);
        return a;
    }
    const auto bits = prefixed ? wholeNumber(tokens[0].substr(1)) : std::nullopt;
    if (!bits)
        specError("'" + tokens[0] + "' is not an activation spec (a<bits>[:minmax|:percentile|:mse], or "
                  "afp16, abf16, afp8_e4m3, afp8_e5m2)");
    if (*bits < 2 || *bits > 8)
        specError("'" + tokens[0] + "' has bits out of range (2-8)");
    a.format = NumberFormat::Int;
    a.bits = *bits;
    if (tokens.size() > 2)
        specError("'" + part + "' sets the range twice");
    if (tokens.size() == 2) {
        constexpr std::array<ActivationRange, 3> ranges{ActivationRange::MinMax, ActivationRange::Percentile,
                                                        ActivationRange::Mse};
        const auto* range = std::find_if(ranges.begin(), ranges.end(),
                                         [&](ActivationRange r) { return tokens[1] == activationRangeName(r); });
        if (range == ranges.end())
            specError("unknown option '" + tokens[1] + "' in '" + part + "'");
        a.range = *range;
    }
    return a;
}

} // namespace

bool WeightQuant::operator==(const WeightQuant& o) const
{
    return format == o.format && bits == o.bits && granularity == o.granularity && groupSize == o.groupSize
        && symmetric == o.symmetric && range == o.range;
}

bool ActivationQuant::operator==(const ActivationQuant& o) const
{
    return format == o.format && bits == o.bits && range == o.range && percentile == o.percentile;
}

bool LayerOption::operator==(const LayerOption& o) const
{
    return weight == o.weight && rank == o.rank && activation == o.activation;
}

std::string LayerOption::label() const
{
    std::string s = weightLabel(weight);
    if (rank > 0)
        s += " + rank " + std::to_string(rank);
    return s + activationLabel(activation);
}

const char* formatName(NumberFormat f)
{
    switch (f) {
    case NumberFormat::Float32: return "float32";
    case NumberFormat::Int: return "int";
    case NumberFormat::Float16: return "float16";
    case NumberFormat::BFloat16: return "bfloat16";
    case NumberFormat::Fp8E4M3: return "fp8_e4m3";
    case NumberFormat::Fp8E5M2: return "fp8_e5m2";
    }
    return "?";
}

const char* granularityName(Granularity g)
{
    switch (g) {
    case Granularity::PerTensor: return "per-tensor";
    case Granularity::PerChannel: return "per-channel";
    case Granularity::PerGroup: return "per-group";
    }
    return "?";
}

const char* weightRangeName(WeightRange r) { return r == WeightRange::Mse ? "mse" : "minmax"; }

const char* activationRangeName(ActivationRange r)
{
    return r == ActivationRange::Mse ? "mse" : r == ActivationRange::Percentile ? "percentile" : "minmax";
}

int formatBits(NumberFormat f)
{
    switch (f) {
    case NumberFormat::Float32: return 32;
    case NumberFormat::Int: return 0;
    case NumberFormat::Float16:
    case NumberFormat::BFloat16: return 16;
    case NumberFormat::Fp8E4M3:
    case NumberFormat::Fp8E5M2: return 8;
    }
    return 0;
}

LayerOption optionFromSpec(const std::string& spec)
{
    const std::vector<std::string> parts = split(spec, ',');
    if (parts.size() > 2)
        specError("'" + spec + "' has more than two parts (weight[,activation])");
    LayerOption option;
    option.weight = weightSpec(parts[0]);
    if (parts.size() == 2)
        option.activation = activationSpec(parts[1]);
    return option;
}

} // namespace bitlens
