#pragma once
// What to analyse, and about how long it will take: the dialog behind Analysis ▸ Analyse….

#include "core/model/layer_info.h"
#include "core/stats/model_analysis.h"

#include <QDialog>

#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace bitlens::views {

struct AnalysisRequest {
    AnalysisOptions options;
    int64_t calibrationSamples = 0; // the first this many of the loaded calibration set
};

// What the estimate is based on: the model's layers and how fast it ran on this machine.
struct AnalysisCostBasis {
    std::vector<LayerInfo> layers;
    int64_t calibrationAvailable = 0; // 0: no dataset open, so nothing needing one can run
    double forwardSamplesPerSecond = 0.0; // from the baseline measurement; 0 while unknown
    bool tokenWindows = false;        // a language model's samples are windows of tokens
};

// Seconds an analysis will take, roughly: the measured forward speed times the forward-pass
// equivalents each part costs (a Hessian-vector product ≈ 4 forward passes; per-layer Lanczos
// runs and Hutchinson probes as the engine typically spends them; each estimator's cost model from
// EstimatorRegistry). Negative when unknown.
double estimateAnalysisSeconds(const AnalysisRequest& request, const AnalysisCostBasis& basis);

// Threading: GUI thread.
class AnalyseDialog final : public QDialog {
    Q_OBJECT
public:
    AnalyseDialog(const AnalysisCostBasis& basis, QWidget* parent = nullptr);

    AnalysisRequest request() const;
    void setRequest(const AnalysisRequest& request);

private:
    void updateState();

    AnalysisCostBasis m_basis;
    QCheckBox* m_statistics;
    QCheckBox* m_activations;
    QCheckBox* m_spectra;
    QCheckBox* m_quantError;
    QCheckBox* m_methodError;
    QCheckBox* m_hessian;
    QCheckBox* m_sensitivity;
    QSpinBox* m_calibration;
    QSpinBox* m_hessianSamples;
    QSpinBox* m_hessianBatches;
    QSpinBox* m_topK;
    QSpinBox* m_seed;
    QComboBox* m_device;    // shown only where LibTorch sees CUDA devices
    QComboBox* m_precision;
    std::vector<QCheckBox*> m_estimators;
    QLineEdit* m_candidates;
    QLabel* m_estimate;
    QPushButton* m_ok = nullptr;
};

} // namespace bitlens::views
