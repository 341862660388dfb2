#include "fixtures.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/script.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

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

void writeModelCallingOperator(const std::string& path, const std::string& op)
{
    torch::manual_seed(0);
    torch::jit::Module root("__torch__.CallsOperator");
    root.register_module("fc", linearModule(8, 8, 0.1, true));
    root.define(R"(
def forward(self, x):
    y = self.fc.forward(x)
    return torch.softmax(y, -1)
)");
    std::ostringstream saved;
    root.save(saved);
    std::istringstream in(saved.str());
    caffe2::serialize::PyTorchStreamReader reader(&in);
    caffe2::serialize::PyTorchStreamWriter writer(path);
    writer.setMinVersion(reader.version());
    const std::string from = "torch.softmax(y, -1)", to = "torch." + op + "(y, y, y)";
    bool rewritten = false;
    for (const std::string& name : reader.getAllRecords()) {
        // The writer adds its own version record; debug records would describe the old code.
        if (name == "version" || name.find("debug_pkl") != std::string::npos)
            continue;
        auto [data, size] = reader.getRecord(name);
        std::string bytes(static_cast<const char*>(data.get()), size);
        if (const size_t at = bytes.find(from); at != std::string::npos) {
            bytes.replace(at, from.size(), to);
            rewritten = true;
        }
        writer.writeRecord(name, bytes.data(), bytes.size());
    }
    writer.writeEndOfFile();
    if (!rewritten)
        throw std::runtime_error("writeModelCallingOperator: the saved code does not call " + from);
}

} // namespace bitlens::testing
