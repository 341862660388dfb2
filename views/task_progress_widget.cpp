#include "task_progress_widget.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QToolButton>

namespace bitlens::views {

TaskProgressWidget::TaskProgressWidget(QWidget* parent)
    : QWidget(parent), m_label(new QLabel), m_bar(new QProgressBar), m_cancel(new QToolButton)
{
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_bar->setRange(0, 1000);
    m_bar->setFixedWidth(180);
    m_bar->setTextVisible(false);
    m_cancel->setText(tr("Cancel"));
    m_cancel->setObjectName(QStringLiteral("cancelTask"));
    layout->addWidget(m_label);
    layout->addWidget(m_bar);
    layout->addWidget(m_cancel);
    connect(m_cancel, &QToolButton::clicked, this, [this] {
        m_cancel->setEnabled(false);
        m_label->setText(tr("%1: cancelling…").arg(m_title));
        emit cancelRequested();
    });
    hide();
}

void TaskProgressWidget::begin(const QString& title)
{
    m_title = title;
    m_label->setText(title);
    m_bar->setValue(0);
    m_cancel->setEnabled(true);
    show();
}

void TaskProgressWidget::setProgress(double fraction, const QString& message)
{
    m_bar->setValue(static_cast<int>(fraction * 1000.0));
    if (m_cancel->isEnabled())
        m_label->setText(message.isEmpty() ? m_title : m_title + QStringLiteral(": ") + message);
}

void TaskProgressWidget::end()
{
    hide();
}

} // namespace bitlens::views
