#pragma once
// The measured preview: the plan's real headline metric (top-1, or perplexity for a language
// model) on the evaluation set, measured in the background whenever the plan settles, streamed
// batch by batch, restarted when it changes; each finished measurement goes into the session's
// measured plans, which also calibrate a classifier's predicted top-1.

#include "core/eval/eval_result.h"

#include <QObject>
#include <QString>
#include <QTimer>

#include <optional>
#include <vector>

namespace bitlens {
struct PlanPrediction;
}

namespace bitlens::app {

class JobRunner;
class Session;

// Threading: GUI thread; the evaluation runs on JobRunner's worker.
class PreviewController final : public QObject {
    Q_OBJECT
public:
    PreviewController(Session* session, JobRunner* jobs, QObject* parent = nullptr);

    // How long the plan must stay unchanged before a measurement starts (a slider drag settles).
    void setDebounce(int milliseconds) { m_debounce.setInterval(milliseconds); }
    // Measures the current plan now (cancelling a running measurement of an older one).
    void measureNow();

    // The current plan's figures so far; nullopt before the first batch or for FP32 (the baseline).
    const std::optional<EvalResult>& measured() const { return m_measured; }
    bool running() const { return m_running; }

    // The plan's predicted headline; nullopt until the baseline is measured. A language model's
    // perplexity follows from the cost table at once: exp(baseline loss + ΔLoss), both per
    // token (nullopt without a table). A classifier's top-1 is baseline top-1 − slope·ΔL, the
    // slope fitted by least squares through the origin to the measured plans (accuracy lost
    // against predicted ΔLoss); nullopt until two plans with a non-zero prediction were measured.
    std::optional<double> predictedHeadline(const PlanPrediction& prediction) const;

signals:
    void measuredChanged();

private:
    void onPlanChanged();

    Session* m_session;
    JobRunner* m_jobs;
    QTimer m_debounce;
    quint64 m_epoch = 0; // bumped per plan change: results of older plans are dropped
    std::optional<EvalResult> m_measured;
    bool m_running = false;
};

} // namespace bitlens::app
