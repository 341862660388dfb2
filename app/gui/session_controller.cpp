#include "session_controller.h"

#include "job_runner.h"
#include "session.h"
#include "workspace_controller.h"

#include "core/data/dataset.h"
#include "core/errors.h"
#include "core/io/analysis_bundle.h"
#include "core/model/model.h"
#include "core/progress.h"
#include "core/stats/sha256.h"

#include <QFileInfo>
#include <QtConcurrent>

#include <filesystem>

namespace bitlens::app {
namespace {
const QString kSessionJob = QStringLiteral("session");
}

SessionController::SessionController(Session* session, JobRunner* jobs, WorkspaceController* workspace, QObject* parent)
    : QObject(parent), m_session(session), m_jobs(jobs), m_workspace(workspace)
{
    connect(&m_save, &QFutureWatcher<QString>::finished, this, [this] {
        const QString error = m_save.result();
        if (!error.isEmpty()) {
            emit errorOccurred(tr("Saving the session failed: %1").arg(error));
            return;
        }
        m_session->setBundlePath(m_savingTo);
        emit sessionSaved(m_savingTo);
    });
}

SessionController::~SessionController()
{
    m_save.waitForFinished();
}

void SessionController::openSession(const QString& bundlePath)
{
    const std::string bundle = bundlePath.toStdString();
    m_jobs->start(kSessionJob, tr("Opening %1").arg(QFileInfo(bundlePath).fileName()), [this, bundle, bundlePath](Progress& progress) {
        progress.report(0.1, "Reading the bundle");
        const std::string modelPath = readAnalysisBundle(bundle).modelPath;
        return std::function<void()>([this, bundlePath, modelPath] {
            QString model = QString::fromStdString(modelPath);
            if (!QFileInfo::exists(model)) {
                model = m_locator ? m_locator(bundlePath, model) : QString();
                if (model.isEmpty()) {
                    emit errorOccurred(tr("%1: its model %2 is missing, so the session was not opened")
                                           .arg(bundlePath, QString::fromStdString(modelPath)));
                    return;
                }
            }
            loadSession(bundlePath, model);
        });
    });
}

void SessionController::loadSession(const QString& bundlePath, const QString& modelPath)
{
    const std::string bundle = bundlePath.toStdString();
    const std::string modelFile = modelPath.toStdString();
    m_jobs->start(kSessionJob, tr("Opening %1").arg(QFileInfo(bundlePath).fileName()),
                  [this, bundle, modelFile, bundlePath, modelPath](Progress& progress) {
        progress.report(0.1, "Checking the model file");
        // readAnalysisBundle refuses a model with another sha256, naming both files.
        auto analysis = std::make_shared<ModelAnalysis>(readAnalysisBundle(bundle, sha256File(modelFile)));
        const std::optional<SessionState> state = readSessionState(bundle);
        progress.checkCancelled();
        progress.report(0.3, "Loading the model");
        auto model = std::make_shared<std::unique_ptr<Model>>(Model::load(modelFile));
        if (state) {
            if (state->plan)
                validatePlan(*state->plan, (*model)->layers(), bundle + " (/session/plan)");
            for (const MeasuredPlan& m : state->measuredPlans)
                validatePlan(m.plan, (*model)->layers(), bundle + " (/session/measured_plans)");
            if (state->front)
                for (const CompressionPlan& p : state->front->plans)
                    validatePlan(p, (*model)->layers(), bundle + " (/session/pareto_front)");
        }
        analysis->modelPath = modelFile;
        auto sidecar = readSidecar(modelFile);

        std::shared_ptr<const DatasetSplits> data;
        QString missingData;
        if (state && !state->datasetPath.empty()) {
            if (std::filesystem::exists(state->datasetPath)) {
                DatasetOptions options = defaultDatasetOptionsFor(modelFile); // a language model's window
                options.calibrationSize = state->calibrationSize;
                options.seed = state->calibrationSeed;
                SubProgress sub(progress, 0.5, 1.0);
                data = std::make_shared<const DatasetSplits>(loadDataset(state->datasetPath, options, sub));
            } else {
                missingData = QString::fromStdString(state->datasetPath);
            }
        }
        return std::function<void()>([=] {
            m_session->setModel(std::move(*model), sidecar);
            // The bundle knows the MACs the baseline measured; until it measures again, use them.
            std::vector<LayerInfo> layers = m_session->layers();
            for (size_t i = 0; i < layers.size() && i < analysis->layers.size(); ++i) {
                if (layers[i].name == analysis->layers[i].name)
                    layers[i].macsPerSample = analysis->layers[i].macsPerSample;
            }
            m_session->setLayers(layers);
            if (data) {
                DatasetOptions options = defaultDatasetOptionsFor(modelFile);
                options.calibrationSize = state->calibrationSize;
                options.seed = state->calibrationSeed;
                m_session->setDatasetOptions(options);
                m_session->setDataset(data);
            }
            m_session->setAnalysis(analysis);
            if (state)
                m_session->restoreState(*state);
            m_session->setBundlePath(bundlePath);
            if (!missingData.isEmpty())
                emit warning(tr("%1: its dataset %2 is missing; open one to measure again").arg(bundlePath, missingData));
            emit sessionOpened(bundlePath);
            m_workspace->evaluateBaseline();
        });
    });
}

void SessionController::saveSession(const QString& bundlePath)
{
    if (!m_session->model())
        return;
    if (m_save.isRunning()) {
        emit errorOccurred(tr("%1: a save is still being written; try again in a moment").arg(bundlePath));
        return;
    }
    // A snapshot: what the session is now, whatever happens while the file is written.
    const std::shared_ptr<const ModelAnalysis> analysis = m_session->analysis();
    const std::string modelPath = m_session->modelPath().toStdString();
    const std::vector<LayerInfo> layers = m_session->layers();
    const SessionState state = m_session->state();
    const std::string bundle = bundlePath.toStdString();
    m_savingTo = bundlePath;
    m_save.setFuture(QtConcurrent::run([analysis, modelPath, layers, state, bundle]() -> QString {
        try {
            ModelAnalysis a = analysis ? *analysis : ModelAnalysis{};
            a.modelPath = modelPath;
            a.modelSha256 = sha256File(modelPath);
            a.layers = layers;
            writeAnalysisBundle(a, bundle, &state);
            return {};
        } catch (const std::exception& e) {
            return QString::fromStdString(e.what());
        }
    }));
}

} // namespace bitlens::app
