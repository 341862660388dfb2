#pragma once
// The report folder (README "Reports"): every figure as PNG (300 dpi) and PDF, the CSV tables
// (core/io/report_tables.h), report.json with the key figures, and a self-contained index.html,
// for one model, dataset, analysis and plan. The GUI and bitlens-report (behind
// `bitlens-cli report`) both write it through this file, so the two folders are the same.
//
// Threading: the work comes in two parts.
//  1. measurePlan (core/eval/plan_measurement.h) evaluates the FP32 model and the plan on the
//     evaluation split: seconds to minutes, on any one thread that may use the model (in the GUI,
//     a worker).
//  2. ReportWriter draws the figures with the workbench's own plot widgets, which must live on
//     the GUI thread, and writes the files. Each step() is one figure (PNG and PDF) or one group
//     of files; the GUI runs one step per event-loop turn (a zero-timeout QTimer) and stays
//     responsive; writeReport runs them all in one call. Step timings are in README "Reports".
// All files go into a temporary folder beside the target, renamed onto it by the last step, so a
// failure or a cancel never leaves a partial report.

#include "core/alloc/plan_prediction.h"
#include "core/eval/plan_measurement.h"
#include "core/graph/model_graph.h"
#include "core/stats/model_analysis.h"

#include <QString>
#include <QStringList>

#include <memory>

namespace bitlens {
class Progress;
struct DatasetSplits;
} // namespace bitlens

namespace bitlens::views {

struct ReportDataset {
    std::string path;
    std::string format;           // "IDX", "HDF5", "text", "HDF5 tokens"
    std::string evaluationSplit;  // "test", ...
    int64_t evaluationSamples = 0;  // token windows for a language model
    int64_t calibrationSamples = 0;
    uint64_t calibrationSeed = 0;
    int64_t contextLength = 0;      // tokens a window feeds the model; 0 unless a language model
};
ReportDataset describeDataset(const DatasetSplits& data, uint64_t calibrationSeed);

struct ReportInput {
    std::shared_ptr<const ModelAnalysis> analysis; // null or empty: no analysis figures, empty statistics
    std::vector<LayerInfo> layers;  // the model's, profiled; the same names as the analysis's
    CompressionPlan plan;
    std::string planSource;         // where the plan came from (its file), for the record
    PlanPrediction prediction;      // predictPlan(plan, layers, ...)
    std::string modelPath;
    std::string modelSha256;
    ReportDataset dataset;
    PlanMeasurement measured;       // measurePlan (core/eval/plan_measurement.h)
    std::shared_ptr<const ModelGraph> graph; // buildModelGraph of the model; null: no graph figure
};

// Whether a report may be written to `folder`: its parent exists and is writable, and `folder`
// is missing, empty, or an earlier report (it holds a report.json of BitLens), which a report
// replaces. Throws Error naming the folder. Cheap: check before measuring. Any thread.
void checkReportFolder(const QString& folder);

struct ReportSummary {
    QString folder;
    QStringList files;          // written, relative to `folder`, in writing order
    int figures = 0;            // each as PNG and PDF
    double figureSeconds = 0.0; // drawing and encoding them
    double seconds = 0.0;       // every step
};

class ReportWriter {
public:
    // Checks the input (the analysis, layers and prediction of the same layers, both measurements
    // complete) and `folder`
    // (checkReportFolder; the last step replaces an earlier report). Throws Error naming the
    // folder. Threading: GUI thread only, like everything below.
    ReportWriter(ReportInput input, const QString& folder);
    ~ReportWriter(); // an unfinished report's temporary folder is removed
    ReportWriter(const ReportWriter&) = delete;
    ReportWriter& operator=(const ReportWriter&) = delete;

    int stepCount() const;
    int stepsDone() const;
    bool done() const;
    QString nextStep() const; // what the next step() does, e.g. "Drawing layer2.conv1 weights"
    // Does the next step. Throws Error naming the file (in `folder`) and the cause; the caller then
    // destroys the writer, which leaves nothing behind.
    void step();
    const ReportSummary& summary() const; // complete once done()

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

// Every step in one call, reporting progress and honouring cancellation between steps. Throws
// Error, Cancelled; nothing is left of a report that did not finish.
ReportSummary writeReport(ReportInput input, const QString& folder, Progress& progress);

} // namespace bitlens::views
