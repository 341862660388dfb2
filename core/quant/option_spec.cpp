#include "option_spec.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

namespace bitlens {
namespace {

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

// A float format by its name in the NumberFormat table ("fp16"; "float16" too).
std::optional<NumberFormat> floatSpec(const std::string& s)
{
    const auto format = enumFromName<NumberFormat>(s);
    return format == NumberFormat::Int ? std::nullopt : format;
}

// sqllm's sparse share after its name: "" (none) or a percentage, "0.5".
double sparsePercentOf(const std::string& text, const std::string& part)
{
    if (text.empty())
        return 0.0;
    size_t used = 0;
    double percent = -1.0;
    try {
        percent = std::stod(text, &used);
    } catch (const std::exception&) {
    }
    if (used != text.size() || !(percent >= 0 && percent <= kMaxSparsePercent))
        specError("'" + part + "': sqllm's sparse share must be a percentage in 0-" + std::to_string(int(kMaxSparsePercent))
                  + ", as in sqllm0.5, not '" + text + "'");
    return percent;
}

WeightQuant weightSpec(const std::string& part)
{
    const std::vector<std::string> tokens = split(part, ':');
    WeightQuant w;
    if (const auto format = floatSpec(tokens[0])) {
        const auto method = tokens.size() == 2 ? enumFromName<QuantMethod>(tokens[1]) : std::nullopt;
        if (tokens.size() > 1 && !method)
            specError("'" + part + "': a float format takes only a method (" + namesOf<QuantMethod>() + ")");
        w.format = *format;
        w.bits = formatBits(*format);
        w.method = method.value_or(QuantMethod::Rtn);
        return w;
    }
    // w<bits>, or w<bits>x<terms> (xint's sum of low-bit terms).
    const std::string head = tokens[0];
    const size_t x = head.find('x');
    const auto bits = head.rfind('w', 0) == 0 ? wholeNumber(head.substr(1, x == std::string::npos ? x : x - 1)) : std::nullopt;
    const auto terms = x == std::string::npos ? std::optional<int>(1) : wholeNumber(head.substr(x + 1));
    if (!bits || !terms)
        specError("'" + tokens[0] + "' is not a weight spec (w<bits>[x<terms>][:per-tensor|:per-channel|:group<N>]"
                  "[:sym|:asym][:minmax|:mse][:METHOD], or fp32, fp16, bf16, fp8_e4m3, fp8_e5m2[:METHOD]; "
                  "METHOD one of " + namesOf<QuantMethod>() + ")");
    if (!((*bits >= 2 && *bits <= 8) || *bits == 16))
        specError("'" + tokens[0] + "' has bits out of range (2-8 or 16)");
    w.format = NumberFormat::Int;
    w.bits = *bits;
    w.terms = *terms;
    static const char* const kinds[] = {"granularity", "symmetry", "range", "method"};
    bool seen[4] = {false, false, false, false};
    for (size_t i = 1; i < tokens.size(); ++i) {
        const std::string& t = tokens[i];
        const bool group = t.rfind("group", 0) == 0;
        const auto granularity = enumFromName<Granularity>(t);
        const auto range = enumFromName<WeightRange>(t);
        // sqllm<percent>: its sparse share, written onto the method's name.
        const bool sqllm = t.rfind("sqllm", 0) == 0;
        const auto method = sqllm ? std::optional<QuantMethod>(QuantMethod::Sqllm) : enumFromName<QuantMethod>(t);
        const int kind = group || (granularity && granularity != Granularity::PerGroup) ? 0
            : t == "sym" || t == "asym"                                                  ? 1
            : range                                                                       ? 2
            : method                                                                      ? 3
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
            w.granularity = *granularity;
        } else if (kind == 1) {
            w.symmetric = t == "sym";
        } else if (kind == 2) {
            w.range = *range;
        } else {
            w.method = *method;
            if (sqllm)
                w.sparsePercent = sparsePercentOf(t.substr(5), part);
        }
    }
    if (w.terms != 1 && !seen[3])
        w.method = QuantMethod::Xint;
    if (w.method == QuantMethod::Xint && (w.terms < 2 || w.terms > kMaxXintTerms))
        specError("'" + part + "': xint sums 2-" + std::to_string(kMaxXintTerms) + " terms, as in w2x2:xint");
    if (w.method != QuantMethod::Xint && w.terms != 1)
        specError("'" + part + "': only xint sums terms (w<bits>x<terms>:xint)");
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
        const auto range = enumFromName<ActivationRange>(tokens[1]);
        if (!range)
            specError("unknown option '" + tokens[1] + "' in '" + part + "'");
        a.range = *range;
    }
    return a;
}


} // namespace

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


LayerOption OptionSpec::resolve(const LayerInfo& layer) const
{
    LayerOption resolved = option;
    const WeightMatrix m = weightMatrix(layer);
    if (rankFraction > 0) {
        // The epsilon keeps 0.1 * 30 (3.0000000000000004 in binary) at rank 3, not 4.
        const int64_t full = std::min(m.rows, m.cols);
        const auto rank = static_cast<int64_t>(std::ceil(rankFraction * double(full) - 1e-9));
        resolved.rank = static_cast<int>(std::min(full, std::max<int64_t>(1, rank)));
    }
    // An embedding looks rows up, a grouped convolution's channels do not meet every output: no
    // input a method can use, so round-to-nearest.
    if ((layer.kind == LayerKind::Embedding || layer.groups != 1) && methodReadsInputs(resolved.weight.method))
        resolved.weight = withMethod(resolved.weight, QuantMethod::Rtn);
    const WeightQuant& w = resolved.weight;
    if (w.format == NumberFormat::Int && w.granularity == Granularity::PerGroup
        && (m.cols % w.groupSize != 0 || resolved.rank % w.groupSize != 0))
        resolved.weight.granularity = Granularity::PerChannel;
    return resolved;
}

OptionSpec candidateSpec(const std::string& candidate)
{
    const size_t at = candidate.rfind("rank");
    if (at == std::string::npos)
        return {optionFromSpec(candidate), 0.0};
    const bool alone = at == 0;
    if (!alone && (at < 2 || candidate[at - 1] != '+'))
        throw PlanError("option '" + candidate + "': write a rank as SPEC+rankF or rankF");
    const std::string fraction = candidate.substr(at + 4);
    size_t used = 0;
    double f = 0.0;
    try {
        f = std::stod(fraction, &used);
    } catch (const std::exception&) {
    }
    if (fraction.empty() || used != fraction.size() || !(f > 0 && f <= 1))
        throw PlanError("option '" + candidate + "': the rank fraction must be a number in (0, 1], not '" + fraction + "'");
    return {optionFromSpec(alone ? "fp32" : candidate.substr(0, at - 1)), f};
}

std::vector<std::vector<LayerOption>> resolveCandidates(const std::vector<std::string>& candidates,
                                                        const std::vector<LayerInfo>& layers)
{
    std::vector<OptionSpec> specs;
    for (const std::string& candidate : candidates)
        specs.push_back(candidateSpec(candidate));
    std::vector<std::vector<LayerOption>> resolved(layers.size());
    for (size_t l = 0; l < layers.size(); ++l)
        for (const OptionSpec& spec : specs)
            resolved[l].push_back(spec.resolve(layers[l]));
    return resolved;
}

} // namespace bitlens
