#pragma once
// Every edit of the plan is an undoable command: a slider move, a change to many selected layers,
// a pin, an allocator's plan, a point taken from the Pareto front.

#include "core/quant/compression_plan.h"

#include <QUndoCommand>

#include <map>
#include <set>
#include <string>

namespace bitlens::app {

class Session;

// What a plan edit changes: the plan and which layers allocators must leave alone.
struct PlanState {
    CompressionPlan plan;
    std::set<std::string> pinned;
    // The pinned layers' options: what an allocation under these pins must keep.
    std::map<std::string, LayerOption> pinnedOptions() const;
    bool operator==(const PlanState& o) const { return plan == o.plan && pinned == o.pinned; }
};

// Threading: GUI thread. Consecutive commands with the same non-negative `gesture` merge into one,
// so dragging a slider from 8 to 3 bits undoes in one step.
class PlanEditCommand final : public QUndoCommand {
public:
    PlanEditCommand(Session* session, PlanState before, PlanState after, const QString& text, int gesture = -1);

    void undo() override;
    void redo() override;
    int id() const override;
    bool mergeWith(const QUndoCommand* other) override;

private:
    Session* m_session;
    PlanState m_before;
    PlanState m_after;
    int m_gesture;
};

} // namespace bitlens::app
