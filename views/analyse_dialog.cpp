#include "analyse_dialog.h"

#include "core/analysis/estimator_registry.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QComboBox>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace bitlens::views {
namespace {

// Forward-pass equivalents of one Hessian-vector product per sample: a forward, a backward and
// the double backward (measured on the demo models: 3–5).
constexpr double kForwardsPerProduct = 4.0;

QString durationText(double seconds)
{
    if (seconds < 0)
        return QObject::tr("unknown until the baseline has been measured");
    if (seconds < 60)
        return QObject::tr("about %1 s").arg(std::max(1.0, std::round(seconds)));
    return QObject::tr("about %1 min").arg(std::round(seconds / 6.0) / 10.0);
}

QStringList split(const QString& text)
{
    QStringList parts;
    for (const QString& p : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
        parts << p.trimmed();
    parts.removeAll(QString());
    return parts;
}

} // namespace

double estimateAnalysisSeconds(const AnalysisRequest& r, const AnalysisCostBasis& basis)
{
    const AnalysisOptions& o = r.options;
    const double layers = double(basis.layers.size());
    double forwards = 0.0; // sample-forward-passes
    if (o.activations)
        forwards += 3.0 * double(r.calibrationSamples); // two passes plus the input-error histograms
    const double hessianSamples = double(o.hessianOptions.batches * o.hessianOptions.batchSize);
    if (o.hessian || o.sensitivity)
        forwards += 3.0 * hessianSamples; // the cached per-batch graphs
    if (o.hessian) {
        const double perLayer = std::max(o.hessianOptions.densitySteps, 6 * o.hessianOptions.topK) + 2.0;
        const double products = layers * perLayer + 60.0 + (o.hessianOptions.modelEigenvalues ? 6.0 * o.hessianOptions.topK : 0.0);
        forwards += products * kForwardsPerProduct * hessianSamples;
    }
    if (o.sensitivity) {
        const double cells = layers * double(o.sensitivityOptions.options.size());
        for (const std::string& e : o.sensitivityOptions.estimators) {
            if (const std::optional<EstimatorDescriptor> d = EstimatorRegistry::instance().find(e)) {
                const EstimatorCost& c = d->cost;
                forwards += (cells * (c.passesPerCell + c.productsPerCell * kForwardsPerProduct) + c.passesFixed)
                          * hessianSamples;
            }
        }
    }
    if (forwards > 0 && basis.forwardSamplesPerSecond <= 0)
        return -1.0;
    // Weight statistics and spectra cost well under a second per million parameters.
    double params = 0.0;
    for (const LayerInfo& l : basis.layers)
        params += double(l.weightParams);
    const double weightWork = (o.statistics || o.spectra || o.quantError) ? 1.0 + params / 1e6 : 0.0;
    return weightWork + (forwards > 0 ? forwards / basis.forwardSamplesPerSecond : 0.0);
}

AnalyseDialog::AnalyseDialog(const AnalysisCostBasis& basis, QWidget* parent)
    : QDialog(parent),
      m_basis(basis),
      m_statistics(new QCheckBox(tr("Weight statistics and outlier channels"))),
      m_activations(new QCheckBox(tr("Layer-input (activation) statistics"))),
      m_spectra(new QCheckBox(tr("Weight spectra (SVD, power-law α, energy ranks)"))),
      m_quantError(new QCheckBox(tr("Quantization error per option"))),
      m_methodError(new QCheckBox(tr("Output error per method (rtn, GPTQ, AWQ, Hadamard, LWC at 2/3/4/8 bits)"))),
      m_hessian(new QCheckBox(tr("Hessian: top eigenvalues, traces, densities"))),
      m_sensitivity(new QCheckBox(tr("Sensitivity: predicted and measured ΔLoss per option"))),
      m_calibration(new QSpinBox),
      m_hessianSamples(new QSpinBox),
      m_hessianBatches(new QSpinBox),
      m_topK(new QSpinBox),
      m_seed(new QSpinBox),
      m_device(new QComboBox),
      m_precision(new QComboBox),
      m_candidates(new QLineEdit),
      m_estimate(new QLabel)
{
    setWindowTitle(tr("Analyse"));
    const bool data = basis.calibrationAvailable > 0;
    const int available = int(std::max<int64_t>(1, basis.calibrationAvailable));

    auto* what = new QGroupBox(tr("Compute"));
    auto* whatLayout = new QVBoxLayout(what);
    for (QCheckBox* box : {m_statistics, m_activations, m_spectra, m_quantError, m_methodError, m_hessian, m_sensitivity})
        whatLayout->addWidget(box);
    m_methodError->setObjectName(QStringLiteral("methodError"));
    if (!data) {
        for (QCheckBox* box : {m_activations, m_methodError, m_hessian, m_sensitivity}) {
            box->setEnabled(false);
            box->setToolTip(tr("Needs a calibration set: open a dataset first"));
        }
    }

    auto* settings = new QGroupBox(tr("Settings"));
    auto* form = new QFormLayout(settings);
    const QString unit = basis.tokenWindows ? tr("windows") : tr("samples");
    m_calibration->setRange(1, available);
    m_calibration->setSuffix(QLatin1Char(' ') + unit);
    m_calibration->setToolTip(tr("The first %1 of the loaded calibration set (%2 loaded)").arg(unit).arg(basis.calibrationAvailable));
    form->addRow(tr("Calibration:"), m_calibration);
    m_hessianSamples->setRange(1, available);
    m_hessianSamples->setSuffix(QLatin1Char(' ') + unit);
    form->addRow(tr("Hessian / sensitivity:"), m_hessianSamples);
    m_hessianBatches->setRange(1, 64);
    form->addRow(tr("Batches:"), m_hessianBatches);
    m_topK->setRange(1, 20);
    form->addRow(tr("Top eigenvalues:"), m_topK);
    m_seed->setRange(0, 1'000'000);
    m_seed->setToolTip(tr("Seed of the Lanczos start and Hutchinson probe vectors"));
    form->addRow(tr("Seed:"), m_seed);
    // Where the Hessian's and the estimators' products run; statistics and spectra stay on the CPU.
    m_device->setObjectName(QStringLiteral("device"));
    m_precision->setObjectName(QStringLiteral("precision"));
    m_device->addItem(tr("CPU"), QString::fromStdString(nameOf(ComputeDevice{})));
    for (int i = 0; i < cudaDeviceCount(); ++i)
        m_device->addItem(tr("GPU %1 (CUDA)").arg(i), QString::fromStdString(nameOf(ComputeDevice{true, i})));
    m_device->setToolTip(tr("Where Hessian-vector products and measured ΔLoss run (--device)"));
    form->addRow(tr("Device:"), m_device);
    form->setRowVisible(m_device, m_device->count() > 1);
    for (Precision p : {Precision::Fp32, Precision::Tf32, Precision::Bf16})
        m_precision->addItem(QString::fromStdString(nameOf(p)), int(p));
    m_precision->setToolTip(tr("Forward passes and products: fp32; tf32 matrix products (CUDA); bf16 autocast. "
                               "Reductions and Lanczos vectors stay float64"));
    form->addRow(tr("Precision:"), m_precision);
    auto* estimators = new QHBoxLayout;
    for (const EstimatorDescriptor& e : EstimatorRegistry::instance().all()) {
        auto* box = new QCheckBox(QString::fromStdString(e.id));
        box->setToolTip(QStringLiteral("%1: %2").arg(QString::fromStdString(e.name), QString::fromStdString(e.description)));
        estimators->addWidget(box);
        m_estimators.push_back(box);
        connect(box, &QCheckBox::toggled, this, &AnalyseDialog::updateState);
    }
    form->addRow(tr("Estimators:"), estimators);
    m_candidates->setToolTip(tr("Options to predict ΔLoss for, comma-separated: w2 … w8, fp8_e4m3, rank0.5, w4+rank0.5, "
                                "and with a method w3:gptq, w4:group64:awq, w8:smoothquant,a8"));
    form->addRow(tr("Options:"), m_candidates);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setText(tr("Analyse"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(what);
    layout->addWidget(settings);
    layout->addWidget(m_estimate);
    layout->addWidget(buttons);

    AnalysisRequest defaults;
    defaults.options.statistics = defaults.options.spectra = defaults.options.quantError = true;
    defaults.options.activations = data;
    defaults.options.hessianOptions.batches = 4;
    defaults.options.hessianOptions.batchSize = std::max<int64_t>(1, std::min<int64_t>(256, available) / 4);
    defaults.calibrationSamples = std::min<int64_t>(1024, available);
    setRequest(defaults);

    for (QCheckBox* box : {m_statistics, m_activations, m_spectra, m_quantError, m_methodError, m_hessian, m_sensitivity})
        connect(box, &QCheckBox::toggled, this, &AnalyseDialog::updateState);
    for (QSpinBox* spin : {m_calibration, m_hessianSamples, m_hessianBatches, m_topK, m_seed})
        connect(spin, &QSpinBox::valueChanged, this, &AnalyseDialog::updateState);
    connect(m_candidates, &QLineEdit::textChanged, this, &AnalyseDialog::updateState);
    updateState();
}

void AnalyseDialog::setRequest(const AnalysisRequest& r)
{
    const AnalysisOptions& o = r.options;
    m_statistics->setChecked(o.statistics);
    m_activations->setChecked(o.activations && m_activations->isEnabled());
    m_spectra->setChecked(o.spectra);
    m_quantError->setChecked(o.quantError);
    m_methodError->setChecked(o.methodError && m_methodError->isEnabled());
    m_hessian->setChecked(o.hessian && m_hessian->isEnabled());
    m_sensitivity->setChecked(o.sensitivity && m_sensitivity->isEnabled());
    m_calibration->setValue(int(r.calibrationSamples));
    m_hessianSamples->setValue(int(o.hessianOptions.batches * o.hessianOptions.batchSize));
    m_hessianBatches->setValue(int(o.hessianOptions.batches));
    m_topK->setValue(o.hessianOptions.topK);
    m_seed->setValue(int(o.hessianOptions.seed));
    // A GPU this machine lacks (a request from elsewhere) falls back to the CPU.
    m_device->setCurrentIndex(std::max(0, m_device->findData(QString::fromStdString(nameOf(o.compute.device)))));
    m_precision->setCurrentIndex(m_precision->findData(int(o.compute.precision)));
    for (QCheckBox* box : m_estimators) {
        const auto& chosen = o.sensitivityOptions.estimators;
        box->setChecked(std::find(chosen.begin(), chosen.end(), box->text().toStdString()) != chosen.end());
    }
    QStringList candidates;
    for (const std::string& c : o.sensitivityOptions.options)
        candidates << QString::fromStdString(c);
    m_candidates->setText(candidates.join(QStringLiteral(",")));
}

AnalysisRequest AnalyseDialog::request() const
{
    AnalysisRequest r;
    AnalysisOptions& o = r.options;
    o.statistics = m_statistics->isChecked();
    o.activations = m_activations->isChecked();
    o.spectra = m_spectra->isChecked();
    o.quantError = m_quantError->isChecked();
    o.methodError = m_methodError->isChecked();
    o.hessian = m_hessian->isChecked();
    o.sensitivity = m_sensitivity->isChecked();
    r.calibrationSamples = m_calibration->value();
    const int batches = std::min(m_hessianBatches->value(), m_hessianSamples->value());
    o.hessianOptions.batches = batches;
    o.hessianOptions.batchSize = std::max(1, m_hessianSamples->value() / batches);
    o.hessianOptions.topK = m_topK->value();
    o.hessianOptions.seed = uint64_t(m_seed->value());
    o.compute.device = deviceFromName(m_device->currentData().toString().toStdString());
    o.compute.precision = Precision(m_precision->currentData().toInt());
    o.sensitivityOptions.estimators.clear();
    for (QCheckBox* box : m_estimators) {
        if (box->isChecked())
            o.sensitivityOptions.estimators.push_back(box->text().toStdString());
    }
    o.sensitivityOptions.options.clear();
    for (const QString& c : split(m_candidates->text()))
        o.sensitivityOptions.options.push_back(c.toStdString());
    return r;
}

void AnalyseDialog::updateState()
{
    const bool curvature = m_hessian->isChecked() || m_sensitivity->isChecked();
    for (QWidget* w : {static_cast<QWidget*>(m_hessianSamples), static_cast<QWidget*>(m_hessianBatches), static_cast<QWidget*>(m_seed),
                       static_cast<QWidget*>(m_device), static_cast<QWidget*>(m_precision)})
        w->setEnabled(curvature);
    m_topK->setEnabled(m_hessian->isChecked());
    m_candidates->setEnabled(m_sensitivity->isChecked());
    for (QCheckBox* box : m_estimators)
        box->setEnabled(m_sensitivity->isChecked());

    const AnalysisRequest r = request();
    QString problem;
    if (r.options.sensitivity && r.options.sensitivityOptions.estimators.empty())
        problem = tr("Choose at least one estimator.");
    else if (r.options.sensitivity && r.options.sensitivityOptions.options.empty())
        problem = tr("Name at least one option to predict ΔLoss for.");
    else if (curvature && r.options.hessianOptions.batches * r.options.hessianOptions.batchSize > r.calibrationSamples)
        problem = tr("The Hessian cannot use more samples than the calibration set has.");
    else if (!(r.options.statistics || r.options.activations || r.options.spectra || r.options.quantError
               || r.options.methodError || curvature))
        problem = tr("Choose something to compute.");
    m_ok->setEnabled(problem.isEmpty());
    m_estimate->setText(problem.isEmpty()
                            ? tr("Estimated time: %1 on this machine.").arg(durationText(estimateAnalysisSeconds(r, m_basis)))
                            : problem);
}

} // namespace bitlens::views
