#pragma once
// Manual tuning of the selected layers' option: weight bits and format, granularity, group size,
// symmetry, quantization method, input bits, rank (with the 90/95/99 % energy ranks marked), and the pin that keeps
// allocators away. One control changes one field; with several layers selected, that field
// changes on all of them and every other field stays each layer's own.

#include "core/quant/layer_option.h"

#include <QWidget>

#include <cstdint>

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;
class QSpinBox;
class QDoubleSpinBox;

namespace bitlens::views {

// Which field of a LayerOption an edit sets.
enum class OptionField { WeightFormat, Granularity, GroupSize, Symmetric, Method, Activation, Rank };

// Sets `field` of `target` to its value in `source` (rank clamped to [0, fullRank]).
LayerOption withField(LayerOption target, const LayerOption& source, OptionField field, int64_t fullRank);

// The weight formats the bits slider steps through: 2…8-bit integers, fp16, fp32.
int bitsSliderPosition(const WeightQuant& weight);
WeightQuant weightAtBitsPosition(const WeightQuant& current, int position);

// Threading: GUI thread only.
class LayerEditor final : public QWidget {
    Q_OBJECT
public:
    struct Energy {
        int64_t rank90 = 0, rank95 = 0, rank99 = 0; // 0 when not analysed
    };

    explicit LayerEditor(QWidget* parent = nullptr);

    // What the controls show: the first selected layer's option; `count` layers are selected.
    // `fullRank` is min(m, n) of the first layer's weight matrix. count 0 disables everything.
    void setSelection(int count, const QString& title, const LayerOption& option, bool pinned, int64_t fullRank,
                      const Energy& energy);

    QSlider* bitsSlider() const { return m_bits; }
    QSlider* rankSlider() const { return m_rank; }

signals:
    // A slider press starts a gesture; the edits until its release merge into one undo step.
    void gestureStarted();
    void gestureFinished();
    // `option` carries the new value of `field`.
    void edited(OptionField field, const LayerOption& option);
    void pinEdited(bool pinned);

private:
    void emitEdit(OptionField field);
    void updateLabels();
    LayerOption shown() const;

    bool m_updating = false;
    int64_t m_fullRank = 0;
    LayerOption m_option;
    QLabel* m_title;
    QSlider* m_bits;
    QLabel* m_bitsLabel;
    QComboBox* m_format;
    QComboBox* m_granularity;
    QSpinBox* m_groupSize;
    QCheckBox* m_symmetric;
    QComboBox* m_method;
    QSpinBox* m_terms; // xint's
    QDoubleSpinBox* m_sparse; // sqllm's
    QComboBox* m_activation;
    QSlider* m_rank;
    QLabel* m_rankLabel;
    QLabel* m_energyLabel;
    QCheckBox* m_pin;
    class RankMarks;
    RankMarks* m_marks = nullptr;
};

} // namespace bitlens::views
