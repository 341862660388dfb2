#include "plan_editor.h"

#include "session.h"

#include <QItemSelectionModel>
#include <QSortFilterProxyModel>

#include <algorithm>

namespace bitlens::app {
namespace {

QString fieldName(views::OptionField field)
{
    switch (field) {
    case views::OptionField::WeightFormat: return QObject::tr("weight format");
    case views::OptionField::Granularity: return QObject::tr("granularity");
    case views::OptionField::GroupSize: return QObject::tr("group size");
    case views::OptionField::Symmetric: return QObject::tr("symmetry");
    case views::OptionField::Method: return QObject::tr("method");
    case views::OptionField::Activation: return QObject::tr("input format");
    case views::OptionField::Rank: return QObject::tr("rank");
    }
    return {};
}

int64_t fullRank(const LayerInfo& layer)
{
    const WeightMatrix m = weightMatrix(layer);
    return std::min(m.rows, m.cols);
}

} // namespace

PlanEditor::PlanEditor(Session* session, views::LayerEditor* editor, QItemSelectionModel* selection,
                       QSortFilterProxyModel* proxy, QObject* parent)
    : QObject(parent), m_session(session), m_editor(editor), m_selection(selection), m_proxy(proxy)
{
    connect(m_selection, &QItemSelectionModel::selectionChanged, this, &PlanEditor::refresh);
    connect(m_session, &Session::planChanged, this, &PlanEditor::refresh);
    connect(m_session, &Session::analysisChanged, this, &PlanEditor::refresh);
    connect(m_editor, &views::LayerEditor::gestureStarted, this, [this] { m_gesture = m_session->newGesture(); });
    connect(m_editor, &views::LayerEditor::gestureFinished, this, [this] { m_gesture = -1; });
    connect(m_editor, &views::LayerEditor::edited, this,
            [this](views::OptionField field, const LayerOption& option) { apply(field, option); });
    connect(m_editor, &views::LayerEditor::pinEdited, this, &PlanEditor::setPinned);
}

std::vector<int> PlanEditor::selectedLayers() const
{
    std::vector<int> layers;
    for (const QModelIndex& row : m_selection->selectedRows())
        layers.push_back(m_proxy->mapToSource(row).row());
    std::sort(layers.begin(), layers.end());
    return layers;
}

void PlanEditor::apply(views::OptionField field, const LayerOption& option, int layer)
{
    std::vector<int> targets = selectedLayers();
    if (layer >= 0 && std::find(targets.begin(), targets.end(), layer) == targets.end())
        targets = {layer};
    if (targets.empty())
        return;
    PlanState after = m_session->planState();
    const std::vector<LayerInfo>& layers = m_session->layers();
    for (int i : targets) {
        const LayerInfo& l = layers[size_t(i)];
        const LayerOption changed = views::withField(after.plan.optionFor(l.name), option, field, fullRank(l));
        after.plan.layers[l.name] = changed;
    }
    try {
        validatePlan(after.plan, layers, "the edit");
    } catch (const PlanError&) {
        // A group size that does not divide a layer's input: keep the plan, show it as it was.
        refresh();
        return;
    }
    const QString what = targets.size() == 1 ? QString::fromStdString(layers[size_t(targets[0])].name)
                                             : tr("%1 layers").arg(targets.size());
    m_session->editPlan(after, tr("Set %1 of %2").arg(fieldName(field), what), m_gesture);
}

void PlanEditor::setPinned(bool pinned)
{
    PlanState after = m_session->planState();
    const std::vector<int> targets = selectedLayers();
    for (int i : targets) {
        const std::string& name = m_session->layers()[size_t(i)].name;
        if (pinned)
            after.pinned.insert(name);
        else
            after.pinned.erase(name);
    }
    m_session->editPlan(after, pinned ? tr("Pin %1 layers").arg(targets.size()) : tr("Unpin %1 layers").arg(targets.size()));
}

void PlanEditor::refresh()
{
    const std::vector<int> selected = selectedLayers();
    if (selected.empty() || m_session->layers().empty()) {
        m_editor->setSelection(0, {}, LayerOption{}, false, 0, {});
        return;
    }
    const size_t first = size_t(selected.front());
    const LayerInfo& l = m_session->layers()[first];
    views::LayerEditor::Energy energy;
    const auto analysis = m_session->analysis();
    if (analysis && first < analysis->spectra.size()) {
        const WeightSpectrum& s = analysis->spectra[first];
        energy = {s.rank90, s.rank95, s.rank99};
    }
    m_editor->setSelection(int(selected.size()), QString::fromStdString(l.name), m_session->plan().optionFor(l.name),
                           m_session->pinned().count(l.name) > 0, fullRank(l), energy);
}

} // namespace bitlens::app
