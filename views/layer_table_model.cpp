#include "layer_table_model.h"

#include "format.h"

#include <QLocale>

namespace bitlens::views {

void LayerTableModel::setLayers(std::vector<LayerInfo> layers)
{
    beginResetModel();
    m_layers = std::move(layers);
    endResetModel();
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
    const LayerInfo& l = m_layers[static_cast<size_t>(index.row())];
    const bool numeric = index.column() == Params || index.column() == Macs;
    if (role == Qt::TextAlignmentRole)
        return int((numeric ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
    if (role == SortRole) {
        switch (index.column()) {
        case Params: return qlonglong(l.params());
        case Macs: return qlonglong(l.macsPerSample);
        case Shape: return qlonglong(l.weightParams);
        default: role = Qt::DisplayRole; break;
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (index.column()) {
        case Params:
            return tr("%1 weights + %2 bias").arg(l.weightParams).arg(l.biasParams);
        case Macs:
            return l.macsPerSample < 0 ? tr("Not measured yet: open a dataset")
                                       : tr("%1 multiply-accumulates per sample").arg(l.macsPerSample);
        default:
            return QString::fromStdString(l.name);
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Name: return QString::fromStdString(l.name);
    case Kind: return QString::fromLatin1(kindName(l.kind));
    case Shape: return shapeText(l.weightShape);
    case Params: return QLocale().toString(qlonglong(l.params()));
    case Macs: return l.macsPerSample < 0 ? QStringLiteral("–") : QLocale().toString(qlonglong(l.macsPerSample));
    default: return {};
    }
}

QVariant LayerTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Name: return tr("Layer");
    case Kind: return tr("Kind");
    case Shape: return tr("Weight shape");
    case Params: return tr("Params");
    case Macs: return tr("MACs / sample");
    default: return {};
    }
}

} // namespace bitlens::views
