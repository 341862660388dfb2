#pragma once
// Running or final figures of evaluating a model on a SampleSet: plain data for views and JSON.

#include <cstdint>

namespace bitlens {

// What the outputs are scored as: classes per sample, or the next token at every position.
enum class TaskKind { Classification, LanguageModel };

struct EvalResult {
    TaskKind task = TaskKind::Classification;
    int64_t samples = 0;     // seen so far (token windows for a language model)
    int64_t total = 0;       // to be seen
    int64_t predictions = 0; // scored: one per sample, one per token for a language model
    double lossSum = 0.0;    // summed per-prediction loss (cross-entropy, nats), float64
    double sampleLossSquares = 0.0; // Σ over samples of (the sample's mean loss)²
    int64_t correctTop1 = 0; // over predictions
    int64_t correctTop5 = 0;
    double seconds = 0.0;
    int64_t batchSize = 0;   // samples per batch it ran with (EvalOptions::autoBatch may shrink it)

    bool languageModel() const { return task == TaskKind::LanguageModel; }
    double loss() const { return predictions ? lossSum / static_cast<double>(predictions) : 0.0; }
    double perplexity() const; // exp(loss())
    double top1() const { return predictions ? static_cast<double>(correctTop1) / static_cast<double>(predictions) : 0.0; }
    double top5() const { return predictions ? static_cast<double>(correctTop5) / static_cast<double>(predictions) : 0.0; }
    bool complete() const { return samples == total; }
    double samplesPerSecond() const { return seconds > 0 ? static_cast<double>(samples) / seconds : 0.0; }
    double predictionsPerSecond() const { return seconds > 0 ? static_cast<double>(predictions) / seconds : 0.0; }
    bool operator==(const EvalResult& o) const;
};

struct Interval {
    double low = 0.0;
    double high = 0.0;
};

// 95 % Wilson score interval of top-1 accuracy: honest at small sample counts and near 0 or 1,
// which matters while a measurement is still streaming in. (Over tokens it is too narrow: the
// tokens of one window are not independent.)
Interval top1Interval(const EvalResult& r);
// 95 % interval of perplexity from the spread of the samples' mean losses (windows are nearly
// independent, their tokens are not): exp(mean ± 1.96 s / √n).
Interval perplexityInterval(const EvalResult& r);

// The figure every view, preview, allocator and report leads with: top-1 accuracy for
// classification, perplexity for a language model.
struct Headline {
    const char* name;    // "Top-1" / "Perplexity"
    bool higherIsBetter;
};
Headline headlineOf(TaskKind task);
double headlineValue(const EvalResult& r);
Interval headlineInterval(const EvalResult& r);

} // namespace bitlens
