#include "allocation_problem.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>

using nlohmann::json;

namespace bitlens {
namespace {

std::string quoted(const std::string& s)
{
    std::string out = "'";
    for (char c : s)
        out += static_cast<unsigned char>(c) < 0x20 ? '?' : c; // messages stay on one line
    return out + "'";
}

int optionWithLabel(const AllocationLayer& layer, const std::string& label)
{
    for (size_t o = 0; o < layer.options.size(); ++o)
        if (layer.options[o].label == label)
            return int(o);
    return -1;
}

// Validation for one context ("allocation problem" or the file it was read from), so messages read
// the same whether the problem came from code or from JSON.
class ProblemChecker {
public:
    ProblemChecker(const AllocationProblem& problem, std::string context)
        : m_problem(problem), m_context(std::move(context))
    {
    }

    void check() const
    {
        if (m_problem.layers.empty())
            fail("there are no layers");
        if (m_problem.budgetBops && (!std::isfinite(*m_problem.budgetBops) || *m_problem.budgetBops < 0))
            fail("the BOPs budget is negative or not finite");
        std::set<std::string> names;
        for (const AllocationLayer& layer : m_problem.layers) {
            if (!names.insert(layer.name).second)
                fail("two layers are named " + quoted(layer.name));
            checkLayer(layer);
        }
        for (const auto& [layer, option] : m_problem.pinned) {
            if (layer < 0 || size_t(layer) >= m_problem.layers.size())
                fail("a pin names layer index " + std::to_string(layer) + ", out of range");
            if (option < 0 || size_t(option) >= m_problem.layers[size_t(layer)].options.size())
                fail(layerName(layer) + " is pinned to option " + std::to_string(option) + ", out of range");
        }
        std::vector<int> groupOfLayer(m_problem.layers.size(), -1);
        for (size_t g = 0; g < m_problem.tieGroups.size(); ++g)
            checkTieGroup(m_problem.tieGroups[g], groupOfLayer, int(g));
        for (const auto& [layer, option] : m_problem.pinned)
            if (groupOfLayer[size_t(layer)] >= 0)
                checkTiedPin(layer, option, m_problem.tieGroups[size_t(groupOfLayer[size_t(layer)])]);
    }

private:
    [[noreturn]] void fail(const std::string& what) const { throw AllocationError(m_context + ": " + what); }

    std::string layerName(int layer) const { return "layer " + quoted(m_problem.layers[size_t(layer)].name); }

    void checkLayer(const AllocationLayer& layer) const
    {
        const std::string name = "layer " + quoted(layer.name);
        if (layer.options.empty())
            fail(name + " has no options");
        std::set<std::string> labels;
        for (const AllocationOption& o : layer.options) {
            const std::string option = name + " option " + quoted(o.label);
            if (!labels.insert(o.label).second)
                fail(name + " has two options labelled " + quoted(o.label));
            if (!std::isfinite(o.deltaLoss))
                fail(option + " has a non-finite delta_loss");
            if (!std::isfinite(o.bops) || o.bops < 0)
                fail(option + " has BOPs that are negative or not finite");
            if (o.bytes < 0)
                fail(option + " has negative bytes");
        }
    }

    void checkTieGroup(const std::vector<int>& group, std::vector<int>& groupOfLayer, int index) const
    {
        const std::string name = "tie group " + std::to_string(index);
        if (group.empty())
            fail(name + " is empty");
        for (int layer : group) {
            if (layer < 0 || size_t(layer) >= m_problem.layers.size())
                fail(name + " names layer index " + std::to_string(layer) + ", out of range");
            if (groupOfLayer[size_t(layer)] >= 0)
                fail(layerName(layer) + " is in two tie groups (or twice in one)");
            groupOfLayer[size_t(layer)] = index;
        }
        const AllocationLayer& first = m_problem.layers[size_t(group.front())];
        const bool anyCommon = std::any_of(first.options.begin(), first.options.end(), [&](const AllocationOption& o) {
            return std::all_of(group.begin(), group.end(),
                               [&](int l) { return optionWithLabel(m_problem.layers[size_t(l)], o.label) >= 0; });
        });
        if (!anyCommon)
            fail("the tie group of " + layerName(group.front()) + " has no option label common to all its layers");
    }

    // A pin inside a tie group fixes the whole group's label, so every member must have it.
    void checkTiedPin(int layer, int option, const std::vector<int>& group) const
    {
        const std::string& label = m_problem.layers[size_t(layer)].options[size_t(option)].label;
        for (int member : group) {
            const int memberOption = optionWithLabel(m_problem.layers[size_t(member)], label);
            if (memberOption < 0)
                fail(layerName(layer) + " is pinned to " + quoted(label) + ", which tied " + layerName(member)
                     + " does not have");
            const auto memberPin = m_problem.pinned.find(member);
            if (memberPin != m_problem.pinned.end() && memberPin->second != memberOption)
                fail(layerName(layer) + " and tied " + layerName(member) + " are pinned to different labels");
        }
    }

    const AllocationProblem& m_problem;
    std::string m_context;
};

} // namespace

void AllocationProblem::validate() const
{
    ProblemChecker(*this, "allocation problem").check();
}

std::string problemToJson(const AllocationProblem& problem)
{
    problem.validate();
    json layers = json::array();
    for (const AllocationLayer& layer : problem.layers) {
        json options = json::array();
        for (const AllocationOption& o : layer.options)
            options.push_back({{"label", o.label}, {"delta_loss", o.deltaLoss}, {"bytes", o.bytes}, {"bops", o.bops}});
        layers.push_back({{"name", layer.name}, {"options", std::move(options)}});
    }
    json j = {{"budget_bytes", problem.budgetBytes},
              {"budget_bops", problem.budgetBops ? json(*problem.budgetBops) : json(nullptr)},
              {"layers", std::move(layers)}};
    if (!problem.pinned.empty()) {
        json pinned = json::object();
        for (const auto& [layer, option] : problem.pinned) {
            const AllocationLayer& l = problem.layers.at(size_t(layer));
            pinned[l.name] = l.options.at(size_t(option)).label;
        }
        j["pinned"] = std::move(pinned);
    }
    if (!problem.tieGroups.empty()) {
        json groups = json::array();
        for (const std::vector<int>& group : problem.tieGroups) {
            json names = json::array();
            for (int layer : group)
                names.push_back(problem.layers.at(size_t(layer)).name);
            groups.push_back(std::move(names));
        }
        j["tie_groups"] = std::move(groups);
    }
    return j.dump(1);
}

namespace {

class JsonReader {
public:
    explicit JsonReader(const std::string& source) : m_source(source) {}

    [[noreturn]] void fail(const std::string& what) const
    {
        throw AllocationError("allocation problem " + m_source + ": " + what);
    }

    // Only the schema's fields: a misspelt one must not silently leave a default in place.
    void checkObject(const json& j, const std::string& path, std::initializer_list<const char*> required,
                     std::initializer_list<const char*> optional = {}) const
    {
        if (!j.is_object())
            fail(path + " must be an object, not " + j.type_name());
        for (const char* field : required)
            if (!j.contains(field))
                fail(path + " has no field '" + field + "'");
        for (const auto& item : j.items()) {
            const auto named = [&](const char* f) { return item.key() == f; };
            if (std::none_of(required.begin(), required.end(), named) && std::none_of(optional.begin(), optional.end(), named))
                fail("unknown field " + quoted(item.key()) + " in " + path);
        }
    }

    const json& array(const json& j, const std::string& path) const
    {
        if (!j.is_array())
            fail(path + " must be an array, not " + j.type_name());
        return j;
    }

    std::string string(const json& j, const std::string& path) const
    {
        if (!j.is_string())
            fail(path + " must be a string, not " + j.type_name());
        return j.get<std::string>();
    }

    double number(const json& j, const std::string& path) const
    {
        if (!j.is_number())
            fail(path + " must be a number, not " + j.type_name());
        return j.get<double>();
    }

    int64_t integer(const json& j, const std::string& path) const
    {
        if (j.is_number_unsigned() && j.get<uint64_t>() > uint64_t(INT64_MAX))
            fail(path + " " + j.dump() + " is out of range");
        if (j.is_number_integer())
            return j.get<int64_t>();
        if (j.is_number_float() && j.get<double>() == std::floor(j.get<double>()) && std::abs(j.get<double>()) < 9e15)
            return int64_t(j.get<double>());
        fail(path + " must be an integer, not " + j.dump());
    }

    int layerNamed(const AllocationProblem& p, const std::string& name, const std::string& path) const
    {
        for (size_t l = 0; l < p.layers.size(); ++l)
            if (p.layers[l].name == name)
                return int(l);
        fail(path + " names layer " + quoted(name) + ", which is not in layers");
    }

    AllocationProblem problem(const json& j) const
    {
        checkObject(j, "the document", {"budget_bytes", "budget_bops", "layers"}, {"pinned", "tie_groups"});
        AllocationProblem p;
        p.budgetBytes = integer(j["budget_bytes"], "budget_bytes");
        if (!j["budget_bops"].is_null())
            p.budgetBops = number(j["budget_bops"], "budget_bops");
        for (size_t l = 0; l < array(j["layers"], "layers").size(); ++l) {
            const std::string path = "layers[" + std::to_string(l) + "]";
            const json& jl = j["layers"][l];
            checkObject(jl, path, {"name", "options"});
            AllocationLayer layer;
            layer.name = string(jl["name"], path + ".name");
            for (size_t o = 0; o < array(jl["options"], path + ".options").size(); ++o) {
                const std::string opath = path + ".options[" + std::to_string(o) + "]";
                const json& jo = jl["options"][o];
                checkObject(jo, opath, {"label", "delta_loss", "bytes", "bops"});
                layer.options.push_back({string(jo["label"], opath + ".label"), number(jo["delta_loss"], opath + ".delta_loss"),
                                         integer(jo["bytes"], opath + ".bytes"), number(jo["bops"], opath + ".bops")});
            }
            p.layers.push_back(std::move(layer));
        }
        if (j.contains("pinned")) {
            if (!j["pinned"].is_object())
                fail(std::string("pinned must be an object, not ") + j["pinned"].type_name());
            for (const auto& item : j["pinned"].items()) {
                const std::string path = "pinned[" + quoted(item.key()) + "]";
                const int layer = layerNamed(p, item.key(), path);
                const std::string label = string(item.value(), path);
                const int option = optionWithLabel(p.layers[size_t(layer)], label);
                if (option < 0)
                    fail(path + " names option " + quoted(label) + ", which the layer does not have");
                p.pinned[layer] = option;
            }
        }
        if (j.contains("tie_groups")) {
            for (size_t g = 0; g < array(j["tie_groups"], "tie_groups").size(); ++g) {
                const std::string path = "tie_groups[" + std::to_string(g) + "]";
                std::vector<int> group;
                for (const json& name : array(j["tie_groups"][g], path))
                    group.push_back(layerNamed(p, string(name, path), path));
                p.tieGroups.push_back(std::move(group));
            }
        }
        return p;
    }

private:
    std::string m_source;
};

} // namespace

AllocationProblem problemFromJson(const std::string& text, const std::string& source)
{
    const JsonReader reader(source);
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        reader.fail(std::string("not valid JSON (") + e.what() + ")");
    }
    AllocationProblem p = reader.problem(j);
    ProblemChecker(p, "allocation problem " + source).check();
    return p;
}

} // namespace bitlens
