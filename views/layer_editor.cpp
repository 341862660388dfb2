#include "layer_editor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QSlider>
#include <QSpinBox>
#include <QStyle>
#include <QStyleOptionSlider>
#include <QVBoxLayout>

#include <algorithm>
#include <array>
#include <limits>

namespace bitlens::views {
namespace {

constexpr std::array<int, 9> kSliderBits{2, 3, 4, 5, 6, 7, 8, 16, 32};

// A format a combo box offers: its label, format and width (Int: 0 keeps the slider's width).
struct FormatChoice {
    const char* label;
    NumberFormat format;
    int bits;
};
constexpr std::array<FormatChoice, 6> kFormats{{{"int", NumberFormat::Int, 0},
                                                {"fp8 e4m3", NumberFormat::Fp8E4M3, 8},
                                                {"fp8 e5m2", NumberFormat::Fp8E5M2, 8},
                                                {"fp16", NumberFormat::Float16, 16},
                                                {"bf16", NumberFormat::BFloat16, 16},
                                                {"fp32", NumberFormat::Float32, 32}}};

// The same shape serves the input formats.
constexpr std::array<FormatChoice, 7> kInputs{{{"fp32 (not quantized)", NumberFormat::Float32, 32},
                                              {"int8", NumberFormat::Int, 8},
                                              {"int6", NumberFormat::Int, 6},
                                              {"int4", NumberFormat::Int, 4},
                                              {"fp8 e4m3", NumberFormat::Fp8E4M3, 8},
                                              {"fp16", NumberFormat::Float16, 16},
                                              {"bf16", NumberFormat::BFloat16, 16}}};

} // namespace

// The energy ranks drawn as ticks under the rank slider, where the slider's handle would be.
class LayerEditor::RankMarks final : public QWidget {
public:
    RankMarks(QSlider* slider, QWidget* parent) : QWidget(parent), m_slider(slider) { setFixedHeight(16); }
    void setMarks(std::vector<std::pair<int64_t, QString>> marks)
    {
        m_marks = std::move(marks);
        update();
    }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter p(this);
        QStyleOptionSlider o;
        o.initFrom(m_slider);
        o.minimum = m_slider->minimum();
        o.maximum = m_slider->maximum();
        o.orientation = Qt::Horizontal;
        const QRect groove = m_slider->style()->subControlRect(QStyle::CC_Slider, &o, QStyle::SC_SliderGroove, m_slider);
        const QRect handle = m_slider->style()->subControlRect(QStyle::CC_Slider, &o, QStyle::SC_SliderHandle, m_slider);
        const int span = groove.width() - handle.width();
        p.setPen(QColor(0, 114, 178));
        QFont f = font();
        f.setPointSizeF(f.pointSizeF() * 0.8);
        p.setFont(f);
        int freeFrom = std::numeric_limits<int>::min(); // labels never overlap: a crowded one keeps its tick only
        for (const auto& [rank, text] : m_marks) {
            const int x = groove.left() + handle.width() / 2
                          + QStyle::sliderPositionFromValue(o.minimum, o.maximum, int(rank), span);
            p.drawLine(x, 0, x, 4);
            const int width = p.fontMetrics().horizontalAdvance(text) + 4;
            if (x - width / 2 < freeFrom)
                continue;
            p.drawText(QRect(x - width / 2, 4, width, 12), Qt::AlignCenter, text);
            freeFrom = x + width / 2;
        }
    }

private:
    QSlider* m_slider;
    std::vector<std::pair<int64_t, QString>> m_marks;
};

LayerOption withField(LayerOption target, const LayerOption& source, OptionField field, int64_t fullRank)
{
    switch (field) {
    case OptionField::WeightFormat:
        target.weight.format = source.weight.format;
        target.weight.bits = source.weight.bits;
        break;
    case OptionField::Granularity: target.weight.granularity = source.weight.granularity; break;
    case OptionField::GroupSize: target.weight.groupSize = source.weight.groupSize; break;
    case OptionField::Symmetric: target.weight.symmetric = source.weight.symmetric; break;
    case OptionField::Method: // and its own settings: xint's terms, sqllm's sparse share
        target.weight = withMethod(target.weight, source.weight.method);
        target.weight.terms = source.weight.terms;
        target.weight.sparsePercent = source.weight.sparsePercent;
        break;
    case OptionField::Activation: target.activation = source.activation; break;
    case OptionField::Rank: target.rank = source.rank >= fullRank ? 0 : source.rank; break;
    }
    return target;
}

int bitsSliderPosition(const WeightQuant& weight)
{
    const int bits = weight.format == NumberFormat::Int ? weight.bits : formatBits(weight.format);
    const auto it = std::lower_bound(kSliderBits.begin(), kSliderBits.end(), bits);
    return int(std::min<std::ptrdiff_t>(it - kSliderBits.begin(), kSliderBits.size() - 1));
}

WeightQuant weightAtBitsPosition(const WeightQuant& current, int position)
{
    WeightQuant w = current;
    const int bits = kSliderBits[size_t(std::clamp(position, 0, int(kSliderBits.size()) - 1))];
    w.bits = bits;
    w.format = bits <= 8 ? NumberFormat::Int : bits == 16 ? NumberFormat::Float16 : NumberFormat::Float32;
    return w;
}

LayerEditor::LayerEditor(QWidget* parent)
    : QWidget(parent),
      m_title(new QLabel),
      m_bits(new QSlider(Qt::Horizontal)),
      m_bitsLabel(new QLabel),
      m_format(new QComboBox),
      m_granularity(new QComboBox),
      m_groupSize(new QSpinBox),
      m_symmetric(new QCheckBox(tr("Symmetric"))),
      m_method(new QComboBox),
      m_terms(new QSpinBox),
      m_sparse(new QDoubleSpinBox),
      m_activation(new QComboBox),
      m_rank(new QSlider(Qt::Horizontal)),
      m_rankLabel(new QLabel),
      m_energyLabel(new QLabel),
      m_pin(new QCheckBox(tr("Pin: allocators keep this option")))
{
    m_title->setWordWrap(true);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_bits->setRange(0, int(kSliderBits.size()) - 1);
    m_bits->setTickPosition(QSlider::TicksBelow);
    m_bits->setPageStep(1);
    m_bits->setObjectName(QStringLiteral("bitsSlider"));
    for (const FormatChoice& f : kFormats)
        m_format->addItem(tr(f.label));
    m_granularity->addItems({tr("per-tensor"), tr("per-channel"), tr("per-group")});
    m_groupSize->setRange(8, 4096);
    m_groupSize->setSingleStep(32);
    m_method->setObjectName(QStringLiteral("method"));
    for (const EnumName<QuantMethod>& m : nameTable<QuantMethod>()) {
        m_method->addItem(QString::fromLatin1(m.name));
        m_method->setItemData(m_method->count() - 1, QString::fromUtf8(methodSummary(m.value)), Qt::ToolTipRole);
    }
    m_terms->setObjectName(QStringLiteral("terms"));
    m_terms->setRange(2, kMaxXintTerms);
    m_terms->setPrefix(tr("× "));
    m_terms->setToolTip(tr("xint: the weight as this many terms of the weight bits each"));
    m_sparse->setObjectName(QStringLiteral("sparsePercent"));
    m_sparse->setRange(0.0, kMaxSparsePercent);
    m_sparse->setSingleStep(0.1);
    m_sparse->setDecimals(2);
    m_sparse->setSuffix(tr(" % sparse"));
    m_sparse->setToolTip(tr("sqllm: the share of weights (largest |w|·Fisher) kept apart in fp16"));
    for (const FormatChoice& a : kInputs)
        m_activation->addItem(tr(a.label));
    m_rank->setObjectName(QStringLiteral("rankSlider"));
    m_energyLabel->setWordWrap(true);

    // Wide enough for their longest text, so a narrow dock shrinks the sliders, not the figures.
    m_bitsLabel->setMinimumWidth(m_bitsLabel->fontMetrics().horizontalAdvance(tr("%1 bits × %2").arg(8).arg(kMaxXintTerms)));
    m_rankLabel->setMinimumWidth(m_rankLabel->fontMetrics().horizontalAdvance(tr("%1 of %2").arg(16384).arg(16384)));
    auto* bitsRow = new QHBoxLayout;
    bitsRow->addWidget(m_bits, 1);
    bitsRow->addWidget(m_bitsLabel);
    auto* rankBox = new QVBoxLayout;
    auto* rankRow = new QHBoxLayout;
    rankRow->addWidget(m_rank, 1);
    rankRow->addWidget(m_rankLabel);
    rankBox->addLayout(rankRow);
    m_marks = new RankMarks(m_rank, this);
    rankBox->addWidget(m_marks);
    auto* form = new QFormLayout;
    form->addRow(tr("Weight bits:"), bitsRow);
    form->addRow(tr("Format:"), m_format);
    form->addRow(tr("Granularity:"), m_granularity);
    form->addRow(tr("Group size:"), m_groupSize);
    form->addRow(QString(), m_symmetric);
    auto* methodRow = new QHBoxLayout;
    methodRow->addWidget(m_method, 1);
    methodRow->addWidget(m_terms);
    methodRow->addWidget(m_sparse);
    form->addRow(tr("Method:"), methodRow);
    form->addRow(tr("Input:"), m_activation);
    form->addRow(tr("Rank:"), rankBox);
    form->addRow(QString(), m_energyLabel);
    form->addRow(QString(), m_pin);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addLayout(form);
    layout->addStretch(1);

    for (QSlider* s : {m_bits, m_rank}) {
        connect(s, &QSlider::sliderPressed, this, &LayerEditor::gestureStarted);
        connect(s, &QSlider::sliderReleased, this, &LayerEditor::gestureFinished);
    }
    connect(m_bits, &QSlider::valueChanged, this, [this](int position) {
        m_option.weight = weightAtBitsPosition(m_option.weight, position);
        emitEdit(OptionField::WeightFormat);
    });
    connect(m_format, &QComboBox::currentIndexChanged, this, [this](int i) {
        const FormatChoice& f = kFormats[size_t(i)];
        m_option.weight.format = f.format;
        m_option.weight.bits = f.format == NumberFormat::Int ? std::min(m_option.weight.bits, 8) : f.bits;
        emitEdit(OptionField::WeightFormat);
    });
    connect(m_granularity, &QComboBox::currentIndexChanged, this, [this](int i) {
        m_option.weight.granularity = Granularity(i);
        emitEdit(OptionField::Granularity);
    });
    connect(m_groupSize, &QSpinBox::valueChanged, this, [this](int size) {
        m_option.weight.groupSize = size;
        emitEdit(OptionField::GroupSize);
    });
    connect(m_symmetric, &QCheckBox::toggled, this, [this](bool on) {
        m_option.weight.symmetric = on;
        emitEdit(OptionField::Symmetric);
    });
    connect(m_method, &QComboBox::currentIndexChanged, this, [this](int i) {
        WeightQuant& w = m_option.weight;
        w = withMethod(w, nameTable<QuantMethod>()[size_t(i)].value);
        if (w.method == QuantMethod::Xint)
            w.terms = m_terms->value();
        if (w.method == QuantMethod::Sqllm)
            w.sparsePercent = m_sparse->value();
        emitEdit(OptionField::Method);
    });
    connect(m_sparse, &QDoubleSpinBox::valueChanged, this, [this](double percent) {
        if (m_option.weight.method != QuantMethod::Sqllm)
            return;
        m_option.weight.sparsePercent = percent;
        emitEdit(OptionField::Method);
    });
    connect(m_terms, &QSpinBox::valueChanged, this, [this](int terms) {
        if (m_option.weight.method != QuantMethod::Xint)
            return;
        m_option.weight.terms = terms;
        emitEdit(OptionField::Method);
    });
    connect(m_activation, &QComboBox::currentIndexChanged, this, [this](int i) {
        m_option.activation.format = kInputs[size_t(i)].format;
        m_option.activation.bits = kInputs[size_t(i)].bits;
        emitEdit(OptionField::Activation);
    });
    connect(m_rank, &QSlider::valueChanged, this, [this](int rank) {
        m_option.rank = rank >= m_fullRank ? 0 : rank;
        emitEdit(OptionField::Rank);
    });
    connect(m_pin, &QCheckBox::toggled, this, [this](bool on) {
        if (!m_updating)
            emit pinEdited(on);
    });
    setSelection(0, {}, LayerOption{}, false, 0, {});
}

void LayerEditor::emitEdit(OptionField field)
{
    updateLabels();
    if (!m_updating)
        emit edited(field, m_option);
}

void LayerEditor::setSelection(int count, const QString& title, const LayerOption& option, bool pinned, int64_t fullRank,
                               const Energy& energy)
{
    m_updating = true;
    m_option = option;
    m_fullRank = fullRank;
    setEnabled(count > 0);
    m_title->setText(count == 0 ? tr("Select layers in the table to edit their option.")
                     : count == 1 ? title
                                  : tr("%1 layers selected: an edit sets that field on all of them").arg(count));
    m_bits->setValue(bitsSliderPosition(option.weight));
    const auto format = std::find_if(kFormats.begin(), kFormats.end(),
                                      [&](const FormatChoice& f) { return f.format == option.weight.format; });
    m_format->setCurrentIndex(int(format - kFormats.begin()));
    m_granularity->setCurrentIndex(int(option.weight.granularity));
    m_groupSize->setValue(option.weight.groupSize);
    m_symmetric->setChecked(option.weight.symmetric);
    const auto& methods = nameTable<QuantMethod>();
    m_method->setCurrentIndex(int(std::find_if(methods.begin(), methods.end(),
                                               [&](const EnumName<QuantMethod>& m) { return m.value == option.weight.method; })
                                  - methods.begin()));
    m_terms->setValue(std::max(2, option.weight.terms));
    m_sparse->setValue(option.weight.sparsePercent);
    const auto input = std::find_if(kInputs.begin(), kInputs.end(), [&](const FormatChoice& a) {
        return a.format == option.activation.format && (a.format != NumberFormat::Int || a.bits == option.activation.bits);
    });
    m_activation->setCurrentIndex(input == kInputs.end() ? 0 : int(input - kInputs.begin()));
    m_rank->setRange(1, int(std::max<int64_t>(1, fullRank)));
    m_rank->setValue(option.rank > 0 ? int(option.rank) : int(fullRank));
    m_pin->setChecked(pinned);
    std::vector<std::pair<int64_t, QString>> marks;
    if (energy.rank90 > 0) {
        marks = {{energy.rank90, QStringLiteral("90%")}, {energy.rank95, QStringLiteral("95%")}, {energy.rank99, QStringLiteral("99%")}};
        m_energyLabel->setText(tr("Rank keeping 90 / 95 / 99 % of Σσ²: %1 / %2 / %3 of %4")
                                   .arg(energy.rank90).arg(energy.rank95).arg(energy.rank99).arg(fullRank));
    } else {
        m_energyLabel->setText(tr("Energy ranks: analyse spectra to see them."));
    }
    m_marks->setMarks(marks);
    m_option = option; // the controls' own handlers rewrote it while being set
    updateLabels();
    m_updating = false;
}

void LayerEditor::updateLabels()
{
    const WeightQuant& w = m_option.weight;
    m_bitsLabel->setText(w.format != NumberFormat::Int ? QString::fromLatin1(nameOf(w.format))
                         : w.terms > 1                ? tr("%1 bits × %2").arg(w.bits).arg(w.terms)
                                                      : tr("%1 bits").arg(w.bits));
    const bool integer = w.format == NumberFormat::Int;
    m_granularity->setEnabled(integer);
    m_symmetric->setEnabled(integer);
    m_groupSize->setEnabled(integer && w.granularity == Granularity::PerGroup);
    m_method->setToolTip(QString::fromUtf8(methodSummary(w.method)));
    m_terms->setEnabled(w.method == QuantMethod::Xint);
    m_sparse->setEnabled(w.method == QuantMethod::Sqllm);
    m_rankLabel->setText(m_option.rank > 0 ? tr("%1 of %2").arg(m_option.rank).arg(m_fullRank) : tr("full (%1)").arg(m_fullRank));
}

} // namespace bitlens::views
