#include "bar_delegate.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

namespace bitlens::views {

BarDelegate::BarDelegate(int role, QObject* parent) : QStyledItemDelegate(parent), m_role(role) {}

void BarDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    const QVariant fraction = index.data(m_role);
    if (fraction.isValid() && !(option.state & QStyle::State_Selected)) {
        const double f = std::clamp(fraction.toDouble(), -1.0, 1.0);
        QRectF bar = QRectF(option.rect).adjusted(1, 3, -1, -3);
        bar.setWidth(bar.width() * std::abs(f));
        // Okabe–Ito sky blue, and vermillion for negative values: distinguishable for
        // colour-blind readers, light enough for the text on top.
        QColor colour = f >= 0 ? QColor(86, 180, 233) : QColor(213, 94, 0);
        colour.setAlpha(90);
        painter->fillRect(bar, colour);
    }
    QStyledItemDelegate::paint(painter, option, index);
}

} // namespace bitlens::views
