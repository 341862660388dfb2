#pragma once
// report.json of a report folder (README "Reports"): the key figures of the model, dataset, plan
// and both measurements, with the task they were scored as, and the tables and figures written.
// Threading: no shared state; any thread.

#include "report_html.h"

#include <QByteArray>
#include <QStringList>

#include <vector>

namespace bitlens::views {

// report.json's "format": how checkReportFolder knows an earlier report it may replace.
inline constexpr const char* kReportFormat = "bitlens-report";

// `tables`: the CSV files written, relative to the report folder.
QByteArray reportJson(const ReportInput& input, const std::vector<ReportFigure>& figures, const QStringList& tables);

} // namespace bitlens::views
