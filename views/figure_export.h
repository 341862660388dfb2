#pragma once
// Publication export of a BitLens figure (PNG at 300 dpi, PDF, SVG), and the context menu that
// offers it. Threading: GUI thread only.

#include <QString>

class QCustomPlot;

namespace bitlens::views {

// Figures are laid out at 640 × 400 logical pixels (96 dpi), i.e. 6.67 × 4.17 inch on screen,
// and printed onto 6.4 × 4.0 inch: PNG at 3× (1920 × 1200 px, tagged 300 dpi), PDF onto a page
// of that size, SVG with that viewBox.
constexpr int kFigureWidth = 640;
constexpr int kFigureHeight = 400;

// Figure export by suffix: .png (1920×1200 px, 300 dpi: a 6.4 × 4.0 inch figure), .pdf (vector),
// .svg (vector). Written to a temporary file and renamed, so a failure never leaves half a file.
// Returns false with one sentence naming the file and the cause in *error.
bool exportFigure(QCustomPlot* plot, const QString& path, QString* error);

// Context menu: Export as PNG (300 dpi)… / SVG… / PDF…, Open in a window, Reset view. Calling it
// again only changes the default file name (`baseName`, without suffix).
void installFigureMenu(QCustomPlot* plot, const QString& baseName);

// The menu's "Open in a window": the live plot moves to a window of its own (a note holds its
// place) and comes back when the window closes. Returns the window; null for a plot without the
// menu, or the window already open.
QWidget* openFigureInWindow(QCustomPlot* plot);

} // namespace bitlens::views
