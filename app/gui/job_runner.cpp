#include "job_runner.h"

#include "core/errors.h"
#include "core/progress.h"

#include <QPromise>
#include <QtConcurrent>

#include <algorithm>

namespace bitlens::app {
namespace {

// core's Progress over the job's QPromise: progress goes out as permille and text, cancel comes in
// through QFuture::cancel().
class PromiseProgress final : public Progress {
public:
    explicit PromiseProgress(QPromise<JobOutcome>& promise) : m_promise(promise)
    {
        m_promise.setProgressRange(0, 1000);
    }
    void report(double fraction, const std::string& message) override
    {
        m_promise.setProgressValueAndText(static_cast<int>(fraction * 1000.0), QString::fromStdString(message));
    }
    bool cancelled() const override { return m_promise.isCanceled(); }

private:
    QPromise<JobOutcome>& m_promise;
};

} // namespace

JobRunner::JobRunner(QObject* parent) : QObject(parent)
{
    connect(&m_watcher, &QFutureWatcher<JobOutcome>::progressValueChanged, this,
            [this](int value) { emit progressChanged(value / 1000.0, m_watcher.progressText()); });
    connect(&m_watcher, &QFutureWatcher<JobOutcome>::finished, this, &JobRunner::onFinished);
}

JobRunner::~JobRunner()
{
    shutdown();
}

void JobRunner::start(const QString& key, const QString& title, Work work)
{
    cancel(key);
    m_queue.push_back({key, title, std::move(work)});
    if (!m_watcher.isRunning())
        launchNext();
}

void JobRunner::launchNext()
{
    if (m_queue.empty())
        return;
    Job job = std::move(m_queue.front());
    m_queue.pop_front();
    m_runningKey = job.key;
    m_runningTitle = job.title;
    emit started(job.title);
    m_watcher.setFuture(QtConcurrent::run([work = std::move(job.work)](QPromise<JobOutcome>& promise) {
        PromiseProgress progress(promise);
        JobOutcome outcome;
        try {
            outcome.apply = work(progress);
        } catch (const Cancelled&) {
            return;
        } catch (const Error& e) {
            outcome.error = QString::fromStdString(e.what());
        } catch (const std::exception& e) {
            outcome.error = QStringLiteral("unexpected error: ") + QString::fromStdString(e.what());
        }
        // A job cancelled after its last check still counts as cancelled: addResult drops it.
        promise.addResult(std::move(outcome));
    }));
}

void JobRunner::cancel()
{
    if (m_watcher.isRunning())
        m_watcher.cancel();
}

void JobRunner::cancel(const QString& key)
{
    m_queue.erase(std::remove_if(m_queue.begin(), m_queue.end(), [&](const Job& j) { return j.key == key; }),
                  m_queue.end());
    if (m_watcher.isRunning() && m_runningKey == key)
        m_watcher.cancel();
}

bool JobRunner::idle() const
{
    return !m_watcher.isRunning() && m_queue.empty();
}

bool JobRunner::pending(const QString& key) const
{
    return (m_watcher.isRunning() && m_runningKey == key)
        || std::any_of(m_queue.begin(), m_queue.end(), [&](const Job& j) { return j.key == key; });
}

void JobRunner::shutdown()
{
    m_queue.clear();
    cancel();
    m_watcher.waitForFinished();
}

void JobRunner::onFinished()
{
    const QString title = m_runningTitle;
    const QFuture<JobOutcome> future = m_watcher.future();
    // Cleared before the continuation runs: a job it starts is launched at once, and must keep
    // its own key (to be cancelled by it) and not be joined by a second one below.
    m_runningKey.clear();
    if (future.isCanceled() || future.resultCount() == 0) {
        emit cancelled(title);
    } else if (const JobOutcome outcome = future.result(); !outcome.error.isEmpty()) {
        emit failed(title, outcome.error);
    } else if (outcome.apply) {
        outcome.apply();
    }
    emit finished(title);
    if (!m_watcher.isRunning())
        launchNext();
}

} // namespace bitlens::app
