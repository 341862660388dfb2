#include "export_controller.h"

#include "job_runner.h"
#include "session.h"

#include "core/data/dataset.h"
#include "core/errors.h"
#include "core/eval/applied_plan.h"
#include "core/eval/plan_measurement.h"
#include "core/io/plan_export.h"
#include "core/model/model.h"
#include "core/progress.h"
#include "core/stats/sha256.h"
#include "views/report_writer.h"

#include <QDir>

namespace bitlens::app {
namespace {

// Runs `work` and hands its continuation back; an error or a cancel becomes a continuation too,
// so the controller always learns how its job ended.
template <typename Work, typename OnError>
JobRunner::Work guarded(Work work, OnError onError)
{
    return [work, onError](Progress& progress) mutable -> std::function<void()> {
        try {
            return work(progress);
        } catch (const Cancelled&) {
            return [onError] { onError(QObject::tr("cancelled")); };
        } catch (const std::exception& e) {
            const QString message = QString::fromStdString(e.what());
            return [onError, message] { onError(message); };
        }
    };
}

} // namespace

ExportController::ExportController(Session* session, JobRunner* jobs, QObject* parent)
    : QObject(parent), m_session(session), m_jobs(jobs)
{
    m_stepper.setInterval(0);
    connect(&m_stepper, &QTimer::timeout, this, &ExportController::reportStep);
}

ExportController::~ExportController() = default;

void ExportController::fail(const QString& message)
{
    m_stepper.stop();
    m_writer.reset(); // removes an unfinished report's temporary folder
    m_busy = false;
    emit errorOccurred(tr("Export to %1 failed: %2").arg(m_folder, message));
}

void ExportController::exportAll(const views::ExportRequest& request)
{
    const std::shared_ptr<Model> model = m_session->model();
    const std::shared_ptr<const DatasetSplits> data = m_session->dataset();
    if (m_busy || !model)
        return;
    m_busy = true;
    m_folder = request.folder;
    QStringList files;
    if (!request.model && request.plan) {
        try {
            if (!QDir().mkpath(request.folder))
                throw Error(request.folder.toStdString() + ": cannot create the folder");
            writePlanFile(m_session->plan(), QDir(request.folder).filePath(QStringLiteral("plan.json")).toStdString());
            files << QStringLiteral("plan.json");
        } catch (const Error& e) {
            fail(QString::fromStdString(e.what()));
            return;
        }
    }
    if ((request.model || request.report) && !data) {
        fail(tr("open a dataset first: the input ranges are calibrated and the accuracy measured on it"));
        return;
    }
    if (!request.model) {
        if (request.report)
            startReport(request, files);
        else {
            m_busy = false;
            emit finished(m_folder, files);
        }
        return;
    }
    const CompressionPlan plan = m_session->plan();
    const std::string folder = request.folder.toStdString();
    m_jobs->start(QStringLiteral("export-model"), tr("Exporting the compressed model"),
                  guarded([this, model, data, plan, folder, request, files](Progress& progress) {
        const std::unique_ptr<AppliedPlan> applied = AppliedPlan::apply(*model, plan, data->calibration, progress);
        const ExportReport report = exportPlan(*applied, folder, progress);
        QStringList written = files;
        for (const std::string& f : report.files)
            written << QDir(QString::fromStdString(folder)).relativeFilePath(QString::fromStdString(f));
        return std::function<void()>([this, request, written] {
            if (request.report)
                startReport(request, written);
            else {
                m_busy = false;
                emit finished(m_folder, written);
            }
        });
    }, [this](const QString& m) { fail(m); }));
}

void ExportController::startReport(const views::ExportRequest& request, QStringList files)
{
    const QString folder = QDir(request.folder).filePath(QStringLiteral("report"));
    try {
        QDir().mkpath(request.folder);
        views::checkReportFolder(folder);
    } catch (const Error& e) {
        fail(QString::fromStdString(e.what()));
        return;
    }
    m_files = files;
    const std::shared_ptr<Model> model = m_session->model();
    const std::shared_ptr<const DatasetSplits> data = m_session->dataset();
    views::ReportInput input;
    input.analysis = m_session->analysis() ? m_session->analysis() : std::make_shared<const ModelAnalysis>();
    input.layers = m_session->layers();
    input.plan = m_session->plan();
    input.planSource = m_session->bundlePath().isEmpty() ? "the BitLens session" : m_session->bundlePath().toStdString();
    input.prediction = m_session->prediction();
    input.modelPath = m_session->modelPath().toStdString();
    input.dataset = views::describeDataset(*data, m_session->datasetOptions().seed);
    input.graph = m_session->modelGraph();
    const std::optional<EvalResult> baseline = m_session->baseline();
    m_jobs->start(QStringLiteral("report"), tr("Measuring for the report"),
                  guarded([this, model, data, input, baseline, folder](Progress& progress) mutable {
        input.modelSha256 = sha256File(input.modelPath);
        input.measured = measurePlan(*model, *data, input.plan, progress,
                                                 baseline && baseline->complete() ? &*baseline : nullptr);
        return std::function<void()>([this, input, folder]() mutable {
            try {
                m_writer = std::make_unique<views::ReportWriter>(std::move(input), folder);
            } catch (const Error& e) {
                fail(QString::fromStdString(e.what()));
                return;
            }
            m_stepper.start();
        });
    }, [this](const QString& m) { fail(m); }));
}

void ExportController::reportStep()
{
    try {
        emit progressChanged(tr("Report: %1 (%2 of %3)").arg(m_writer->nextStep()).arg(m_writer->stepsDone() + 1)
                                 .arg(m_writer->stepCount()));
        m_writer->step();
    } catch (const Error& e) {
        fail(QString::fromStdString(e.what()));
        return;
    }
    if (!m_writer->done())
        return;
    m_stepper.stop();
    for (const QString& f : m_writer->summary().files)
        m_files << QStringLiteral("report/") + f;
    m_writer.reset();
    m_busy = false;
    emit finished(m_folder, m_files);
}

} // namespace bitlens::app
