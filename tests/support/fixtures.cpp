#include "fixtures.h"

#include <torch/script.h>

namespace bitlens::testing {

void writeModelWithoutLayers(const std::string& path)
{
    torch::jit::Module m("__torch__.PlainScale");
    m.define(R"(
def forward(self, x):
    return x * 2.0
)");
    m.save(path);
}

void writeLinearModel(const std::string& path, int in, int out)
{
    torch::manual_seed(0);
    torch::jit::Module fc("__torch__.torch.nn.modules.linear.Linear");
    fc.register_parameter("weight", torch::randn({out, in}) * 0.1, false);
    fc.register_parameter("bias", torch::zeros({out}), false);
    fc.define(R"(
def forward(self, x):
    return torch.linear(x, self.weight, self.bias)
)");
    torch::jit::Module root("__torch__.TinyLinear");
    root.register_module("fc", fc);
    root.define(R"(
def forward(self, x):
    return self.fc.forward(torch.flatten(x, 1))
)");
    root.save(path);
}

} // namespace bitlens::testing
