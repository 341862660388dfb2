#include "packed_weights.h"

#include "../errors.h"
#include "../eval/applied_plan_impl.h"
#include "../hdf5_error.h"
#include "../model/model_impl.h"
#include "../model/safetensors_layers.h"
#include "../progress.h"
#include "../quant/input_transform.h"
#include "hdf5_helpers.h"
#include "hdf5_probe.h"
#include "packed_matrix.h"
#include "safetensors_tensor.h"

#include <Eigen/Core>
#include <H5Cpp.h>

#include <algorithm>
#include <filesystem>

namespace bitlens {
namespace {

using namespace h5;

constexpr const char* kFileFormat = "bitlens-packed-weights";
// Version 2 names formats by the NumberFormat table ("fp16"); version 1 wrote "float16", which the
// table still reads.
constexpr int kVersion = 2;

std::vector<float> product(const PackedMatrix& left, const PackedMatrix& right)
{
    using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const Eigen::Map<const RowMajor> l(left.values.data(), left.rows, left.cols);
    const Eigen::Map<const RowMajor> r(right.values.data(), right.rows, right.cols);
    const RowMajor p = l * r;
    return std::vector<float>(p.data(), p.data() + p.size());
}

// A method's input transform: the channel scales (fp16 values), or the rotation's seed and size.
void writeTransform(H5::Group& g, const InputTransform& t)
{
    if (t.kind == InputTransform::Kind::Scale) {
        const std::vector<float> s = tensorValues<float>(t.tensor.to(torch::kFloat32));
        writeData(g, "input_channel_scales", halfType(), H5::PredType::NATIVE_FLOAT, {s.size()}, s.data());
    } else if (t.kind == InputTransform::Kind::Rotation) {
        setInt(g, "rotation_channels", t.tensor.size(0));
        setInt(g, "rotation_seed", static_cast<int64_t>(t.seed));
    }
}

// The stored W·T⁻¹ with T applied back: the weight the layer computes with.
void undoTransform(PackedLayer& l)
{
    InputTransform t;
    if (!l.inputChannelScales.empty()) {
        t.kind = InputTransform::Kind::Scale;
        t.tensor = torch::tensor(l.inputChannelScales, torch::kFloat32);
    } else if (l.rotationChannels > 0) {
        t.kind = InputTransform::Kind::Rotation;
        t.tensor = hadamardRotation(l.rotationChannels, l.rotationSeed);
    } else {
        return;
    }
    const int64_t rows = l.shape.empty() ? 0 : l.shape[0];
    const int64_t values = static_cast<int64_t>(l.effective.size());
    if (rows <= 0 || values % rows != 0 || (values / rows) % t.tensor.size(0) != 0)
        throw Error("the input transform of " + std::to_string(t.tensor.size(0)) + " channels does not fit shape "
                    + shapeString(l.shape));
    const torch::Tensor w = torch::from_blob(l.effective.data(), {rows, values / rows}, torch::kFloat32);
    const torch::Tensor back = t.fromTransformedWeight(w).contiguous();
    l.effective.assign(back.data_ptr<float>(), back.data_ptr<float>() + values);
}

// One layer's group: index, kind, shape, rank, the matrix (or the two factors), bias and, when
// `input` quantizes the layer's input, its encoding.
void writeLayer(H5::Group& layers, size_t index, const LayerInfo& info, const LayerOption& option,
                const CompressedWeight& c, const torch::Tensor& bias, const ActivationEncoding* input)
{
    H5::Group g = layers.createGroup(info.name);
    setInt(g, "index", static_cast<int64_t>(index));
    setString(g, "kind", kindName(info.kind));
    setInts(g, "shape", info.weightShape);
    setInt(g, "rank", c.left ? option.rank : 0);
    if (c.left) {
        writeMatrix(g, "left", c.left->dequantized, &*c.left, option.weight);
        writeMatrix(g, "right", c.right->dequantized, &*c.right, option.weight);
    } else {
        const torch::Tensor matrix = c.transformed.reshape({c.transformed.size(0), -1});
        writeMatrix(g, "weight", matrix, c.full ? &*c.full : nullptr, option.weight);
    }
    if (option.weight.method != QuantMethod::Rtn)
        setString(g, "method", nameOf(option.weight.method));
    writeTransform(g, c.transform);
    if (bias.defined()) {
        const std::vector<float> values = tensorValues<float>(bias.detach().to(torch::kFloat32));
        writeData(g, "bias", H5::PredType::IEEE_F32LE, H5::PredType::NATIVE_FLOAT, {values.size()}, values.data());
    }
    if (input && input->enabled) {
        const ActivationEncoding& e = *input;
        setString(g, "input_format", nameOf(e.format));
        setInt(g, "input_bits", e.bits);
        setReal(g, "input_min", e.min);
        setReal(g, "input_max", e.max);
        if (e.format == NumberFormat::Int) {
            setReal(g, "input_scale", e.scale);
            setInt(g, "input_zero_point", e.zeroPoint);
            setInt(g, "input_qmin", e.qmin);
            setInt(g, "input_qmax", e.qmax);
        }
    }
}

// The file's root attributes, then `writeLayers` into /layers; HDF5 failures become one Error.
template <typename F>
void writeFile(const std::string& path, const std::string& modelPath, const CompressionPlan& plan, F writeLayers)
{
    H5::Exception::dontPrint();
    try {
        H5::H5File file(path, H5F_ACC_TRUNC);
        setString(file, "format", kFileFormat);
        setInt(file, "version", kVersion);
        setString(file, "model", std::filesystem::path(modelPath).filename().string());
        setString(file, "plan", planToJson(plan));
        H5::Group layers = file.createGroup("layers");
        writeLayers(layers);
    } catch (const H5::Exception& e) {
        throw Error(path + ": cannot write the packed weights (" + hdf5ErrorCause(e) + ")");
    } catch (const std::invalid_argument& e) {
        throw Error(path + ": cannot write the packed weights (" + e.what() + ")");
    }
}

} // namespace

void writePackedWeights(const AppliedPlan& plan, const std::string& path)
{
    const AppliedPlan::Impl& p = plan.impl();
    const Model::Impl& m = p.model->impl();
    writeFile(path, m.path, p.plan, [&](H5::Group& layers) {
        for (size_t i = 0; i < m.layers.size(); ++i)
            writeLayer(layers, i, m.layers[i], p.plan.optionFor(m.layers[i].name), p.layers[i], m.biases[i], &p.encodings[i]);
    });
}

void writePackedWeights(const std::string& safetensorsPath, const CompressionPlan& plan, const std::string& path,
                        Progress& progress)
{
    const SafetensorsFile file(safetensorsPath);
    const std::vector<SafetensorsLayer> layers = safetensorsLayers(file).layers;
    for (const SafetensorsLayer& l : layers)
        if (plan.optionFor(l.info.name).activation.format != NumberFormat::Float32)
            throw PlanError(safetensorsPath + ": the plan quantizes the input of layer '" + l.info.name
                            + "', whose range needs the model run on calibration data, which a safetensors file cannot give");
    torch::NoGradGuard noGrad;
    writeFile(path, safetensorsPath, plan, [&](H5::Group& group) {
        for (size_t i = 0; i < layers.size(); ++i) {
            const SafetensorsLayer& l = layers[i];
            progress.checkCancelled();
            progress.report(double(i) / double(layers.size()), "Packing " + l.info.name);
            const LayerOption& option = plan.optionFor(l.info.name);
            writeLayer(group, i, l.info, option, compressWeight(readFloat32Tensor(file, *l.weight), option),
                       l.bias ? readFloat32Tensor(file, *l.bias) : torch::Tensor(), nullptr);
        }
    });
}

namespace {

PackedWeights readInProcess(const std::string& path)
{
    try {
        const H5::H5File file = openVersionedFile(path, kFileFormat, "packed-weights file", 1, kVersion);
        PackedWeights out;
        out.version = int(getInt(file, "version"));
        out.model = getString(file, "model");
        out.planJson = getString(file, "plan");
        const H5::Group layers = file.openGroup("layers");
        std::vector<std::pair<int64_t, PackedLayer>> ordered;
        for (hsize_t i = 0; i < layers.getNumObjs(); ++i) {
            const std::string name = layers.getObjnameByIdx(i);
            const H5::Group g = layers.openGroup(name);
            try {
                PackedLayer l;
                l.name = name;
                l.kind = getString(g, "kind");
                l.shape = getInts(g, "shape");
                l.rank = static_cast<int>(getInt(g, "rank"));
                if (l.rank > 0) {
                    l.left = readMatrix(g, "left");
                    l.right = readMatrix(g, "right");
                    if (l.left->cols != l.rank || l.right->rows != l.rank)
                        throw Error("factors do not match rank " + std::to_string(l.rank));
                    if (l.left->cols != l.right->rows)
                        throw Error("factors of " + std::to_string(l.left->cols) + " and " + std::to_string(l.right->rows) + " ranks");
                    l.effective = product(*l.left, *l.right);
                } else {
                    l.weight = readMatrix(g, "weight");
                    l.effective = l.weight->values;
                }
                int64_t elements = 1;
                for (int64_t d : l.shape)
                    elements = d >= 0 && elements <= (int64_t(1) << 40) ? elements * d : -1;
                if (elements != int64_t(l.effective.size()))
                    throw Error("the stored matrices hold " + std::to_string(l.effective.size()) + " values for shape "
                                + shapeString(l.shape));
                if (g.attrExists("method"))
                    l.method = getString(g, "method");
                if (exists(g, "input_channel_scales"))
                    l.inputChannelScales = readData<float>(g, "input_channel_scales", H5::PredType::NATIVE_FLOAT);
                if (g.attrExists("rotation_seed")) {
                    l.rotationChannels = getInt(g, "rotation_channels");
                    l.rotationSeed = static_cast<uint64_t>(getInt(g, "rotation_seed"));
                    if (l.rotationChannels <= 0 || l.rotationChannels > (int64_t(1) << 20))
                        throw Error("rotation_channels " + std::to_string(l.rotationChannels) + " is out of range");
                }
                undoTransform(l);
                if (exists(g, "bias"))
                    l.bias = readData<float>(g, "bias", H5::PredType::NATIVE_FLOAT);
                if (g.attrExists("input_format")) {
                    l.inputQuantized = true;
                    l.inputFormat = getString(g, "input_format");
                    l.inputBits = static_cast<int>(getInt(g, "input_bits"));
                    l.inputMin = getReal(g, "input_min");
                    l.inputMax = getReal(g, "input_max");
                    if (g.attrExists("input_scale")) {
                        l.inputScale = getReal(g, "input_scale");
                        l.inputZeroPoint = getInt(g, "input_zero_point");
                    }
                }
                ordered.emplace_back(getInt(g, "index"), std::move(l));
            } catch (const Error& e) {
                throw Error(path + ": layer '" + name + "': " + e.what());
            }
        }
        // HDF5 lists groups alphabetically; the model's order is their index attribute.
        std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto& [index, layer] : ordered)
            out.layers.push_back(std::move(layer));
        return out;
    } catch (const H5::Exception& e) {
        throw Error(path + ": cannot read the packed weights (" + hdf5ErrorCause(e) + ")");
    } catch (const std::invalid_argument& e) {
        throw Error(path + ": damaged packed weights (" + e.what() + ")");
    }
}

} // namespace

PackedWeights readPackedWeights(const std::string& path)
{
    probeHdf5File(path, [&] { readInProcess(path); });
    return readInProcess(path);
}

} // namespace bitlens
