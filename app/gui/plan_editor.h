#pragma once
// Turns the user's edits of layer options — the layer editor's controls, the table's Bits and
// Rank cells — into undoable plan edits on the selected layers, and keeps the editor showing the
// selection.

#include "views/layer_editor.h"

#include <QObject>

#include <vector>

class QItemSelectionModel;
class QSortFilterProxyModel;

namespace bitlens::app {

class Session;

// Threading: GUI thread.
class PlanEditor final : public QObject {
    Q_OBJECT
public:
    PlanEditor(Session* session, views::LayerEditor* editor, QItemSelectionModel* selection,
               QSortFilterProxyModel* proxy, QObject* parent = nullptr);

    // The selected layers (indices into Session::layers()), in model order.
    std::vector<int> selectedLayers() const;
    // Sets `field` to `option`'s value on every selected layer (or on `layer` alone when it is
    // not selected), as one undoable edit.
    void apply(views::OptionField field, const LayerOption& option, int layer = -1);
    void setPinned(bool pinned);

private:
    void refresh();

    Session* m_session;
    views::LayerEditor* m_editor;
    QItemSelectionModel* m_selection;
    QSortFilterProxyModel* m_proxy;
    int m_gesture = -1;
};

} // namespace bitlens::app
