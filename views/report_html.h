#pragma once
// index.html of a report folder: one self-contained page (inline CSS, figures embedded as data:
// URIs) with the model, dataset, plan, memory, measured accuracy against the FP32 baseline, and
// every figure. Threading: no shared state; any thread.

#include "report_writer.h"

#include <QString>

#include <vector>

namespace bitlens::views {

struct ReportFigure {
    QString file;  // relative to the report folder, without suffix: "figures/hessian"
    QString title; // the caption
    int layer = -1; // the layer it details; -1 for a figure of the whole model
};

// `png(file)` gives a figure's PNG bytes (from the folder being written).
QByteArray reportHtml(const ReportInput& input, const std::vector<ReportFigure>& figures,
                      const std::function<QByteArray(const QString& pngFile)>& png);

} // namespace bitlens::views
