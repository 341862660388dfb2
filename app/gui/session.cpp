#include "session.h"

#include "core/model/model.h"

#include <QUndoStack>

namespace bitlens::app {

Session::Session(QObject* parent) : QObject(parent), m_undo(new QUndoStack(this)) {}

Session::~Session() = default;

void Session::setModel(std::unique_ptr<Model> model, std::optional<ModelSidecar> sidecar)
{
    m_model = std::shared_ptr<Model>(std::move(model));
    m_modelPath = m_model ? QString::fromStdString(m_model->path()) : QString();
    m_totalParams = m_model ? m_model->totalParams() : 0;
    m_sidecar = std::move(sidecar);
    m_layers = m_model ? m_model->layers() : std::vector<LayerInfo>{};
    ++m_generation;
    m_baseline.reset();
    m_undo->clear();
    m_analysis.reset();
    m_state = PlanState{};
    m_selectedLayer = -1;
    m_bundlePath.clear();
    emit modelChanged();
    emit layersChanged();
    emit baselineChanged();
    updatePrediction();
    emit analysisChanged();
    emit planChanged();
    emit selectedLayerChanged(-1);
}

void Session::setDataset(std::shared_ptr<const DatasetSplits> dataset)
{
    m_dataset = std::move(dataset);
    ++m_generation;
    m_baseline.reset();
    emit datasetChanged();
    emit baselineChanged();
}

TaskKind Session::task() const
{
    if (m_dataset)
        return m_dataset->tokens() ? TaskKind::LanguageModel : TaskKind::Classification;
    return m_sidecar && m_sidecar->languageModel ? TaskKind::LanguageModel : TaskKind::Classification;
}

int64_t Session::totalMacs() const
{
    int64_t total = 0;
    for (const LayerInfo& l : m_layers) {
        if (l.macsPerSample < 0)
            return -1;
        total += l.macsPerSample;
    }
    return total;
}

void Session::setLayers(std::vector<LayerInfo> layers)
{
    m_layers = std::move(layers);
    updatePrediction(); // MACs decide the BOPs
    emit layersChanged();
}

void Session::setBaseline(const EvalResult& result, bool running)
{
    m_baseline = result;
    m_baselineRunning = running;
    emit baselineChanged();
}

void Session::clearBaseline()
{
    m_baseline.reset();
    m_baselineRunning = false;
    emit baselineChanged();
}

void Session::setAnalysis(std::shared_ptr<const ModelAnalysis> analysis)
{
    m_analysis = std::move(analysis);
    updatePrediction();
    emit analysisChanged();
}

void Session::setPlan(const CompressionPlan& plan)
{
    setPlanState({plan, m_state.pinned});
}

void Session::setPlanState(const PlanState& state)
{
    m_state = state;
    updatePrediction();
    emit planChanged();
}

void Session::editPlan(const PlanState& after, const QString& text, int gesture)
{
    if (after == m_state)
        return;
    m_undo->push(new PlanEditCommand(this, m_state, after, text, gesture));
}

void Session::setEstimator(const QString& estimator)
{
    if (estimator == m_estimator)
        return;
    m_estimator = estimator;
    updatePrediction();
    emit estimatorChanged(estimator);
}

void Session::updatePrediction()
{
    static const SensitivityAnalysis none;
    m_prediction = predictPlan(m_state.plan, m_layers, m_totalParams, m_analysis ? m_analysis->sensitivity : none,
                               m_estimator.toStdString());
    emit predictionChanged();
}

void Session::setSelectedLayer(int layer)
{
    if (layer < -1 || layer >= static_cast<int>(m_layers.size()))
        layer = -1;
    if (layer == m_selectedLayer)
        return;
    m_selectedLayer = layer;
    emit selectedLayerChanged(layer);
}

} // namespace bitlens::app
