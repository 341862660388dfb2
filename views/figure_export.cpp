#include "figure_export.h"

#include "plot_interaction.h"

#include <qcustomplot.h>

#include <QDialog>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPdfWriter>
#include <QSaveFile>
#include <QPointer>
#include <QStackedWidget>
#include <QSvgGenerator>
#include <QVBoxLayout>

#include <cmath>

namespace bitlens::views {
namespace {

constexpr double kPngScale = 3.0;
constexpr int kPngDpi = 300;
constexpr int kLayoutDpi = 96;

QString figureTitle(QCustomPlot* plot);

// The figure menu of one plot; a child of the plot, so it lives and dies with it, and made once
// so that the menu's signal is connected once.
class FigureMenu final : public QObject {
    Q_OBJECT
public:
    explicit FigureMenu(QCustomPlot* plot) : QObject(plot), m_plot(plot)
    {
        connect(plot, &QWidget::customContextMenuRequested, this, &FigureMenu::show);
    }

    QString baseName;

private:
    void exportAs(const QString& suffix, const QString& filter)
    {
        // One folder for a session's figures: they usually go together into one paper.
        static QString folder;
        QString path = QFileDialog::getSaveFileName(m_plot, tr("Export figure"),
                                                    QDir(folder).filePath(baseName + suffix), filter);
        if (path.isEmpty())
            return;
        if (QFileInfo(path).suffix().isEmpty())
            path += suffix;
        folder = QFileInfo(path).absolutePath();
        QString error;
        if (!exportFigure(m_plot, path, &error))
            QMessageBox::warning(m_plot, tr("Export failed"), error);
    }

    void show(const QPoint& pos)
    {
        QMenu menu(m_plot);
        menu.addAction(tr("Export as PNG (300 dpi)…"), this, [this] { exportAs(QStringLiteral(".png"), tr("PNG image (*.png)")); });
        menu.addAction(tr("Export as SVG…"), this, [this] { exportAs(QStringLiteral(".svg"), tr("SVG drawing (*.svg)")); });
        menu.addAction(tr("Export as PDF…"), this, [this] { exportAs(QStringLiteral(".pdf"), tr("PDF document (*.pdf)")); });
        menu.addSeparator();
        if (!m_window)
            menu.addAction(tr("Open in a window"), this, [this] { openInWindow(); });
        menu.addAction(tr("Reset view"), this, [this] { resetView(m_plot); });
        menu.exec(m_plot->mapToGlobal(pos));
    }

public:
    // A dock gives a figure a few hundred pixels; a window of its own gives it the screen. The
    // plot itself moves there (live: it follows the selection and the analysis) and a note holds
    // its place until the window closes.
    QWidget* openInWindow()
    {
        if (m_window)
            return m_window;
        QWidget* home = m_plot->parentWidget();
        auto* stack = qobject_cast<QStackedWidget*>(home);
        if (!home || (!stack && !home->layout()))
            return nullptr; // nowhere to hold its place
        auto* note = new QLabel(tr("Shown in its own window; close it to bring the figure back here."), home);
        note->setAlignment(Qt::AlignCenter);
        note->setWordWrap(true);
        if (stack) {
            stack->insertWidget(stack->indexOf(m_plot), note);
            stack->setCurrentWidget(note);
            stack->removeWidget(m_plot);
        } else {
            delete home->layout()->replaceWidget(m_plot, note);
        }
        m_window = new QDialog(home->window(), Qt::Window);
        m_window->setAttribute(Qt::WA_DeleteOnClose);
        m_window->setWindowTitle(figureTitle(m_plot).isEmpty() ? baseName : figureTitle(m_plot));
        auto* layout = new QVBoxLayout(m_window);
        layout->setContentsMargins(0, 0, 0, 0);
        layout->addWidget(m_plot);
        m_plot->show();
        m_window->resize(1200, 800);
        // Back before the window is deleted with its children; the home and the note may be gone.
        connect(m_window, &QDialog::finished, this, [this, home = QPointer<QWidget>(home), note = QPointer<QLabel>(note)] {
            m_window = nullptr;
            if (!home || !note)
                return;
            if (auto* stack = qobject_cast<QStackedWidget*>(home.data())) {
                const bool current = stack->currentWidget() == note;
                stack->insertWidget(stack->indexOf(note), m_plot);
                if (current)
                    stack->setCurrentWidget(m_plot);
            } else {
                m_plot->setParent(home);
                delete home->layout()->replaceWidget(note, m_plot);
            }
            note->deleteLater();
        });
        m_window->show();
        return m_window;
    }

private:

    QCustomPlot* m_plot;
    QPointer<QDialog> m_window;
};

FigureMenu* menuOf(QCustomPlot* plot)
{
    return plot->findChild<FigureMenu*>(QString(), Qt::FindDirectChildrenOnly);
}

// The title element's text, else the menu's file name: what a PDF or SVG calls itself.
QString figureTitle(QCustomPlot* plot)
{
    auto* title = plot->plotLayout()->rowCount() > 0 ? qobject_cast<QCPTextElement*>(plot->plotLayout()->element(0, 0)) : nullptr;
    if (title)
        return title->text();
    const FigureMenu* menu = menuOf(plot);
    return menu ? menu->baseName : QString();
}

bool writePng(QCustomPlot* plot, QIODevice* file)
{
    QImage image = plot->toPixmap(kFigureWidth, kFigureHeight, kPngScale).toImage();
    const int dotsPerMeter = int(std::lround(kPngDpi / 0.0254));
    image.setDotsPerMeterX(dotsPerMeter);
    image.setDotsPerMeterY(dotsPerMeter);
    return image.save(file, "PNG");
}

bool writeVector(QCustomPlot* plot, QPaintDevice* device)
{
    QCPPainter painter;
    if (!painter.begin(device))
        return false;
    painter.setMode(QCPPainter::pmVectorized);
    painter.setWindow(0, 0, kFigureWidth, kFigureHeight);
    plot->toPainter(&painter, kFigureWidth, kFigureHeight);
    return painter.end();
}

bool writePdf(QCustomPlot* plot, QIODevice* file)
{
    QPdfWriter pdf(file);
    pdf.setResolution(kLayoutDpi);
    pdf.setPageSize(QPageSize(QSizeF(kFigureWidth * 0.01, kFigureHeight * 0.01), QPageSize::Inch));
    pdf.setPageMargins(QMarginsF());
    pdf.setTitle(figureTitle(plot));
    pdf.setCreator(QStringLiteral("BitLens"));
    return writeVector(plot, &pdf);
}

bool writeSvg(QCustomPlot* plot, QIODevice* file)
{
    QSvgGenerator svg;
    svg.setOutputDevice(file);
    svg.setResolution(kLayoutDpi);
    svg.setSize(QSize(kFigureWidth, kFigureHeight));
    svg.setViewBox(QRect(0, 0, kFigureWidth, kFigureHeight));
    svg.setTitle(figureTitle(plot));
    svg.setDescription(QStringLiteral("BitLens figure"));
    return writeVector(plot, &svg);
}

} // namespace

bool exportFigure(QCustomPlot* plot, const QString& path, QString* error)
{
    const auto fail = [&](const QString& cause) {
        if (error)
            *error = QObject::tr("Cannot export the figure to %1: %2.").arg(QDir::toNativeSeparators(path), cause);
        return false;
    };
    const QString suffix = QFileInfo(path).suffix().toLower();
    const auto write = suffix == QLatin1String("png") ? writePng
                       : suffix == QLatin1String("pdf") ? writePdf
                       : suffix == QLatin1String("svg") ? writeSvg
                                                        : nullptr;
    if (!write)
        return fail(QObject::tr("unknown file type “.%1” (use .png, .svg or .pdf)").arg(suffix));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(file.errorString());
    const bool written = write(plot, &file);
    // Rendering at figure size re-laid the plot out; put the screen layout back.
    plot->replot(QCustomPlot::rpQueuedReplot);
    if (!written) {
        file.cancelWriting();
        return fail(file.error() != QFileDevice::NoError ? file.errorString() : QObject::tr("the figure could not be rendered"));
    }
    if (!file.commit())
        return fail(file.errorString());
    return true;
}

void installFigureMenu(QCustomPlot* plot, const QString& baseName)
{
    FigureMenu* menu = menuOf(plot);
    if (!menu)
        menu = new FigureMenu(plot);
    menu->baseName = baseName.isEmpty() ? QStringLiteral("figure") : baseName;
    plot->setContextMenuPolicy(Qt::CustomContextMenu);
}

QWidget* openFigureInWindow(QCustomPlot* plot)
{
    FigureMenu* menu = menuOf(plot);
    return menu ? menu->openInWindow() : nullptr;
}

} // namespace bitlens::views

#include "figure_export.moc"
