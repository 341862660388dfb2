#include "plan_commands.h"

#include "session.h"

namespace bitlens::app {

std::map<std::string, LayerOption> PlanState::pinnedOptions() const
{
    std::map<std::string, LayerOption> pins;
    for (const std::string& name : pinned)
        pins[name] = plan.optionFor(name);
    return pins;
}
namespace {
constexpr int kPlanEditId = 0x504c414e; // "PLAN"
}

PlanEditCommand::PlanEditCommand(Session* session, PlanState before, PlanState after, const QString& text, int gesture)
    : QUndoCommand(text), m_session(session), m_before(std::move(before)), m_after(std::move(after)), m_gesture(gesture)
{
}

void PlanEditCommand::undo()
{
    m_session->setPlanState(m_before);
}

void PlanEditCommand::redo()
{
    m_session->setPlanState(m_after);
}

int PlanEditCommand::id() const
{
    return m_gesture >= 0 ? kPlanEditId : -1;
}

bool PlanEditCommand::mergeWith(const QUndoCommand* other)
{
    const auto* o = static_cast<const PlanEditCommand*>(other);
    if (o->m_gesture != m_gesture)
        return false;
    m_after = o->m_after;
    setText(o->text());
    // Dragging back to where the gesture started leaves nothing to undo.
    if (m_after == m_before)
        setObsolete(true);
    return true;
}

} // namespace bitlens::app
