#pragma once
// Draws a cell's magnitude as a bar behind its text, so a column of numbers reads at a glance.

#include <QStyledItemDelegate>

namespace bitlens::views {

// Threading: GUI thread. Reads the fraction in [-1, 1] from `role`; cells without one draw as usual.
// Negative fractions (a ΔLoss below zero) draw in a second colour.
class BarDelegate final : public QStyledItemDelegate {
    Q_OBJECT
public:
    BarDelegate(int role, QObject* parent = nullptr);

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
    int m_role;
};

} // namespace bitlens::views
