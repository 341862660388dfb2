#include "compression_plan.h"

#include "option_spec.h"

#include "../io/atomic_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <system_error>

namespace fs = std::filesystem;
using nlohmann::json;

namespace bitlens {
namespace {

// Version 2 names formats by the NumberFormat table ("fp16"); version 1 wrote "float16", which
// the table still reads.
constexpr int PlanVersion = 2;
constexpr int OldestPlanVersion = 1;
// Keys and names from files end up in messages that must stay on one line.
std::string printable(const std::string& s)
{
    std::string out = s;
    std::replace_if(out.begin(), out.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }, '?');
    return out;
}

std::string number(double v)
{
    std::ostringstream s;
    s << v;
    return s.str();
}

// "" when `bits` suits `format`; otherwise why not, naming `field`.
std::string bitsProblem(const std::string& field, NumberFormat format, int bits, bool allow16)
{
    if (format != NumberFormat::Int) {
        if (bits == formatBits(format))
            return {};
        return field + " " + std::to_string(bits) + " does not match format " + nameOf(format) + " ("
            + std::to_string(formatBits(format)) + " bits)";
    }
    if ((bits >= 2 && bits <= 8) || (allow16 && bits == 16))
        return {};
    return field + " " + std::to_string(bits) + " is out of range (2-8" + (allow16 ? " or 16)" : ")");
}

// "" when the weight's method suits its format and rank.
std::string methodProblem(const LayerOption& o)
{
    const QuantMethod m = o.weight.method;
    const int terms = o.weight.terms;
    if (m == QuantMethod::Xint && (terms < 2 || terms > kMaxXintTerms))
        return "weight.terms " + std::to_string(terms) + " is out of range (2-" + std::to_string(kMaxXintTerms) + " for xint)";
    if (m != QuantMethod::Xint && terms != 1)
        return "weight.terms " + std::to_string(terms) + " needs weight.method xint (every other method stores one term)";
    const double sparse = o.weight.sparsePercent;
    if (m != QuantMethod::Sqllm && sparse != 0)
        return "weight.sparse_percent " + number(sparse) + " needs weight.method sqllm";
    if (m == QuantMethod::Sqllm && !(sparse >= 0 && sparse <= kMaxSparsePercent))
        return "weight.sparse_percent " + number(sparse) + " is out of range (0-" + number(kMaxSparsePercent) + ")";
    if (m == QuantMethod::Sqllm && o.weight.format == NumberFormat::Int && o.weight.bits > 8)
        return "weight.method sqllm keeps a codebook of 2^bits values: 2-8 bits";
    if (m == QuantMethod::Sqllm && o.weight.granularity != Granularity::PerChannel)
        return "weight.method sqllm keeps one codebook per output channel (granularity per-channel)";
    if (m == QuantMethod::Rtn)
        return {};
    const std::string name = std::string("weight.method ") + nameOf(m);
    if (o.weight.format != NumberFormat::Int && m != QuantMethod::Hadamard && m != QuantMethod::SmoothQuant)
        return name + " needs integer weights (format int)";
    if (o.rank > 0)
        return name + " works on the full-rank weight (rank 0)";
    return {};
}

// What is wrong with `o`, or "". Without a layer only the checks that need no shape run.
std::string optionProblem(const LayerOption& o, const LayerInfo* layer)
{
    const WeightQuant& w = o.weight;
    const ActivationQuant& a = o.activation;
    if (auto p = bitsProblem("weight.bits", w.format, w.bits, true); !p.empty())
        return p;
    if (auto p = bitsProblem("activation.bits", a.format, a.bits, false); !p.empty())
        return p;
    if (a.range == ActivationRange::Percentile && !(a.percentile > 0 && a.percentile <= 100))
        return "activation.percentile " + number(a.percentile) + " is out of range (0, 100]";
    const bool grouped = w.format == NumberFormat::Int && w.granularity == Granularity::PerGroup;
    if (grouped && w.groupSize <= 0)
        return "weight.group_size " + std::to_string(w.groupSize) + " must be positive";
    if (o.rank < 0)
        return "rank " + std::to_string(o.rank) + " is negative";
    if (auto p = methodProblem(o); !p.empty())
        return p;
    if (!layer)
        return {};
    if (methodReadsInputs(w.method) && layer->kind == LayerKind::Embedding)
        return std::string("weight.method ") + nameOf(w.method) + " needs a layer that multiplies its input (an embedding looks rows up)";
    if (methodReadsInputs(w.method) && layer->groups != 1)
        return std::string("weight.method ") + nameOf(w.method) + " needs an ungrouped layer (this is a grouped convolution)";
    const WeightMatrix m = weightMatrix(*layer);
    const int64_t maxRank = std::min(m.rows, m.cols);
    if (o.rank > maxRank)
        return "rank " + std::to_string(o.rank) + " is out of range (0 or 1-" + std::to_string(maxRank) + " for the "
            + std::to_string(m.rows) + "x" + std::to_string(m.cols) + " weight)";
    // U [m x r] and V [r x n] are each grouped along their input dimension.
    if (grouped && m.cols % w.groupSize != 0)
        return "weight.group_size " + std::to_string(w.groupSize) + " does not divide the input dimension "
            + std::to_string(m.cols);
    if (grouped && o.rank % w.groupSize != 0)
        return "weight.group_size " + std::to_string(w.groupSize) + " does not divide the rank "
            + std::to_string(o.rank);
    return {};
}

class JsonReader {
public:
    explicit JsonReader(const std::string& source) : m_source(source) {}

    [[noreturn]] void fail(const std::string& what) const { throw PlanError(m_source + ": " + what); }

    // Only the schema's fields: a misspelt one must not silently leave the default in place.
    void checkObject(const json& j, const std::string& path, std::initializer_list<const char*> fields) const
    {
        if (!j.is_object())
            fail(path + " must be an object, not " + j.type_name());
        for (const auto& item : j.items())
            if (std::none_of(fields.begin(), fields.end(), [&](const char* f) { return item.key() == f; }))
                fail("unknown field '" + printable(item.key()) + "' in " + path);
    }

    int integer(const json& j, const std::string& path) const
    {
        if (!j.is_number_integer())
            fail(path + " must be an integer, not " + j.type_name());
        if ((j.is_number_unsigned() && j.get<uint64_t>() > uint64_t(INT_MAX))
            || (!j.is_number_unsigned() && (j.get<int64_t>() < INT_MIN || j.get<int64_t>() > INT_MAX)))
            fail(path + " " + j.dump() + " is out of range");
        return j.get<int>();
    }

    double real(const json& j, const std::string& path) const
    {
        if (!j.is_number())
            fail(path + " must be a number, not " + j.type_name());
        return j.get<double>();
    }

    // Canonical names and the older spellings the enum's name table accepts.
    template <typename Enum>
    Enum choice(const json& j, const std::string& path) const
    {
        if (!j.is_string())
            fail(path + " must be a string, not " + j.type_name());
        if (const auto value = enumFromName<Enum>(j.get<std::string>()))
            return *value;
        fail(path + " '" + printable(j.get<std::string>()) + "' is not one of " + namesOf<Enum>());
    }

    // Float formats imply their width; int takes bits from the entry, else from what it inherits.
    int bits(const json& j, const std::string& path, NumberFormat format, NumberFormat baseFormat,
             int baseBits) const
    {
        const bool given = j.contains("bits");
        const int value = given ? integer(j.at("bits"), path + ".bits") : 0;
        if (format != NumberFormat::Int) {
            if (given && value != formatBits(format))
                fail(bitsProblem(path + ".bits", format, value, true));
            return formatBits(format);
        }
        if (given)
            return value;
        if (baseFormat != NumberFormat::Int)
            fail(path + ".bits missing (format int needs a bit width)");
        return baseBits;
    }

    WeightQuant weight(const json& j, const std::string& path, const WeightQuant& base) const
    {
        checkObject(j, path, {"format", "bits", "granularity", "group_size", "symmetric", "range", "method", "terms", "sparse_percent"});
        WeightQuant w = base;
        if (j.contains("format"))
            w.format = choice<NumberFormat>(j.at("format"), path + ".format");
        w.bits = bits(j, path, w.format, base.format, base.bits);
        if (j.contains("granularity"))
            w.granularity = choice<Granularity>(j.at("granularity"), path + ".granularity");
        if (j.contains("group_size"))
            w.groupSize = integer(j.at("group_size"), path + ".group_size");
        if (j.contains("symmetric")) {
            if (!j.at("symmetric").is_boolean())
                fail(path + ".symmetric must be a boolean, not " + j.at("symmetric").type_name());
            w.symmetric = j.at("symmetric").get<bool>();
        }
        if (j.contains("range"))
            w.range = choice<WeightRange>(j.at("range"), path + ".range");
        // A layer that names another method than its defaults' leaves their method's own fields.
        if (j.contains("method"))
            w = withMethod(w, choice<QuantMethod>(j.at("method"), path + ".method"));
        if (j.contains("terms"))
            w.terms = integer(j.at("terms"), path + ".terms");
        if (j.contains("sparse_percent"))
            w.sparsePercent = real(j.at("sparse_percent"), path + ".sparse_percent");
        return w;
    }

    ActivationQuant activation(const json& j, const std::string& path, const ActivationQuant& base) const
    {
        checkObject(j, path, {"format", "bits", "range", "percentile"});
        ActivationQuant a = base;
        if (j.contains("format"))
            a.format = choice<NumberFormat>(j.at("format"), path + ".format");
        a.bits = bits(j, path, a.format, base.format, base.bits);
        if (j.contains("range"))
            a.range = choice<ActivationRange>(j.at("range"), path + ".range");
        if (j.contains("percentile"))
            a.percentile = real(j.at("percentile"), path + ".percentile");
        return a;
    }

    LayerOption option(const json& j, const std::string& path, const LayerOption& base) const
    {
        checkObject(j, path, {"weight", "rank", "activation"});
        LayerOption o = base;
        if (j.contains("weight"))
            o.weight = weight(j.at("weight"), path + ".weight", base.weight);
        if (j.contains("rank"))
            o.rank = integer(j.at("rank"), path + ".rank");
        if (j.contains("activation"))
            o.activation = activation(j.at("activation"), path + ".activation", base.activation);
        return o;
    }

private:
    std::string m_source;
};

nlohmann::ordered_json optionToJson(const LayerOption& o)
{
    // ordered_json keeps the fields in schema order, so saved plans read and diff well.
    const WeightQuant& w = o.weight;
    const ActivationQuant& a = o.activation;
    return {{"weight", {{"format", nameOf(w.format)}, {"bits", w.bits}, {"granularity", nameOf(w.granularity)},
                        {"group_size", w.groupSize}, {"symmetric", w.symmetric}, {"range", nameOf(w.range)},
                        {"method", nameOf(w.method)}, {"terms", w.terms}, {"sparse_percent", w.sparsePercent}}},
            {"rank", o.rank},
            {"activation", {{"format", nameOf(a.format)}, {"bits", a.bits},
                            {"range", nameOf(a.range)}, {"percentile", a.percentile}}}};
}

} // namespace

WeightMatrix weightMatrix(const LayerInfo& layer)
{
    WeightMatrix m;
    if (!layer.weightShape.empty() && layer.weightShape[0] > 0) {
        m.rows = layer.weightShape[0];
        m.cols = layer.weightParams / m.rows;
    }
    return m;
}

const LayerOption& CompressionPlan::optionFor(const std::string& layer) const
{
    const auto it = layers.find(layer);
    return it == layers.end() ? defaults : it->second;
}

void validatePlan(const CompressionPlan& plan, const std::vector<LayerInfo>& layers, const std::string& source)
{
    std::set<std::string> names;
    for (const LayerInfo& layer : layers)
        names.insert(layer.name);
    for (const auto& entry : plan.layers)
        if (!names.count(entry.first))
            throw PlanError(source + ": layer '" + printable(entry.first)
                            + "' is not a compressible layer of the model");
    for (const LayerInfo& layer : layers) {
        const bool listed = plan.layers.count(layer.name) > 0;
        if (auto p = optionProblem(plan.optionFor(layer.name), &layer); !p.empty())
            throw PlanError(source + ": layer '" + layer.name + "'" + (listed ? "" : " (from the defaults)") + ": " + p);
    }
    // Defaults that no layer uses must still make sense: the next model may use them.
    if (auto p = optionProblem(plan.defaults, nullptr); !p.empty())
        throw PlanError(source + ": defaults: " + p);
}

std::string planToJson(const CompressionPlan& plan)
{
    nlohmann::ordered_json j;
    j["format"] = "bitlens-plan";
    j["version"] = PlanVersion;
    j["defaults"] = optionToJson(plan.defaults);
    j["layers"] = nlohmann::ordered_json::object();
    for (const auto& [name, option] : plan.layers)
        j["layers"][name] = optionToJson(option);
    return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

CompressionPlan planFromJson(const std::string& text, const std::string& source)
{
    const JsonReader reader(source);
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        // Drop nlohmann's "[json.exception.parse_error.101] " tag: the rest says where and why.
        const std::string what = e.what();
        const size_t tag = what.find("] ");
        reader.fail("malformed JSON: " + (tag == std::string::npos ? what : what.substr(tag + 2)));
    }
    if (!j.is_object())
        reader.fail(std::string("not a BitLens plan (a JSON ") + j.type_name() + ", not an object)");
    if (!j.contains("format"))
        reader.fail("not a BitLens plan (\"format\": \"bitlens-plan\" missing)");
    if (j.at("format") != "bitlens-plan")
        reader.fail("not a BitLens plan (\"format\" is " + j.at("format").dump() + ", not \"bitlens-plan\")");
    if (!j.contains("version"))
        reader.fail("version missing");
    if (const int version = reader.integer(j.at("version"), "version"); version < OldestPlanVersion || version > PlanVersion)
        reader.fail("unsupported plan version " + std::to_string(version) + " (this BitLens reads versions "
                    + std::to_string(OldestPlanVersion) + "-" + std::to_string(PlanVersion) + ")");
    reader.checkObject(j, "the plan", {"format", "version", "defaults", "layers"});
    CompressionPlan plan;
    if (j.contains("defaults"))
        plan.defaults = reader.option(j.at("defaults"), "defaults", LayerOption{});
    if (j.contains("layers")) {
        const json& layers = j.at("layers");
        if (!layers.is_object())
            reader.fail(std::string("layers must be an object, not ") + layers.type_name());
        for (const auto& item : layers.items())
            plan.layers[item.key()] = reader.option(item.value(), "layers." + printable(item.key()), plan.defaults);
    }
    return plan;
}

CompressionPlan readPlanFile(const std::string& path)
{
    std::error_code ec; // the throwing overloads would leak filesystem_error for unreadable folders
    if (!fs::exists(path, ec))
        throw PlanError(path + ": file not found");
    if (fs::is_directory(path, ec))
        throw PlanError(path + ": is a folder, not a plan file");
    std::ifstream in(path, std::ios::binary);
    const std::string text = in ? std::string(std::istreambuf_iterator<char>(in), {}) : std::string();
    if (!in || in.bad())
        throw PlanError(path + ": cannot be read (" + std::generic_category().message(errno) + ")");
    return planFromJson(text, path);
}

void writePlanFile(const CompressionPlan& plan, const std::string& path)
{
    try {
        replaceWholeFile(path, planToJson(plan));
    } catch (const Error& e) {
        throw PlanError(e.what());
    }
}

namespace {

CompressionPlan planOf(const OptionSpec& spec, const std::vector<LayerInfo>& layers)
{
    CompressionPlan plan;
    plan.defaults = spec.option;
    for (const LayerInfo& layer : layers) {
        LayerOption option = spec.resolve(layer);
        if (option != plan.defaults)
            plan.layers[layer.name] = std::move(option);
    }
    validatePlan(plan, layers, "--uniform");
    return plan;
}

} // namespace

CompressionPlan uniformPlan(const std::string& spec, double rankFraction, const std::vector<LayerInfo>& layers)
{
    if (!(rankFraction >= 0 && rankFraction <= 1))
        throw PlanError("--uniform: the rank fraction " + number(rankFraction) + " is out of range (0, 1]");
    return planOf(OptionSpec{optionFromSpec(spec), rankFraction}, layers);
}

CompressionPlan uniformPlan(const std::string& candidate, const std::vector<LayerInfo>& layers)
{
    return planOf(candidateSpec(candidate), layers);
}

std::string optionToJsonText(const LayerOption& option) { return optionToJson(option).dump(); }

LayerOption optionFromJsonText(const std::string& text, const std::string& source)
{
    const JsonReader reader(source);
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception&) {
        reader.fail("malformed option '" + printable(text) + "'");
    }
    return reader.option(j, "option", LayerOption{});
}

} // namespace bitlens
