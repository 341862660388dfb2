#include "analysis_controller.h"

#include "job_runner.h"
#include "session.h"

#include "core/errors.h"
#include "core/model/model.h"
#include "core/progress.h"

#include <QMetaObject>

#include <numeric>

namespace bitlens::app {

AnalysisController::AnalysisController(Session* session, JobRunner* jobs, QObject* parent)
    : QObject(parent), m_session(session), m_jobs(jobs)
{
}

void AnalysisController::analyse(const views::AnalysisRequest& request)
{
    const std::shared_ptr<Model> model = m_session->model();
    if (!model)
        return;
    m_last = request;
    m_hasLast = true;
    const std::shared_ptr<const DatasetSplits> data = m_session->dataset();
    const quint64 generation = m_session->generation();
    Session* session = m_session;
    m_jobs->start(QStringLiteral("analyse"), tr("Analysing"), [=](Progress& progress) {
        std::optional<SampleSet> calibration;
        if (data) {
            const int64_t count = std::min<int64_t>(request.calibrationSamples, data->calibration.count());
            std::vector<int64_t> head(size_t(std::max<int64_t>(count, 0)));
            std::iota(head.begin(), head.end(), 0);
            calibration = data->calibration.subset(head, "calibration");
        }
        // Results reach the Session merged into what it had when this started; a view never
        // sees a half-merged analysis because each snapshot is a new immutable object.
        const std::shared_ptr<const ModelAnalysis> before = session->analysis();
        const auto post = [session, generation, before](const ModelAnalysis& soFar) {
            auto merged = std::make_shared<ModelAnalysis>(before ? *before : ModelAnalysis{});
            mergeAnalysis(*merged, soFar);
            QMetaObject::invokeMethod(session, [session, generation, merged] {
                if (session->generation() == generation)
                    session->setAnalysis(merged);
            }, Qt::QueuedConnection);
        };
        std::optional<ModelAnalysis> settled;
        const PartialAnalysisCallback onPartial = [&](const ModelAnalysis& soFar, bool isSettled) {
            if (isSettled)
                settled = soFar;
            post(soFar);
        };
        try {
            const ModelAnalysis result = analyzeModel(*model, request.options, calibration ? &*calibration : nullptr,
                                                      progress, onPartial);
            post(result);
        } catch (...) {
            // Cancelled or failed: keep what finished; a half-run Hessian (traces missing) is not a result.
            if (settled)
                post(*settled);
            else
                QMetaObject::invokeMethod(session, [session, generation, before] {
                    if (session->generation() == generation)
                        session->setAnalysis(before);
                }, Qt::QueuedConnection);
            throw;
        }
        return std::function<void()>([this] { emit analysisFinished(); });
    });
}

} // namespace bitlens::app
