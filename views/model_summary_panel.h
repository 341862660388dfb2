#pragma once
// The panel above the layer table: what is open (model, dataset), how well the model does, and
// what the plan costs and is predicted and measured to do.

#include "core/alloc/plan_prediction.h"
#include "core/data/dataset.h"
#include "core/eval/eval_result.h"
#include "core/model/layer_info.h"
#include "headline_format.h"

#include <QWidget>

#include <optional>

class QLabel;

namespace bitlens::views {

struct ModelFacts {
    QString path;
    std::vector<LayerInfo> layers;
    int64_t totalParams = 0;
    int64_t totalMacs = -1;
    // The training sidecar's test figures: accuracy (next-token for a language model) and loss
    // per prediction, whose exp is a language model's reference perplexity.
    std::optional<double> referenceAccuracy;
    std::optional<double> referenceLoss;
};

// Threading: GUI thread only.
class ModelSummaryPanel final : public QWidget {
    Q_OBJECT
public:
    explicit ModelSummaryPanel(QWidget* parent = nullptr);

    void setModel(const ModelFacts& facts);
    // Also decides the headline the panel leads with: perplexity for token windows, else top-1.
    void setDataset(const DatasetSplits& data);
    // running: more batches are coming; the figures are those of the samples seen so far.
    void setBaseline(const EvalResult& result, bool running);
    void clearBaseline(const QString& why);
    // The plan: predicted at once (predictedHeadline, top-1 or perplexity, once it can be
    // predicted), measured in the background (nullopt: not measured yet; running: more batches
    // are coming).
    void setPlan(const PlanPrediction& prediction, std::optional<double> predictedHeadline);
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
    std::optional<double> m_referenceAccuracy;
    std::optional<double> m_referenceLoss;
    HeadlineFormat m_headline;
};

} // namespace bitlens::views
