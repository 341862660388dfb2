#pragma once
// The layer table: one row per compressible layer, over a copy of core's LayerInfo list.

#include "core/model/layer_info.h"

#include <QAbstractTableModel>

#include <vector>

namespace bitlens::views {

// Threading: GUI thread only. Holds its own copy of the rows, so the model it came from may be
// busy on a worker meanwhile.
class LayerTableModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Kind, Shape, Params, Macs, ColumnCount };
    // Numbers sort as numbers, not as the text shown.
    static constexpr int SortRole = Qt::UserRole + 1;

    using QAbstractTableModel::QAbstractTableModel;

    void setLayers(std::vector<LayerInfo> layers);
    const std::vector<LayerInfo>& layers() const { return m_layers; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<LayerInfo> m_layers;
};

} // namespace bitlens::views
