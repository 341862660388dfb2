#include "allocator_panel.h"

#include "format.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>

#include <algorithm>
#include <cmath>

namespace bitlens::views {
namespace {

constexpr int kSliderSteps = 1000;

// Enough decimals to set a budget to a hundredth of the span, at least two.
int decimalsFor(double span)
{
    return span > 0 ? std::clamp(int(std::ceil(-std::log10(span / 100.0))), 2, 6) : 2;
}

double roundUp(double value, int decimals)
{
    const double scale = std::pow(10.0, decimals);
    return std::ceil(value * scale - 1e-9) / scale;
}

double roundDown(double value, int decimals)
{
    const double scale = std::pow(10.0, decimals);
    return std::floor(value * scale + 1e-9) / scale;
}

// BOPs run to 10^10 and beyond: the spin box shows them in the thousands-power that keeps the
// largest below 1000.
std::pair<double, QString> bopsUnit(double largest)
{
    const std::pair<double, const char*> units[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
    for (const auto& [scale, prefix] : units)
        if (largest >= scale)
            return {scale, QStringLiteral(" %1BOPs").arg(QLatin1String(prefix))};
    return {1.0, QStringLiteral(" BOPs")};
}

QString megabytes(int64_t bytes)
{
    return QString::number(double(bytes) / 1e6, 'f', 3) + QStringLiteral(" MB");
}

QString durationText(double seconds)
{
    return seconds < 1.0 ? QString::number(1e3 * seconds, 'f', 0) + QStringLiteral(" ms")
                         : QString::number(seconds, 'f', 1) + QStringLiteral(" s");
}

} // namespace

AllocatorPanel::AllocatorPanel(QWidget* parent)
    : QWidget(parent),
      m_allocator(new QComboBox),
      m_description(new QLabel),
      m_estimator(new QComboBox),
      m_slider(new QSlider(Qt::Horizontal)),
      m_budget(new QDoubleSpinBox),
      m_unit(new QComboBox),
      m_rangeText(new QLabel),
      m_useBops(new QCheckBox(tr("Limit BOPs to"))),
      m_bops(new QDoubleSpinBox),
      m_run(new QPushButton(tr("Run"))),
      m_cancel(new QPushButton(tr("Cancel"))),
      m_status(new QLabel)
{
    m_allocator->setObjectName(QStringLiteral("allocator"));
    m_estimator->setObjectName(QStringLiteral("estimator"));
    m_budget->setObjectName(QStringLiteral("budget"));
    m_unit->setObjectName(QStringLiteral("budgetUnit"));
    m_run->setObjectName(QStringLiteral("run"));
    m_cancel->setObjectName(QStringLiteral("cancel"));
    m_status->setObjectName(QStringLiteral("status"));
    for (QLabel* label : {m_description, m_rangeText, m_status}) {
        label->setWordWrap(true);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }
    m_status->setTextFormat(Qt::RichText);
    m_description->setStyleSheet(QStringLiteral("color: #555"));
    m_rangeText->setStyleSheet(QStringLiteral("color: #555"));
    m_estimator->setToolTip(tr("The cost table whose predicted ΔLoss the allocator minimises"));
    m_unit->addItem(tr("bits / weight"), int(BudgetUnit::BitsPerWeight));
    m_unit->addItem(tr("MB"), int(BudgetUnit::Megabytes));
    m_unit->setToolTip(tr("Average bits per compressible weight (scales included, fp32 biases on top), or "
                          "megabytes of the compressible layers"));
    m_slider->setRange(0, kSliderSteps);
    m_budget->setKeyboardTracking(false);
    m_bops->setEnabled(false);
    m_cancel->setEnabled(false);

    auto* budgetRow = new QHBoxLayout;
    budgetRow->addWidget(m_slider, 1);
    budgetRow->addWidget(m_budget);
    budgetRow->addWidget(m_unit);
    auto* bopsRow = new QHBoxLayout;
    bopsRow->addWidget(m_useBops);
    bopsRow->addWidget(m_bops, 1);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(m_run);
    buttons->addWidget(m_cancel);
    auto* form = new QFormLayout(this);
    form->addRow(tr("Allocator"), m_allocator);
    form->addRow(QString(), m_description);
    form->addRow(tr("Estimator"), m_estimator);
    form->addRow(tr("Budget"), budgetRow);
    form->addRow(QString(), m_rangeText);
    form->addRow(QString(), bopsRow);
    form->addRow(buttons);
    form->addRow(m_status);

    connect(m_allocator, &QComboBox::currentIndexChanged, this, &AllocatorPanel::showDescription);
    connect(m_unit, &QComboBox::currentIndexChanged, this, &AllocatorPanel::onUnitChanged);
    connect(m_budget, &QDoubleSpinBox::valueChanged, this, &AllocatorPanel::onSpinChanged);
    connect(m_slider, &QSlider::valueChanged, this, &AllocatorPanel::onSliderMoved);
    connect(m_useBops, &QCheckBox::toggled, m_bops, &QWidget::setEnabled);
    connect(m_run, &QPushButton::clicked, this, [this] { emit runRequested(request()); });
    connect(m_cancel, &QPushButton::clicked, this, &AllocatorPanel::cancelRequested);
    m_status->setText(tr("No allocation run yet."));
    setBudgetRange({});
}

void AllocatorPanel::setAllocators(const std::vector<AllocatorChoice>& allocators)
{
    const QString kept = m_allocator->currentData().toString();
    m_allocator->clear();
    for (const AllocatorChoice& a : allocators) {
        m_allocator->addItem(a.name, a.id);
        m_allocator->setItemData(m_allocator->count() - 1, a.description, Qt::ToolTipRole);
    }
    selectAllocator(kept);
    showDescription(); // the first item became current before its description was set
    updateState();
}

void AllocatorPanel::showDescription()
{
    m_description->setText(m_allocator->currentData(Qt::ToolTipRole).toString());
}

void AllocatorPanel::selectAllocator(const QString& id)
{
    const int index = m_allocator->findData(id);
    if (index >= 0)
        m_allocator->setCurrentIndex(index);
}

void AllocatorPanel::setEstimators(const QStringList& estimators, const QString& current)
{
    const QString kept = current.isEmpty() ? m_estimator->currentText() : current;
    m_estimator->clear();
    m_estimator->addItems(estimators);
    if (estimators.contains(kept))
        m_estimator->setCurrentText(kept);
    updateState();
}

BudgetUnit AllocatorPanel::unit() const
{
    return BudgetUnit(m_unit->currentData().toInt());
}

double AllocatorPanel::valueAt(int64_t bytes) const
{
    return unit() == BudgetUnit::BitsPerWeight ? m_range.scale.bitsAt(bytes) : double(bytes) / 1e6;
}

void AllocatorPanel::setBudgetRange(const BudgetRange& range)
{
    // A first range starts at 4 bits, the usual first try; later ones keep the budget.
    const int64_t kept = m_range.valid() ? request().budgetBytes : range.scale.bytesAt(4.0);
    m_range = range;
    showBudgetRange();
    if (m_range.valid())
        m_budget->setValue(valueAt(std::clamp(kept, m_range.minBytes, m_range.maxBytes)));

    const double keptBops = m_bops->value() * m_bopsScale;
    const auto [scale, suffix] = bopsUnit(range.maxBops);
    m_bopsScale = scale;
    m_bops->setSuffix(suffix);
    m_bops->setDecimals(decimalsFor((range.maxBops - range.minBops) / scale));
    m_bops->setRange(roundUp(range.minBops / scale, m_bops->decimals()), roundDown(range.maxBops / scale, m_bops->decimals()));
    m_bops->setValue(keptBops > 0 ? keptBops / scale : range.maxBops / scale);
    m_useBops->setEnabled(range.hasBops());
    if (!range.hasBops())
        m_useBops->setChecked(false);
    m_useBops->setToolTip(range.hasBops() ? tr("Bit operations per sample: MACs × weight bits × input bits")
                                          : tr("BOPs need the layers' MACs: measure the baseline on a dataset first"));
    updateState();
}

// The spin box's limits and decimals for the current unit, and the text under the slider.
void AllocatorPanel::showBudgetRange()
{
    const QSignalBlocker blocker(m_budget);
    if (!m_range.valid()) {
        m_rangeText->setText(tr("Analyse the model with sensitivity to set a budget."));
        return;
    }
    const double low = valueAt(m_range.minBytes), high = valueAt(m_range.maxBytes);
    const int decimals = decimalsFor(high - low);
    m_budget->setDecimals(decimals);
    // Rounded inwards, so the ends of the spin box are plans the table can make.
    const double min = roundUp(low, decimals);
    m_budget->setRange(min, std::max(min, roundDown(high, decimals)));
    m_budget->setSingleStep(unit() == BudgetUnit::BitsPerWeight ? 0.25 : std::pow(10.0, -std::min(decimals, 3)));
    m_rangeText->setText(tr("From %1 to %2 (%3 to %4 bits / weight)")
                             .arg(megabytes(m_range.minBytes), megabytes(m_range.maxBytes))
                             .arg(m_range.scale.bitsAt(m_range.minBytes), 0, 'f', 2)
                             .arg(m_range.scale.bitsAt(m_range.maxBytes), 0, 'f', 2));
}

void AllocatorPanel::onUnitChanged()
{
    // The unit the spin box showed until now is the other one: convert through bytes.
    const BudgetUnit before = unit() == BudgetUnit::BitsPerWeight ? BudgetUnit::Megabytes : BudgetUnit::BitsPerWeight;
    const double value = m_budget->value();
    const int64_t bytes = before == BudgetUnit::BitsPerWeight ? m_range.scale.bytesAt(value) : int64_t(std::floor(value * 1e6));
    showBudgetRange();
    if (m_range.valid())
        m_budget->setValue(valueAt(bytes));
}

void AllocatorPanel::setBudget(double value, BudgetUnit unit)
{
    m_unit->setCurrentIndex(m_unit->findData(int(unit)));
    m_budget->setValue(value);
}

void AllocatorPanel::onSpinChanged(double value)
{
    const double span = m_budget->maximum() - m_budget->minimum();
    const QSignalBlocker blocker(m_slider);
    m_slider->setValue(span > 0 ? int(std::lround((value - m_budget->minimum()) / span * kSliderSteps)) : 0);
}

void AllocatorPanel::onSliderMoved(int position)
{
    const double span = m_budget->maximum() - m_budget->minimum();
    const QSignalBlocker blocker(m_budget); // the slider is where the user put it
    m_budget->setValue(m_budget->minimum() + span * position / kSliderSteps);
}

AllocationRequest AllocatorPanel::request() const
{
    AllocationRequest r;
    r.allocator = m_allocator->currentData().toString();
    r.estimator = m_estimator->currentText();
    const double value = m_budget->value();
    r.budgetBytes = unit() == BudgetUnit::BitsPerWeight ? m_range.scale.bytesAt(value) : int64_t(std::floor(value * 1e6));
    if (m_useBops->isChecked())
        r.budgetBops = m_bops->value() * m_bopsScale;
    return r;
}

void AllocatorPanel::setRunning(bool running)
{
    m_running = running;
    if (running) {
        m_status->setStyleSheet({});
        m_status->setText(tr("Allocating…"));
    }
    updateState();
}

void AllocatorPanel::updateState()
{
    const bool ready = m_allocator->count() > 0 && m_estimator->count() > 0 && m_range.valid();
    m_run->setEnabled(ready && !m_running);
    m_run->setToolTip(ready ? tr("Allocate within the budget and apply the plan (undoable)")
                            : tr("Analyse the model with sensitivity first: allocators read its cost tables"));
    m_cancel->setEnabled(m_running);
    for (QWidget* w : std::initializer_list<QWidget*>{m_slider, m_budget, m_unit})
        w->setEnabled(m_range.valid());
}

void AllocatorPanel::showResult(const AllocationSummary& s)
{
    const QString gap = std::isinf(s.gap) ? tr("no bound on the gap")
                        : s.gap <= 0.0    ? tr("optimal")
                                          : tr("gap ≤ %1").arg(valueText(s.gap, 3));
    m_status->setStyleSheet({});
    m_status->setText(tr("<b>%1</b> on %2: %3 (%4 bits / weight), predicted ΔLoss <b>%5</b>, %6, %7")
                          .arg(s.allocator.toHtmlEscaped(), s.estimator.toHtmlEscaped(), megabytes(s.bytes))
                          .arg(s.averageBits, 0, 'f', 2)
                          .arg(valueText(s.predictedDeltaLoss), gap, durationText(s.seconds)));
}

void AllocatorPanel::showError(const QString& message)
{
    m_status->setStyleSheet(QStringLiteral("color: #D55E00"));
    m_status->setText(message.toHtmlEscaped());
}

QString AllocatorPanel::statusText() const
{
    return m_status->text();
}

} // namespace bitlens::views
