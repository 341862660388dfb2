#include "torchscript_export.h"

#include "../errors.h"
#include "../eval/applied_plan_impl.h"
#include "../model/model_impl.h"
#include "../quant/plan_graph.h"
#include "../torch_error.h"
#include "atomic_file.h"

#include <sstream>

namespace bitlens {
namespace {

torch::jit::Module submodule(torch::jit::Module root, const std::string& qualifiedName)
{
    size_t begin = 0;
    while (begin <= qualifiedName.size()) {
        const size_t dot = std::min(qualifiedName.find('.', begin), qualifiedName.size());
        root = root.attr(qualifiedName.substr(begin, dot - begin)).toModule();
        begin = dot + 1;
    }
    return root;
}

// Makes `graph` the module's forward. The module was loaded from a file just now, so its class
// type and compilation unit belong to it alone.
void replaceForward(torch::jit::Module& module, const std::shared_ptr<torch::jit::Graph>& graph)
{
    const c10::ClassTypePtr type = module.type();
    const c10::QualifiedName name(*type->name(), "forward");
    const std::shared_ptr<torch::jit::CompilationUnit> unit = module._ivalue()->compilation_unit();
    type->unsafeRemoveMethod("forward");
    unit->unsafeRemoveMethod(name);
    type->addMethod(unit->create_function(name, graph));
}

} // namespace

void writeTorchScript(const AppliedPlan& plan, const std::string& path)
{
    const AppliedPlan::Impl& p = plan.impl();
    const Model::Impl& m = p.model->impl();
    std::string serialized;
    try {
        torch::jit::Module fresh = torch::jit::load(m.path, torch::kCPU);
        fresh.eval();
        torch::NoGradGuard noGrad;
        std::unordered_map<std::string, size_t> index;
        for (size_t i = 0; i < m.layers.size(); ++i) {
            index.emplace(m.layers[i].name, i);
            submodule(fresh, m.layers[i].name).attr("weight").toTensor().copy_(p.layers[i].effective);
        }
        const bool quantizesInputs = std::any_of(p.encodings.begin(), p.encodings.end(),
                                                 [](const ActivationEncoding& e) { return e.enabled; });
        if (quantizesInputs) {
            const LayerGraph graph(fresh, index);
            replaceForward(fresh, buildPlanGraph(graph, m.layers.size(), p.encodings, /*weightsAsInputs=*/false));
        }
        // Saved to memory first: LibTorch's file writer throws a second time from its destructor
        // when a write fails (a full disk), which would abort the process.
        std::ostringstream bytes;
        fresh.save(bytes);
        serialized = bytes.str();
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(path + ": cannot write the TorchScript model (" + torchErrorSummary(e) + ")");
    }
    writeWholeFile(path, serialized);
}

} // namespace bitlens
