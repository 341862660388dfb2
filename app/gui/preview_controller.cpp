#include "preview_controller.h"

#include "job_runner.h"
#include "session.h"

#include "core/data/dataset.h"
#include "core/eval/applied_plan.h"
#include "core/eval/evaluator.h"
#include "core/eval/streamed_eval.h"
#include "core/model/model.h"
#include "core/progress.h"

#include <QMetaObject>

#include <cmath>

namespace bitlens::app {
namespace {
const QString kMeasureJob = QStringLiteral("measure-plan");
}

PreviewController::PreviewController(Session* session, JobRunner* jobs, QObject* parent)
    : QObject(parent), m_session(session), m_jobs(jobs)
{
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(400);
    connect(&m_debounce, &QTimer::timeout, this, &PreviewController::measureNow);
    connect(m_session, &Session::planChanged, this, &PreviewController::onPlanChanged);
    connect(m_session, &Session::datasetChanged, this, &PreviewController::onPlanChanged);
}

void PreviewController::onPlanChanged()
{
    ++m_epoch;
    m_jobs->cancel(kMeasureJob);
    m_measured.reset();
    m_running = false;
    emit measuredChanged();
    m_debounce.start();
}

void PreviewController::measureNow()
{
    m_debounce.stop();
    const std::shared_ptr<Model> model = m_session->model();
    const std::shared_ptr<const DatasetSplits> data = m_session->dataset();
    const CompressionPlan plan = m_session->plan();
    if (!model || !data || plan == CompressionPlan{})
        return; // FP32 is the baseline, measured already
    MeasuredPlan entry;
    entry.plan = plan;
    entry.bytes = m_session->prediction().cost.totalBytes;
    entry.layerBytes = m_session->prediction().cost.layerBytes;
    entry.averageBits = m_session->prediction().cost.averageBits;
    entry.predictedDeltaLoss = m_session->prediction().deltaLoss;
    const quint64 epoch = ++m_epoch;
    m_running = true;
    emit measuredChanged();
    m_jobs->start(kMeasureJob, tr("Measuring the plan"), [this, model, data, plan, epoch, entry](Progress& progress) {
        progress.report(0.0, "Applying the plan");
        const std::unique_ptr<AppliedPlan> applied = AppliedPlan::apply(*model, plan, data->calibration, progress);
        EvalOptions options = streamedEvalOptions(data->evaluation);
        options.onBatch = [this, epoch](const EvalResult& r) {
            QMetaObject::invokeMethod(this, [this, epoch, r] {
                if (epoch != m_epoch)
                    return;
                m_measured = r;
                m_running = !r.complete();
                emit measuredChanged();
            }, Qt::QueuedConnection);
        };
        const EvalResult result = applied->evaluate(data->evaluation, options, progress);
        return std::function<void()>([this, epoch, entry, result]() mutable {
            if (epoch != m_epoch)
                return;
            entry.result = result;
            m_session->addMeasuredPlan(entry);
        });
    });
}

std::optional<double> PreviewController::predictedHeadline(const PlanPrediction& prediction) const
{
    const std::optional<EvalResult>& baseline = m_session->baseline();
    if (!baseline || !baseline->complete())
        return std::nullopt;
    if (baseline->languageModel()) {
        if (prediction.estimator.empty())
            return std::nullopt;
        return std::exp(baseline->loss() + prediction.deltaLoss);
    }
    double xy = 0.0, xx = 0.0;
    int points = 0;
    for (const MeasuredPlan& m : m_session->measuredPlans()) {
        if (m.predictedDeltaLoss == 0.0)
            continue;
        xy += m.predictedDeltaLoss * (baseline->top1() - m.result.top1());
        xx += m.predictedDeltaLoss * m.predictedDeltaLoss;
        ++points;
    }
    if (points < 2)
        return std::nullopt;
    return baseline->top1() - xy / xx * prediction.deltaLoss;
}

} // namespace bitlens::app
