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
            index.emplace(m.weightPaths[i], i);
            const torch::Tensor stored = attributeTensor(fresh, m.weightPaths[i]);
            (m.transposed[i] ? stored.t() : stored).copy_(p.layers[i].transformed);
        }
        const bool quantizesInputs = std::any_of(p.encodings.begin(), p.encodings.end(),
                                                 [](const ActivationEncoding& e) { return e.enabled; });
        const std::vector<InputTransform> transforms = p.transforms();
        const bool transformsInputs = std::any_of(transforms.begin(), transforms.end(),
                                                  [](const InputTransform& t) { return !t.identity(); });
        if (quantizesInputs || transformsInputs) {
            const LayerGraph graph(fresh, index);
            replaceForward(fresh, buildPlanGraph(graph, m.layers, p.encodings, transforms, /*weightsAsInputs=*/false));
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
