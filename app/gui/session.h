#pragma once
// The document: the open model, dataset, baseline, analysis, the compression plan with its pins and
// tie groups, the cost table the views read, the measured plans and the last Pareto front, with the
// undo stack for every user edit. Views and controllers observe it through signals; a saved
// session (SessionState) holds all of it.

#include "core/data/dataset.h"
#include "core/eval/eval_result.h"
#include "core/io/model_sidecar.h"
#include "core/io/session_state.h"
#include "core/model/layer_info.h"
#include "core/alloc/plan_prediction.h"
#include "core/quant/compression_plan.h"
#include "plan_commands.h"
#include "core/stats/model_analysis.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <optional>

class QUndoStack;

namespace bitlens {
class Model;
struct ModelGraph;
}

namespace bitlens::app {

// Threading: GUI thread only, except generation(), which jobs read to notice they went stale.
// The Model is shared with the background job using it; JobRunner runs one job at a time, so
// one thread uses it at a time. The GUI reads layers() — a copy — never the Model itself.
class Session final : public QObject {
    Q_OBJECT
public:
    explicit Session(QObject* parent = nullptr);
    ~Session() override;

    std::shared_ptr<Model> model() const { return m_model; }
    QString modelPath() const { return m_modelPath; }
    int64_t totalParams() const { return m_totalParams; }
    const std::optional<ModelSidecar>& sidecar() const { return m_sidecar; }
    void setModel(std::unique_ptr<Model> model, std::optional<ModelSidecar> sidecar);

    std::shared_ptr<const DatasetSplits> dataset() const { return m_dataset; }
    void setDataset(std::shared_ptr<const DatasetSplits> dataset);
    DatasetOptions datasetOptions() const { return m_datasetOptions; }
    void setDatasetOptions(const DatasetOptions& options) { m_datasetOptions = options; }
    // What evaluations score, and so what every view leads with (top-1 or perplexity): the
    // dataset's kind (token windows: next-token prediction), else what the sidecar says.
    TaskKind task() const;

    // Layer facts as the GUI shows them; MACs appear once the model ran on the dataset.
    const std::vector<LayerInfo>& layers() const { return m_layers; }
    int64_t totalMacs() const;
    void setLayers(std::vector<LayerInfo> layers);

    // The model's graph (core/graph), built in the background after the model opens; null until then.
    std::shared_ptr<const ModelGraph> modelGraph() const { return m_modelGraph; }
    void setModelGraph(std::shared_ptr<const ModelGraph> graph) { m_modelGraph = std::move(graph); }

    const std::optional<EvalResult>& baseline() const { return m_baseline; }
    bool baselineRunning() const { return m_baselineRunning; }
    void setBaseline(const EvalResult& result, bool running);
    void clearBaseline();

    // Everything analysed so far; null until an analysis ran or a bundle was opened. Shared and
    // immutable, so views keep a pointer while a new analysis replaces it.
    std::shared_ptr<const ModelAnalysis> analysis() const { return m_analysis; }
    void setAnalysis(std::shared_ptr<const ModelAnalysis> analysis);

    // The plan being edited; FP32 everywhere until one is opened or set. setPlan and
    // setPlanState replace it without an undo step (opening a session; the commands themselves);
    // editPlan is the user's edit, pushed on the undo stack.
    const CompressionPlan& plan() const { return m_state.plan; }
    const std::set<std::string>& pinned() const { return m_state.pinned; }
    const PlanState& planState() const { return m_state; }
    void setPlan(const CompressionPlan& plan);
    void setPlanState(const PlanState& state);
    // `gesture` >= 0 merges with the previous edit of the same gesture (one slider drag).
    void editPlan(const PlanState& after, const QString& text, int gesture = -1);
    // A fresh gesture id for a slider drag.
    int newGesture() { return m_nextGesture++; }

    // The cost table previews and the ΔLoss column read ("measured", "hawq", ...).
    QString estimator() const { return m_estimator; }
    void setEstimator(const QString& estimator);
    // The plan's bytes, bits, BOPs and predicted ΔLoss, kept current with plan, analysis and estimator.
    const PlanPrediction& prediction() const { return m_prediction; }

    // Layer names that allocators must give one option together (a CLI's --tie, tied weights). The
    // GUI has no editor for them; they are kept, saved and honoured by allocations.
    const std::vector<std::vector<std::string>>& tieGroups() const { return m_tieGroups; }
    void setTieGroups(std::vector<std::vector<std::string>> groups);

    // Every plan measured on this model and dataset, oldest first; a new measurement of a plan
    // already in the list replaces it in place. Cleared with a new model or dataset.
    const std::vector<MeasuredPlan>& measuredPlans() const { return m_measuredPlans; }
    void addMeasuredPlan(const MeasuredPlan& measured);

    // The last allocator run's front with every point's plan; null before a run, and dropped once
    // the pins it honoured or the cost table it read change. `pins`: the pinned options the run held.
    std::shared_ptr<const AllocationFront> paretoFront() const { return m_front; }
    void setParetoFront(std::shared_ptr<const AllocationFront> front, const std::map<std::string, LayerOption>& pins);

    // Everything above that a saved bundle's /session group keeps, and its restoring (after
    // setModel, setDataset and setAnalysis; an estimator the analysis lacks is left as it is).
    SessionState state() const;
    void restoreState(const SessionState& state);

    // The layer every view shows (index into layers()), -1 for none.
    int selectedLayer() const { return m_selectedLayer; }
    void setSelectedLayer(int layer);

    // The bundle this session was opened from or last saved to.
    QString bundlePath() const { return m_bundlePath; }
    void setBundlePath(const QString& path) { m_bundlePath = path; }

    // Bumped whenever the model or dataset changes, so results of work started before are ignored.
    quint64 generation() const { return m_generation.load(); }

    QUndoStack* undoStack() const { return m_undo; }

signals:
    void modelChanged();
    void datasetChanged();
    void layersChanged();
    void baselineChanged();
    void analysisChanged();
    void planChanged();
    void estimatorChanged(const QString& estimator);
    void predictionChanged();
    void selectedLayerChanged(int layer);
    void measuredPlansChanged();
    void paretoFrontChanged();

private:
    std::shared_ptr<Model> m_model;
    std::shared_ptr<const ModelGraph> m_modelGraph;
    QString m_modelPath;
    int64_t m_totalParams = 0;
    std::optional<ModelSidecar> m_sidecar;
    std::shared_ptr<const DatasetSplits> m_dataset;
    DatasetOptions m_datasetOptions;
    std::vector<LayerInfo> m_layers;
    std::optional<EvalResult> m_baseline;
    bool m_baselineRunning = false;
    std::shared_ptr<const ModelAnalysis> m_analysis;
    void updatePrediction();
    void dropStaleFront(const ModelAnalysis* before);

    PlanState m_state;
    QString m_estimator;
    PlanPrediction m_prediction;
    std::vector<std::vector<std::string>> m_tieGroups;
    std::vector<MeasuredPlan> m_measuredPlans;
    std::shared_ptr<const AllocationFront> m_front;
    std::map<std::string, LayerOption> m_frontPins;
    int m_nextGesture = 0;
    int m_selectedLayer = -1;
    QString m_bundlePath;
    std::atomic<quint64> m_generation{0};
    QUndoStack* m_undo;
};

} // namespace bitlens::app
