#pragma once
// Stands in for a view whose analysis has not run yet: says so, says what to run, and offers the
// Analyse… button, so an empty plot never looks like a result. Threading: GUI thread only.

#include <QStackedWidget>

class QLabel;
class QPushButton;

namespace bitlens::views {

class AnalysisPlaceholder final : public QStackedWidget {
    Q_OBJECT
public:
    // Takes ownership of `content`.
    explicit AnalysisPlaceholder(QWidget* content, QWidget* parent = nullptr);

    // available: `content`; otherwise "Not analysed yet", `whatToRun` (e.g. "Run Analyse with
    // Hessian enabled.") and the Analyse… button.
    void showContent(bool available, const QString& whatToRun = {});
    // A message without the button, for states that analysing does not change ("Select a layer").
    void showMessage(const QString& title, const QString& detail = {});

signals:
    void analyseRequested();

protected:
    // The content back from a window of its own (figure_export.h) shows if it is what is due.
    void childEvent(QChildEvent* event) override;

private:
    QWidget* m_content;
    bool m_contentDue = false; // showContent(true) was the last word
    QWidget* m_message;
    QLabel* m_title;
    QLabel* m_detail;
    QPushButton* m_analyse;
};

} // namespace bitlens::views
