#pragma once
// Opening models and datasets and measuring the baseline: the background jobs behind the File
// menu, drag and drop and the command line, and how their results reach the Session.

#include <QObject>
#include <QString>

namespace bitlens::app {

class JobRunner;
class Session;

// Threading: GUI thread; the work itself runs on JobRunner's worker.
class WorkspaceController final : public QObject {
    Q_OBJECT
public:
    WorkspaceController(Session* session, JobRunner* jobs, QObject* parent = nullptr);

    void openModel(const QString& path);
    void openDataset(const QString& path);
    // Opens whatever the path is: a .pt file as a model, anything else as a dataset.
    void openPath(const QString& path);
    // Measures the FP32 model on the evaluation split (restarted when model or dataset change).
    void evaluateBaseline();

    QString lastError() const { return m_lastError; }

signals:
    void errorOccurred(const QString& message);
    void fileOpened(const QString& path, bool isModel);

private:
    void reportError(const QString& title, const QString& message);

    Session* m_session;
    JobRunner* m_jobs;
    QString m_lastError;
};

} // namespace bitlens::app
