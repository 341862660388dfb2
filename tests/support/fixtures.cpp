#include "fixtures.h"

#include <torch/script.h>

#include <cmath>

namespace bitlens::testing {
namespace {

// A module whose class carries the stock torch.nn Linear type name, as a scripted nn.Linear does.
torch::jit::Module linearModule(int in, int out, double scale, bool bias)
{
    torch::jit::Module fc("__torch__.torch.nn.modules.linear.Linear");
    fc.register_parameter("weight", torch::randn({out, in}) * scale, false);
    if (bias) {
        fc.register_parameter("bias", torch::zeros({out}), false);
        fc.define("def forward(self, x):\n    return torch.linear(x, self.weight, self.bias)\n");
    } else {
        fc.define("def forward(self, x):\n    return torch.linear(x, self.weight)\n");
    }
    return fc;
}

} // namespace

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
    torch::jit::Module root("__torch__.TinyLinear");
    root.register_module("fc", linearModule(in, out, 0.1, true));
    root.define(R"(
def forward(self, x):
    return self.fc.forward(torch.flatten(x, 1))
)");
    root.save(path);
}

void writeLoopModel(const std::string& path, int width)
{
    torch::manual_seed(0);
    torch::jit::Module root("__torch__.LoopModel");
    root.register_module("fc", linearModule(width, width, 0.1, true));
    root.define(R"(
def forward(self, x):
    x = torch.flatten(x, 1)
    for i in range(2):
        x = self.fc.forward(x)
    return x
)");
    root.save(path);
}

void writeLinearStack(const std::string& path, int width, int depth)
{
    torch::manual_seed(0);
    torch::jit::Module root("__torch__.LinearStack");
    std::string forward = "def forward(self, x):\n";
    for (int i = 0; i < depth; ++i) {
        root.register_module("l" + std::to_string(i), linearModule(width, width, 1.0 / std::sqrt(double(width)), false));
        forward += "    x = torch.relu(self.l" + std::to_string(i) + ".forward(x))\n";
    }
    root.define(forward + "    return x\n");
    root.save(path);
}

} // namespace bitlens::testing
