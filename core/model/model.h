#pragma once
// A loaded TorchScript model and its compressible layers. LibTorch stays behind the pimpl so
// views/ and app/ can hold a Model without torch headers.

#include "layer_info.h"

#include <memory>
#include <string>
#include <vector>

namespace bitlens {

struct SampleSet;

// Ownership: unique; the app's Session owns the one instance. Threading: load() may run on any
// thread; afterwards use a Model from one thread at a time (the GUI hands it to one worker).
class Model {
public:
    // Loads a TorchScript archive and discovers its layers: every weight forward feeds to a
    // convolution, linear or embedding (layer_graph.h), whatever its module's type.
    // Throws ModelLoadError naming the file: missing, not TorchScript, truncated, no layer.
    static std::unique_ptr<Model> load(const std::string& path);
    ~Model();
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    const std::string& path() const;
    const std::vector<LayerInfo>& layers() const;
    int64_t totalParams() const; // every parameter, compressible or not

    // Runs a small batch from `probe` through the model, capturing every layer's input and output
    // to measure MACs per sample. Throws ModelLoadError when forward rejects the dataset's input.
    void profile(const SampleSet& probe);
    bool profiled() const;
    std::vector<int64_t> outputShape() const; // per sample; empty until profiled
    int64_t totalMacs() const;                // sum over layers; -1 until profiled

    struct Impl;
    Impl& impl() const; // for core's own use; its header pulls in LibTorch

private:
    explicit Model(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

// The demo models shipped in resources/models (BITLENS_DEMO_DIR overrides the folder).
std::string demoModelDir();
std::string defaultModelPath(); // the bigger demo model

} // namespace bitlens
