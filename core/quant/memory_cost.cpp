#include "memory_cost.h"

namespace bitlens {
namespace {

// fp16 scales of one quantized [rows x cols] matrix.
int64_t scalesOf(const WeightQuant& w, int64_t rows, int64_t cols)
{
    switch (w.granularity) {
    case Granularity::PerTensor: return 1;
    case Granularity::PerChannel: return rows;
    // validatePlan refuses a group size <= 0; the GUI's preview may ask before it ran.
    case Granularity::PerGroup: return w.groupSize > 0 ? rows * (cols / w.groupSize) : rows;
    }
    return 0;
}

int widthOf(NumberFormat format, int bits) { return format == NumberFormat::Int ? bits : formatBits(format); }

// What a method stores beside the matrix: fp16 input-channel scales, a rotation's seed, or
// sqllm's fp16 codebooks and its sparse weights in CSR (fp16 values, int32 columns and row starts).
int64_t methodBytes(const WeightQuant& w, const LayerInfo& layer)
{
    switch (w.method) {
    case QuantMethod::Sqllm: {
        const WeightMatrix m = weightMatrix(layer);
        const int64_t sparse = sparseWeightCount(w, m.rows * m.cols);
        return m.rows * (int64_t(1) << w.bits) * 2 + (sparse > 0 ? 6 * sparse + 4 * (m.rows + 1) : 0);
    }
    case QuantMethod::Awq:
    case QuantMethod::SmoothQuant: return layer.weightShape.size() > 1 ? 2 * layer.weightShape[1] : 0;
    case QuantMethod::Hadamard: return 8;
    case QuantMethod::Rtn:
    case QuantMethod::Gptq:
    case QuantMethod::GptqActOrder:
    case QuantMethod::Lwc:
    case QuantMethod::Xint: return 0;
    }
    return 0;
}

} // namespace

LayerCost layerCost(const LayerInfo& layer, const LayerOption& option)
{
    const WeightMatrix m = weightMatrix(layer);
    const int64_t r = option.rank;
    const WeightQuant& w = option.weight;
    LayerCost c;
    c.storedValues = r > 0 ? r * (m.rows + m.cols) : layer.weightParams;
    const int weightBits = widthOf(w.format, w.bits);
    // xint stores every term: its codes and its grid's scales.
    c.payloadBits = c.storedValues * weightBits * w.terms;
    if (w.format == NumberFormat::Int && w.method != QuantMethod::Sqllm) {
        // A factored layer stores U [m x r] and V [r x n], each with its own scales.
        c.scaleCount = w.terms * (r > 0 ? scalesOf(w, m.rows, r) + scalesOf(w, r, m.cols) : scalesOf(w, m.rows, m.cols));
        c.zeroPointCount = w.symmetric ? 0 : c.scaleCount;
    }
    c.methodBytes = methodBytes(w, layer);
    c.metadataBytes = 2 * c.scaleCount + c.zeroPointCount * (weightBits <= 8 ? 1 : 2) + c.methodBytes;
    c.biasBytes = 4 * layer.biasParams;
    c.bytes = (c.payloadBits + 7) / 8 + c.metadataBytes + c.biasBytes;
    if (layer.weightParams > 0)
        c.bitsPerWeight = double(c.payloadBits + 8 * c.metadataBytes) / double(layer.weightParams);
    if (layer.macsPerSample < 0) {
        c.macs = -1;
        return c;
    }
    // MACs of conv and linear layers are a whole multiple of m*n (one per output position), so
    // dividing first is exact and cannot overflow.
    const int64_t mn = m.rows * m.cols;
    c.macs = r > 0 && mn > 0 ? layer.macsPerSample / mn * r * (m.rows + m.cols) : layer.macsPerSample;
    // xint's terms: one low-bit product each (the summed weight is a wider one).
    c.bops = c.macs * weightBits * w.terms * widthOf(option.activation.format, option.activation.bits);
    return c;
}

PlanCost planCost(const std::vector<LayerInfo>& layers, int64_t totalParams, const CompressionPlan& plan)
{
    PlanCost p;
    int64_t layerParams = 0;
    int64_t weightParams = 0;
    int64_t weightBits = 0;
    bool macsKnown = true;
    for (const LayerInfo& layer : layers) {
        const LayerCost c = layerCost(layer, plan.optionFor(layer.name));
        layerParams += layer.params();
        weightParams += layer.weightParams;
        weightBits += c.payloadBits + 8 * c.metadataBytes;
        p.layerBytes += c.bytes;
        p.bops += c.bops;
        macsKnown = macsKnown && c.macs >= 0;
        p.layers.push_back(c);
    }
    p.otherBytes = 4 * (totalParams - layerParams);
    p.totalBytes = p.layerBytes + p.otherBytes;
    p.fp32Bytes = 4 * totalParams;
    if (weightParams > 0)
        p.averageBits = double(weightBits) / double(weightParams);
    if (p.totalBytes > 0)
        p.compressionRatio = double(p.fp32Bytes) / double(p.totalBytes);
    if (!macsKnown)
        p.bops = 0;
    return p;
}

} // namespace bitlens
