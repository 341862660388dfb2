#include "figure_tabs.h"

#include "analysis_placeholder.h"

namespace bitlens::views {

FigureTabs::FigureTabs(QWidget* parent) : QTabWidget(parent) {}

QCustomPlot* FigureTabs::plot(const QString& name) const
{
    return m_plots.value(name);
}

void FigureTabs::addFigureTab(const QString& name, QCustomPlot* plot, QWidget* content, const QString& label)
{
    auto* tab = new AnalysisPlaceholder(content);
    connect(tab, &AnalysisPlaceholder::analyseRequested, this, &FigureTabs::analyseRequested);
    addTab(tab, label);
    m_plots.insert(name, plot);
    m_placeholders.insert(plot, tab);
}

AnalysisPlaceholder* FigureTabs::placeholder(QCustomPlot* plot) const
{
    return m_placeholders.value(plot);
}

} // namespace bitlens::views
