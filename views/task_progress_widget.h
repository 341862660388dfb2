#pragma once
// Status-bar strip for the running background task: what it does, how far, and Cancel.

#include <QWidget>

class QLabel;
class QProgressBar;
class QToolButton;

namespace bitlens::views {

// Threading: GUI thread only; fed by signals from the app's job runner.
class TaskProgressWidget final : public QWidget {
    Q_OBJECT
public:
    explicit TaskProgressWidget(QWidget* parent = nullptr);

    void begin(const QString& title);
    void setProgress(double fraction, const QString& message);
    void end();

signals:
    void cancelRequested();

private:
    QLabel* m_label;
    QProgressBar* m_bar;
    QToolButton* m_cancel;
    QString m_title;
};

} // namespace bitlens::views
