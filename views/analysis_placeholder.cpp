#include "analysis_placeholder.h"

#include <QChildEvent>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace bitlens::views {

AnalysisPlaceholder::AnalysisPlaceholder(QWidget* content, QWidget* parent)
    : QStackedWidget(parent), m_content(content), m_message(new QWidget(this)),
      m_title(new QLabel(m_message)), m_detail(new QLabel(m_message)), m_analyse(new QPushButton(tr("Analyse…"), m_message))
{
    QFont heading = m_title->font();
    heading.setPointSizeF(heading.pointSizeF() * 1.25);
    heading.setBold(true);
    m_title->setFont(heading);
    m_title->setAlignment(Qt::AlignCenter);
    m_detail->setAlignment(Qt::AlignCenter);
    m_detail->setWordWrap(true);
    m_detail->setForegroundRole(QPalette::PlaceholderText);

    auto* layout = new QVBoxLayout(m_message);
    layout->addStretch(1);
    layout->addWidget(m_title);
    layout->addWidget(m_detail);
    layout->addSpacing(8);
    layout->addWidget(m_analyse, 0, Qt::AlignHCenter);
    layout->addStretch(1);

    addWidget(m_content);
    addWidget(m_message);
    connect(m_analyse, &QPushButton::clicked, this, &AnalysisPlaceholder::analyseRequested);
    showContent(false);
}

void AnalysisPlaceholder::showContent(bool available, const QString& whatToRun)
{
    m_contentDue = available;
    if (available) {
        if (indexOf(m_content) >= 0) // else it is in a window of its own for now
            setCurrentWidget(m_content);
        return;
    }
    showMessage(tr("Not analysed yet"), whatToRun.isEmpty() ? tr("Run Analyse to compute it.") : whatToRun);
    m_analyse->setVisible(true);
}

void AnalysisPlaceholder::showMessage(const QString& title, const QString& detail)
{
    m_contentDue = false;
    m_title->setText(title);
    m_detail->setText(detail);
    m_detail->setVisible(!detail.isEmpty());
    m_analyse->setVisible(false);
    setCurrentWidget(m_message);
}

void AnalysisPlaceholder::childEvent(QChildEvent* event)
{
    QStackedWidget::childEvent(event);
    // Added as a child first, to the stack right after: show it once it is there.
    if (event->added() && event->child() == m_content)
        QMetaObject::invokeMethod(this, [this] {
            if (m_contentDue && indexOf(m_content) >= 0)
                setCurrentWidget(m_content);
        }, Qt::QueuedConnection);
}

} // namespace bitlens::views
