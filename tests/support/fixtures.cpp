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

void writeTinyDecoder(const std::string& path, int vocab, int width, int heads, int blocks)
{
    torch::manual_seed(0);
    torch::jit::Module root("__torch__.TinyDecoder");
    torch::jit::Module embed("__torch__.torch.nn.modules.sparse.Embedding");
    embed.register_parameter("weight", torch::randn({vocab, width}), false);
    root.register_module("embed", embed);
    const double scale = 1.0 / std::sqrt(double(width));
    const std::string w = std::to_string(width), hd = std::to_string(width / heads), h = std::to_string(heads);
    std::string forward = "def forward(self, tokens):\n"
                          "    n, t = tokens.size(0), tokens.size(1)\n"
                          "    x = torch.embedding(self.embed.weight, tokens)\n"
                          "    mask = torch.ones([t, t]).triu(1) > 0.5\n";
    for (int b = 0; b < blocks; ++b) {
        const std::string p = "self.b" + std::to_string(b) + "_";
        for (const char* proj : {"q", "k", "v", "o"})
            root.register_module("b" + std::to_string(b) + "_" + proj, linearModule(width, width, scale, false));
        root.register_module("b" + std::to_string(b) + "_gate", linearModule(width, 2 * width, scale, false));
        root.register_module("b" + std::to_string(b) + "_up", linearModule(width, 2 * width, scale, false));
        root.register_module("b" + std::to_string(b) + "_down", linearModule(2 * width, width, scale / std::sqrt(2.0), false));
        forward += "    a = torch.layer_norm(x, [" + w + "])\n"
                   "    q = " + p + "q.forward(a).view(n, t, " + h + ", " + hd + ").transpose(1, 2)\n"
                   "    k = " + p + "k.forward(a).view(n, t, " + h + ", " + hd + ").transpose(1, 2)\n"
                   "    v = " + p + "v.forward(a).view(n, t, " + h + ", " + hd + ").transpose(1, 2)\n"
                   "    s = torch.matmul(q, k.transpose(-2, -1)) / " + std::to_string(std::sqrt(double(width / heads))) + "\n"
                   "    s = torch.softmax(s.masked_fill(mask, float('-inf')), -1)\n"
                   "    x = x + " + p + "o.forward(torch.matmul(s, v).transpose(1, 2).reshape(n, t, " + w + "))\n"
                   "    a = torch.layer_norm(x, [" + w + "])\n"
                   "    x = x + " + p + "down.forward(torch.silu(" + p + "gate.forward(a)) * " + p + "up.forward(a))\n";
    }
    root.register_module("head", linearModule(width, vocab, scale, false));
    root.define(forward + "    return self.head.forward(torch.layer_norm(x, [" + w + "]))\n");
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
