#pragma once
// Runs core computations off the GUI thread, one at a time, with progress and cancel.

#include <QFutureWatcher>
#include <QObject>
#include <QString>

#include <deque>
#include <functional>

namespace bitlens {
class Progress;
}

namespace bitlens::app {

// What a finished job hands back to the GUI thread: a continuation to apply its result, or
// the one-sentence error, or neither when it was cancelled.
struct JobOutcome {
    std::function<void()> apply;
    QString error;
};

// Threading: lives on the GUI thread. Jobs run on the global thread pool strictly one after
// another (FIFO), so a job may use the Session's model without locks. A job has a key: starting
// one cancels the running job with the same key and replaces a queued one, so repeated requests
// (re-measure the baseline) never pile up.
class JobRunner final : public QObject {
    Q_OBJECT
public:
    // Runs on a worker thread; returns what to do on the GUI thread with the result.
    using Work = std::function<std::function<void()>(Progress&)>;

    explicit JobRunner(QObject* parent = nullptr);
    ~JobRunner() override;

    void start(const QString& key, const QString& title, Work work);
    void cancel();                      // the running job
    void cancel(const QString& key);    // running or queued jobs with this key
    bool idle() const;
    bool pending(const QString& key) const; // a job with this key runs or waits
    // Drops queued jobs, cancels the running one and waits for it; for shutdown.
    void shutdown();

signals:
    void started(const QString& title);
    void progressChanged(double fraction, const QString& message);
    void failed(const QString& title, const QString& message);
    void cancelled(const QString& title);
    void finished(const QString& title); // after success, failure or cancel

private:
    struct Job {
        QString key;
        QString title;
        Work work;
    };
    void launchNext();
    void onFinished();

    QFutureWatcher<JobOutcome> m_watcher;
    QString m_runningKey;
    QString m_runningTitle;
    std::deque<Job> m_queue;
};

} // namespace bitlens::app
