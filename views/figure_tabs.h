#pragma once
// Tabs of figures, each behind an AnalysisPlaceholder until its part of the analysis is there:
// what OverviewPlots and LayerDetailPlots have in common. Threading: GUI thread only.

#include <QHash>
#include <QTabWidget>

class QCustomPlot;

namespace bitlens::views {

class AnalysisPlaceholder;

class FigureTabs : public QTabWidget {
    Q_OBJECT
public:
    // The figure filed under `name` (each subclass lists its names); nullptr for another name.
    QCustomPlot* plot(const QString& name) const;

signals:
    void analyseRequested(); // a placeholder's Analyse… button

protected:
    explicit FigureTabs(QWidget* parent);
    // Adds `content` (the plot, or a widget that holds it) as a tab `label` behind a placeholder,
    // and files `plot` under `name`.
    void addFigureTab(const QString& name, QCustomPlot* plot, QWidget* content, const QString& label);
    AnalysisPlaceholder* placeholder(QCustomPlot* plot) const;

private:
    QHash<QString, QCustomPlot*> m_plots;
    QHash<QCustomPlot*, AnalysisPlaceholder*> m_placeholders;
};

} // namespace bitlens::views
