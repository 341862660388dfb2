#pragma once
// How the headline metric (core/eval/eval_result.h's Headline) reads and plots in every view and
// report: top-1 accuracy as a percentage for a classifier, perplexity as a plain number for a
// language model. One place, so the summary, the plots, the comparison and the report agree.

#include "core/eval/eval_result.h"

#include <QString>

namespace bitlens::views {

// Ownership: plain value. Threading: no shared state.
class HeadlineFormat {
public:
    explicit HeadlineFormat(TaskKind task = TaskKind::Classification) : m_task(task) {}

    TaskKind task() const { return m_task; }
    bool languageModel() const { return m_task == TaskKind::LanguageModel; }
    QString name() const;      // "Top-1" / "Perplexity": a label on its own
    QString noun() const;      // "top-1" / "perplexity": inside a sentence
    QString axisLabel() const; // "top-1 accuracy (%)" / "perplexity (lower is better)"
    // Where a value (a fraction, or a perplexity) sits on axisLabel()'s scale.
    double axisValue(double value) const;
    QString text(double value) const;            // "92.13 %" / "3.512"; "∞" for an unbounded end
    QString change(double from, double to) const; // "+1.20 pp" / "+0.041 (+1.2 %)"

private:
    TaskKind m_task;
};

// "95 % CI 91.6 % – 92.6 %": the interval of a result's headline, by the result's own task.
QString headlineIntervalText(const EvalResult& r);
// "92.13 % (95 % CI 91.6 % – 92.6 %)": the headline with its interval.
QString headlineWithInterval(const EvalResult& r);

} // namespace bitlens::views
