#pragma once
// The panel above the layer table: what is open (model, dataset), how well the model does, and
// what the plan costs and is predicted and measured to do.

#include "core/alloc/plan_prediction.h"
#include "core/data/dataset.h"
#include "core/eval/eval_result.h"
#include "core/model/layer_info.h"

#include <QWidget>

#include <optional>

class QLabel;

namespace bitlens::views {

struct ModelFacts {
    QString path;
    std::vector<LayerInfo> layers;
    int64_t totalParams = 0;
    int64_t totalMacs = -1;
    std::optional<double> referenceAccuracy; // the training sidecar's test accuracy
};

// Threading: GUI thread only.
class ModelSummaryPanel final : public QWidget {
    Q_OBJECT
public:
    explicit ModelSummaryPanel(QWidget* parent = nullptr);

    void setModel(const ModelFacts& facts);
    void setDataset(const DatasetSplits& data);
    // running: more batches are coming; the figures are those of the samples seen so far.
    void setBaseline(const EvalResult& result, bool running);
    void clearBaseline(const QString& why);
    // The plan: predicted at once (predictedTop1 once it can be calibrated), measured in the
    // background (nullopt: not measured yet; running: more batches are coming).
    void setPlan(const PlanPrediction& prediction, std::optional<double> predictedTop1);
    void setMeasured(const std::optional<EvalResult>& measured, bool running);

    QString baselineText() const;
    QString planText() const;

private:
    QLabel* m_model;
    QLabel* m_dataset;
    QLabel* m_baseline;
    QLabel* m_plan;
    QString m_predicted;
    QString m_measured;
    std::optional<double> m_reference;
};

} // namespace bitlens::views
