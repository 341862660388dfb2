#pragma once
// The document: the open model, dataset, baseline and (later) the compression plan, with the
// undo stack for every user edit. Views observe it through signals.

#include "core/data/dataset.h"
#include "core/eval/eval_result.h"
#include "core/io/model_sidecar.h"
#include "core/model/layer_info.h"
#include "core/quant/compression_plan.h"
#include "core/stats/model_analysis.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <optional>

class QUndoStack;

namespace bitlens {
class Model;
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

    // Layer facts as the GUI shows them; MACs appear once the model ran on the dataset.
    const std::vector<LayerInfo>& layers() const { return m_layers; }
    int64_t totalMacs() const;
    void setLayers(std::vector<LayerInfo> layers);

    const std::optional<EvalResult>& baseline() const { return m_baseline; }
    bool baselineRunning() const { return m_baselineRunning; }
    void setBaseline(const EvalResult& result, bool running);
    void clearBaseline();

    // Everything analysed so far; null until an analysis ran or a bundle was opened. Shared and
    // immutable, so views keep a pointer while a new analysis replaces it.
    std::shared_ptr<const ModelAnalysis> analysis() const { return m_analysis; }
    void setAnalysis(std::shared_ptr<const ModelAnalysis> analysis);

    // The plan being edited; FP32 everywhere until one is opened or set.
    const CompressionPlan& plan() const { return m_plan; }
    void setPlan(const CompressionPlan& plan);

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
    void selectedLayerChanged(int layer);

private:
    std::shared_ptr<Model> m_model;
    QString m_modelPath;
    int64_t m_totalParams = 0;
    std::optional<ModelSidecar> m_sidecar;
    std::shared_ptr<const DatasetSplits> m_dataset;
    DatasetOptions m_datasetOptions;
    std::vector<LayerInfo> m_layers;
    std::optional<EvalResult> m_baseline;
    bool m_baselineRunning = false;
    std::shared_ptr<const ModelAnalysis> m_analysis;
    CompressionPlan m_plan;
    int m_selectedLayer = -1;
    QString m_bundlePath;
    std::atomic<quint64> m_generation{0};
    QUndoStack* m_undo;
};

} // namespace bitlens::app
