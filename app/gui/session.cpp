#include "session.h"

#include "core/model/model.h"

#include <QUndoStack>

#include <algorithm>
#include <cmath>
#include <utility>

namespace bitlens::app {
namespace {

// Whether two analyses give `estimator` the same table over the same layers and options (NaN
// cells equal), so a front computed from one is still optimal by the other.
bool sameTable(const ModelAnalysis* a, const ModelAnalysis* b, const std::string& estimator)
{
    if (!a || !b || a->sensitivity.options != b->sensitivity.options || a->layers.size() != b->layers.size())
        return false;
    for (size_t i = 0; i < a->layers.size(); ++i)
        if (a->layers[i].name != b->layers[i].name)
            return false;
    const CostTable* x = a->sensitivity.table(estimator);
    const CostTable* y = b->sensitivity.table(estimator);
    if (!x || !y || x->deltaLoss.size() != y->deltaLoss.size())
        return false;
    for (size_t l = 0; l < x->deltaLoss.size(); ++l) {
        if (x->deltaLoss[l].size() != y->deltaLoss[l].size())
            return false;
        for (size_t o = 0; o < x->deltaLoss[l].size(); ++o) {
            const double u = x->deltaLoss[l][o], v = y->deltaLoss[l][o];
            if (u != v && !(std::isnan(u) && std::isnan(v)))
                return false;
        }
    }
    return true;
}

} // namespace

Session::Session(QObject* parent) : QObject(parent), m_undo(new QUndoStack(this)) {}

Session::~Session() = default;

void Session::setModel(std::unique_ptr<Model> model, std::optional<ModelSidecar> sidecar)
{
    m_model = std::shared_ptr<Model>(std::move(model));
    m_modelPath = m_model ? QString::fromStdString(m_model->path()) : QString();
    m_totalParams = m_model ? m_model->totalParams() : 0;
    m_sidecar = std::move(sidecar);
    m_modelGraph.reset();
    m_layers = m_model ? m_model->layers() : std::vector<LayerInfo>{};
    ++m_generation;
    m_baseline.reset();
    m_undo->clear();
    m_analysis.reset();
    m_state = PlanState{};
    m_tieGroups.clear();
    m_measuredPlans.clear();
    m_front.reset();
    m_selectedLayer = -1;
    m_bundlePath.clear();
    emit modelChanged();
    emit layersChanged();
    emit baselineChanged();
    updatePrediction();
    emit analysisChanged();
    emit planChanged();
    emit selectedLayerChanged(-1);
    emit measuredPlansChanged();
    emit paretoFrontChanged();
}

void Session::setDataset(std::shared_ptr<const DatasetSplits> dataset)
{
    m_dataset = std::move(dataset);
    ++m_generation;
    m_baseline.reset();
    m_measuredPlans.clear(); // measured on other data
    emit datasetChanged();
    emit baselineChanged();
    emit measuredPlansChanged();
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
    const std::shared_ptr<const ModelAnalysis> before = std::exchange(m_analysis, std::move(analysis));
    updatePrediction();
    dropStaleFront(before.get());
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
    // A front computed under other pins would undo them when a point is applied.
    if (m_front && m_state.pinnedOptions() != m_frontPins) {
        m_front.reset();
        emit paretoFrontChanged();
    }
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

void Session::setTieGroups(std::vector<std::vector<std::string>> groups)
{
    m_tieGroups = std::move(groups);
}

void Session::addMeasuredPlan(const MeasuredPlan& measured)
{
    const auto same = std::find_if(m_measuredPlans.begin(), m_measuredPlans.end(),
                                   [&](const MeasuredPlan& m) { return m.plan == measured.plan; });
    if (same != m_measuredPlans.end())
        *same = measured;
    else
        m_measuredPlans.push_back(measured);
    emit measuredPlansChanged();
}

void Session::setParetoFront(std::shared_ptr<const AllocationFront> front, const std::map<std::string, LayerOption>& pins)
{
    m_front = pins == m_state.pinnedOptions() ? std::move(front) : nullptr;
    m_frontPins = pins;
    emit paretoFrontChanged();
}

// A front stays while the table it was computed from stays the same (an analysis that added statistics).
void Session::dropStaleFront(const ModelAnalysis* before)
{
    if (m_front && !sameTable(before, m_analysis.get(), m_front->estimator)) {
        m_front.reset();
        emit paretoFrontChanged();
    }
}

SessionState Session::state() const
{
    SessionState s;
    if (m_dataset) {
        s.datasetPath = m_dataset->path;
        s.calibrationSize = m_datasetOptions.calibrationSize;
        s.calibrationSeed = m_datasetOptions.seed;
    }
    s.plan = m_state.plan;
    s.pinned = m_state.pinned;
    s.estimator = m_estimator.toStdString();
    s.tieGroups = m_tieGroups;
    s.measuredPlans = m_measuredPlans;
    if (m_front)
        s.front = *m_front;
    return s;
}

void Session::restoreState(const SessionState& s)
{
    if (m_analysis && m_analysis->sensitivity.table(s.estimator))
        setEstimator(QString::fromStdString(s.estimator));
    setPlanState({s.plan.value_or(CompressionPlan{}), s.pinned});
    setTieGroups(s.tieGroups);
    m_measuredPlans = s.measuredPlans;
    emit measuredPlansChanged();
    setParetoFront(s.front ? std::make_shared<const AllocationFront>(*s.front) : nullptr, m_state.pinnedOptions());
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
