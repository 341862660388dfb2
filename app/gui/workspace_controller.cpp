#include "workspace_controller.h"

#include "job_runner.h"
#include "session.h"

#include "core/data/dataset.h"
#include "core/errors.h"
#include "core/eval/evaluator.h"
#include "core/eval/streamed_eval.h"
#include "core/model/model.h"
#include "core/progress.h"

#include <QFileInfo>
#include <QMetaObject>

namespace bitlens::app {
namespace {
const QString kBaselineJob = QStringLiteral("baseline");
}

WorkspaceController::WorkspaceController(Session* session, JobRunner* jobs, QObject* parent)
    : QObject(parent), m_session(session), m_jobs(jobs)
{
    connect(m_jobs, &JobRunner::failed, this, &WorkspaceController::reportError);
    // A stopped measurement keeps the figures it reached, marked as partial.
    connect(m_jobs, &JobRunner::cancelled, this, [this] {
        if (m_session->baselineRunning() && m_session->baseline())
            m_session->setBaseline(*m_session->baseline(), false);
    });
}

void WorkspaceController::reportError(const QString& title, const QString& message)
{
    m_lastError = message;
    emit errorOccurred(tr("%1 failed: %2").arg(title, message));
}

void WorkspaceController::openPath(const QString& path)
{
    if (QFileInfo(path).suffix().compare(QStringLiteral("pt"), Qt::CaseInsensitive) == 0)
        openModel(path);
    else
        openDataset(path);
}

void WorkspaceController::openModel(const QString& path)
{
    const std::string file = path.toStdString();
    m_jobs->cancel(kBaselineJob); // about to be stale
    m_jobs->start(QStringLiteral("open-model"), tr("Opening %1").arg(QFileInfo(path).fileName()),
                  [this, file, path](Progress& progress) {
        progress.report(0.2, "Loading TorchScript archive");
        // std::function must be copyable, so the unique Model travels in a shared holder.
        auto model = std::make_shared<std::unique_ptr<Model>>(Model::load(file));
        auto sidecar = readSidecar(file);
        // The model opens even when its own dataset is missing; the sentence comes when it is needed.
        std::string ownData, ownDataMissing;
        try {
            ownData = defaultDatasetFor(file);
        } catch (const DatasetError& e) {
            ownDataMissing = e.what();
        }
        const int64_t context = defaultDatasetOptionsFor(file).contextLength;
        progress.report(1.0, "Layers discovered");
        return std::function<void()>([this, model, sidecar, path, ownData, ownDataMissing, context] {
            m_session->setModel(std::move(*model), sidecar);
            emit fileOpened(path, true);
            DatasetOptions options = m_session->datasetOptions();
            options.contextLength = context;
            m_session->setDatasetOptions(options);
            // A language model cannot read labelled images, nor a classifier token windows: on
            // such a dataset, or none for a language model, open the model's own (its sidecar's,
            // else the default) instead.
            const bool languageModel = sidecar && sidecar->languageModel;
            const auto data = m_session->dataset();
            if ((data ? data->tokens() != languageModel : languageModel) && !ownDataMissing.empty())
                reportError(tr("Opening the model's dataset"), QString::fromStdString(ownDataMissing));
            else if (data ? data->tokens() != languageModel : languageModel)
                openDataset(QString::fromStdString(ownData)); // measures the baseline once open
            else
                evaluateBaseline();
        });
    });
}

void WorkspaceController::openDataset(const QString& path)
{
    const std::string file = path.toStdString();
    const DatasetOptions options = m_session->datasetOptions();
    m_jobs->cancel(kBaselineJob);
    m_jobs->start(QStringLiteral("open-dataset"), tr("Opening %1").arg(QFileInfo(path).fileName()),
                  [this, file, options, path](Progress& progress) {
        auto data = std::make_shared<const DatasetSplits>(loadDataset(file, options, progress));
        return std::function<void()>([this, data, path] {
            m_session->setDataset(data);
            emit fileOpened(path, false);
            evaluateBaseline();
        });
    });
}

void WorkspaceController::evaluateBaseline()
{
    const std::shared_ptr<Model> model = m_session->model();
    const std::shared_ptr<const DatasetSplits> data = m_session->dataset();
    if (!model || !data)
        return;
    const quint64 generation = m_session->generation();
    Session* session = m_session;
    m_jobs->start(kBaselineJob, tr("Measuring baseline"), [model, data, generation, session](Progress& progress) {
        if (session->generation() != generation)
            throw Cancelled(); // the model or dataset changed while this waited in the queue
        progress.report(0.0, "Running one batch to measure MACs");
        model->profile(data->evaluation);
        auto layers = std::make_shared<std::vector<LayerInfo>>(model->layers());
        QMetaObject::invokeMethod(session, [session, layers, generation] {
            if (session->generation() == generation)
                session->setLayers(*layers);
        }, Qt::QueuedConnection);

        EvalOptions options = streamedEvalOptions(data->evaluation);
        // Running figures stream to the GUI; stale ones (model or dataset replaced) are dropped.
        options.onBatch = [session, generation](const EvalResult& r) {
            QMetaObject::invokeMethod(session, [session, generation, r] {
                if (session->generation() == generation)
                    session->setBaseline(r, !r.complete());
            }, Qt::QueuedConnection);
        };
        evaluate(*model, data->evaluation, options, progress);
        return std::function<void()>();
    });
}

} // namespace bitlens::app
