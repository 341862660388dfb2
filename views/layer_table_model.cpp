#include "layer_table_model.h"

#include "format.h"

#include <QLocale>

#include <cmath>
#include <limits>

namespace bitlens::views {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool isAnalysisColumn(int column)
{
    return column >= LayerTableModel::TopEigenvalue && column <= LayerTableModel::PredictedDeltaLoss;
}

QString bitsText(const WeightQuant& w)
{
    if (w.format == NumberFormat::Int)
        return QString::number(w.bits);
    if (w.format == NumberFormat::Float32)
        return QStringLiteral("32");
    return QString::fromLatin1(nameOf(w.format));
}

} // namespace

void LayerTableModel::setLayers(std::vector<LayerInfo> layers)
{
    beginResetModel();
    m_layers = std::move(layers);
    refreshDerived();
    endResetModel();
}

void LayerTableModel::setAnalysis(std::shared_ptr<const ModelAnalysis> analysis)
{
    m_analysis = std::move(analysis);
    refreshDerived();
    if (!m_layers.empty())
        emit dataChanged(index(0, TopEigenvalue), index(rowCount() - 1, PredictedDeltaLoss));
}

void LayerTableModel::setPlan(const CompressionPlan& plan, const PlanPrediction& prediction)
{
    const bool newEstimator = prediction.estimator != m_prediction.estimator;
    m_plan = plan;
    m_prediction = prediction;
    refreshDerived();
    if (!m_layers.empty())
        emit dataChanged(index(0, Bits), index(rowCount() - 1, PredictedDeltaLoss));
    if (newEstimator)
        emit headerDataChanged(Qt::Horizontal, PredictedDeltaLoss, PredictedDeltaLoss);
}

void LayerTableModel::refreshDerived()
{
    m_columnScale.assign(ColumnCount, 0.0);
    for (int c = TopEigenvalue; c <= PredictedDeltaLoss; ++c) {
        for (int r = 0; r < rowCount(); ++r) {
            const double v = value(r, c);
            if (std::isfinite(v))
                m_columnScale[size_t(c)] = std::max(m_columnScale[size_t(c)], std::abs(v));
        }
    }
}

double LayerTableModel::value(int row, int column) const
{
    const LayerInfo& l = m_layers[size_t(row)];
    const LayerOption& option = m_plan.optionFor(l.name);
    switch (column) {
    case Params: return double(l.params());
    case Macs: return l.macsPerSample < 0 ? kNaN : double(l.macsPerSample);
    case Bits: return option.weight.bits;
    case Rank: return option.rank > 0 ? double(option.rank) : kNaN;
    default: break;
    }
    if (!m_analysis || m_analysis->layers.size() != m_layers.size())
        return kNaN;
    const ModelAnalysis& a = *m_analysis;
    const size_t i = size_t(row);
    switch (column) {
    case TopEigenvalue:
        return i < a.hessian.layers.size() && !a.hessian.layers[i].topEigenvalues.empty()
                   ? a.hessian.layers[i].topEigenvalues.front() : kNaN;
    case Trace:
        // Until the analysis ends a trace holds only its Krylov part: not worth showing.
        return a.hessian.seconds > 0 && i < a.hessian.layers.size() ? a.hessian.layers[i].trace : kNaN;
    case Kurtosis: return i < a.weights.size() ? a.weights[i].values.kurtosis : kNaN;
    case OutlierPercent:
        return i < a.weights.size() && !a.weights[i].values.beyondSigma.empty()
                   ? 100.0 * a.weights[i].values.beyondSigma.front() : kNaN;
    case InputAbsMax:
        return i < a.activations.size() && a.activations[i].measured ? a.activations[i].values.absMax : kNaN;
    case PredictedDeltaLoss:
        // Without a cost table nothing is predicted, not even FP32's zero.
        return !a.sensitivity.empty() && i < m_prediction.layerDeltaLoss.size() ? m_prediction.layerDeltaLoss[i] : kNaN;
    default: return kNaN;
    }
}

QString LayerTableModel::missingReason(int column) const
{
    const bool analysed = m_analysis && m_analysis->layers.size() == m_layers.size();
    switch (column) {
    case TopEigenvalue:
    case Trace:
        return analysed && !m_analysis->hessian.empty() ? tr("Not finished, or the products were not finite")
                                                        : tr("Not analysed yet: Analyse with the Hessian");
    case Kurtosis:
    case OutlierPercent: return tr("Not analysed yet: Analyse with statistics");
    case InputAbsMax:
        return analysed && !m_analysis->activations.empty() ? tr("Integer input: not measured")
                                                            : tr("Not analysed yet: Analyse with activations");
    case PredictedDeltaLoss:
        return analysed && !m_analysis->sensitivity.empty()
                   ? tr("No cost-table entry for this layer's option")
                   : tr("Not analysed yet: Analyse with sensitivity");
    case Macs: return tr("Not measured yet: open a dataset");
    default: return {};
    }
}

int LayerTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_layers.size());
}

int LayerTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LayerTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const int column = index.column();
    const LayerInfo& l = m_layers[static_cast<size_t>(index.row())];
    const bool text = column == Name || column == Kind || column == Shape || column == Method;
    if (role == Qt::TextAlignmentRole)
        return int((text ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignVCenter);
    const double v = text ? kNaN : value(index.row(), column);
    if (role == SortRole) {
        if (column == Shape)
            return qlonglong(l.weightParams);
        if (text)
            return data(index, Qt::DisplayRole);
        return std::isfinite(v) ? v : -std::numeric_limits<double>::infinity();
    }
    if (role == BarRole) {
        const double scale = m_columnScale[size_t(column)];
        if (!isAnalysisColumn(column) || !std::isfinite(v) || scale <= 0)
            return {};
        return v / scale;
    }
    const LayerOption& option = m_plan.optionFor(l.name);
    if (role == Qt::EditRole && (column == Bits || column == Rank)) {
        const WeightMatrix m = weightMatrix(l);
        if (column == Rank)
            return qlonglong(option.rank > 0 ? option.rank : std::min(m.rows, m.cols));
        return option.weight.format == NumberFormat::Int ? option.weight.bits : formatBits(option.weight.format);
    }
    if (role == Qt::ToolTipRole) {
        if (!text && !std::isfinite(v) && column != Bits && column != Rank)
            return missingReason(column);
        switch (column) {
        case Kind:
            return l.calls > 1 ? tr("%1: one weight tensor used by %2 calls of forward (tied weights), stored "
                                    "once and given one option for all its uses")
                                     .arg(QString::fromLatin1(kindName(l.kind)))
                                     .arg(l.calls)
                               : QString::fromLatin1(kindName(l.kind));
        case Params: return tr("%1 weights + %2 bias").arg(l.weightParams).arg(l.biasParams);
        case Macs:
            return l.calls > 1 ? tr("%1 multiply-accumulates per sample over its %2 uses").arg(l.macsPerSample).arg(l.calls)
                               : tr("%1 multiply-accumulates per sample").arg(l.macsPerSample);
        case Bits:
        case Rank: return QString::fromStdString(option.label());
        case Method: return QString::fromUtf8(methodSummary(option.weight.method));
        case PredictedDeltaLoss:
            return tr("Predicted change of the calibration loss by %1 at %2: %3")
                .arg(estimator(), QString::fromStdString(option.label()), QString::number(v, 'g', 8));
        default: return text ? QString::fromStdString(l.name) : QString::number(v, 'g', 10);
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    if (!text && !std::isfinite(v) && column != Rank)
        return QStringLiteral("–");
    switch (column) {
    case Name: return QString::fromStdString(l.name);
    case Kind: // a tied weight shows its uses
        return l.calls > 1 ? tr("%1 ×%2").arg(QString::fromLatin1(kindName(l.kind))).arg(l.calls)
                           : QString::fromLatin1(kindName(l.kind));
    case Shape: return shapeText(l.weightShape);
    case Params: return QLocale().toString(qlonglong(l.params()));
    case Macs: return QLocale().toString(qlonglong(l.macsPerSample));
    case Bits: return bitsText(option.weight);
    case Rank: return option.rank > 0 ? QString::number(option.rank) : tr("full");
    case Method: return QString::fromLatin1(nameOf(option.weight.method));
    case OutlierPercent: return QString::number(v, 'f', 3);
    case PredictedDeltaLoss: return QString::number(v, 'g', 3);
    default: return QString::number(v, 'g', 4);
    }
}

Qt::ItemFlags LayerTableModel::flags(const QModelIndex& index) const
{
    const Qt::ItemFlags f = QAbstractTableModel::flags(index);
    return index.column() == Bits || index.column() == Rank ? f | Qt::ItemIsEditable : f;
}

bool LayerTableModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::EditRole || !index.isValid() || index.row() >= rowCount())
        return false;
    LayerOption option = m_plan.optionFor(m_layers[size_t(index.row())].name);
    if (index.column() == Bits) {
        // Typed widths snap to the slider's steps: 2…8-bit integers, fp16, fp32.
        option.weight = weightAtBitsPosition(option.weight, bitsSliderPosition({NumberFormat::Int, value.toInt()}));
        emit optionEditRequested(index.row(), OptionField::WeightFormat, option);
        return true;
    }
    if (index.column() == Rank) {
        option.rank = std::max<int64_t>(1, value.toLongLong());
        emit optionEditRequested(index.row(), OptionField::Rank, option);
        return true;
    }
    return false;
}

QVariant LayerTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
        return QAbstractTableModel::headerData(section, orientation, role);
    const bool tip = role == Qt::ToolTipRole;
    switch (section) {
    case Name: return tr("Layer");
    case Kind: return tr("Kind");
    case Shape: return tr("Weight shape");
    case Params: return tr("Params");
    case Macs: return tip ? tr("Multiply-accumulates per sample") : tr("MACs / sample");
    case Bits: return tip ? tr("Weight bits of the plan's option") : tr("Bits");
    case Rank: return tip ? tr("Rank of the plan's option (full: no factorisation)") : tr("Rank");
    case Method: return tip ? tr("How the plan's option reaches its grid: round to nearest, GPTQ, AWQ, SmoothQuant, "
                                 "a Hadamard rotation") : tr("Method");
    case TopEigenvalue: return tip ? tr("Largest eigenvalue of the layer's loss Hessian block") : tr("λ₁");
    case Trace: return tip ? tr("Trace of the layer's loss Hessian block (Hutchinson + Krylov)") : tr("Tr(H)");
    case Kurtosis: return tip ? tr("Excess kurtosis of the weights (0 for a normal distribution)") : tr("Kurtosis");
    case OutlierPercent: {
        const double k = m_analysis && !m_analysis->options.statisticsOptions.sigmaMultiples.empty()
                             ? m_analysis->options.statisticsOptions.sigmaMultiples.front() : 3.0;
        return tip ? tr("Weights farther than %1σ from the mean, percent").arg(k) : tr("> %1σ %").arg(k);
    }
    case InputAbsMax: return tip ? tr("Largest magnitude of the layer's input over the calibration set") : tr("Input |max|");
    case PredictedDeltaLoss:
        return tip ? tr("Predicted loss change at the plan's option, from the %1 cost table").arg(estimator())
                   : tr("ΔLoss (%1)").arg(estimator().isEmpty() ? tr("–") : estimator());
    default: return {};
    }
}

} // namespace bitlens::views
