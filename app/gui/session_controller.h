#pragma once
// Saving and reopening a session as its analysis bundle: the analysis and everything
// Session::state() keeps (the dataset, the plan with its pins and tie groups, the estimator, the
// measured plans, the last Pareto front), in the HDF5 file the CLI also reads.

#include <QFutureWatcher>
#include <QObject>
#include <QString>

#include <functional>

namespace bitlens::app {

class JobRunner;
class Session;
class WorkspaceController;

// Threading: GUI thread; reading, hashing and loading run on JobRunner's worker.
class SessionController final : public QObject {
    Q_OBJECT
public:
    // Asked when a bundle's model is no longer where it was: the file to use instead, or an empty
    // string to give up. The GUI shows a file dialog; tests answer directly.
    using ModelLocator = std::function<QString(const QString& bundle, const QString& missingModel)>;

    SessionController(Session* session, JobRunner* jobs, WorkspaceController* workspace, QObject* parent = nullptr);
    ~SessionController() override; // waits for a save in progress

    void setModelLocator(ModelLocator locator) { m_locator = std::move(locator); }
    // Refuses (errorOccurred) a model file whose sha256 differs from the one the bundle analysed.
    void openSession(const QString& bundlePath);
    // Writes a snapshot of the session on a thread of its own: it needs no model, so it does not
    // wait behind an analysis or a measurement.
    void saveSession(const QString& bundlePath);

signals:
    void errorOccurred(const QString& message);
    void warning(const QString& message);
    void sessionOpened(const QString& bundlePath);
    void sessionSaved(const QString& bundlePath);

private:
    void loadSession(const QString& bundlePath, const QString& modelPath);

    Session* m_session;
    JobRunner* m_jobs;
    WorkspaceController* m_workspace;
    ModelLocator m_locator;
    QFutureWatcher<QString> m_save; // the error, empty on success
    QString m_savingTo;
};

} // namespace bitlens::app
