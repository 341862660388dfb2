#include "report_json.h"

#include "core/eval/eval_result_json.h"
#include "core/runtime.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>

namespace bitlens::views {
namespace {

QJsonValue number(double v)
{
    return std::isfinite(v) ? QJsonValue(v) : QJsonValue();
}

const char* taskName(TaskKind task)
{
    return task == TaskKind::LanguageModel ? "language-model" : "classification";
}

// A language model's top-1 and loss are per token; its perplexity leads.
QJsonObject evalJson(const EvalResult& r)
{
    return QJsonDocument::fromJson(QByteArray::fromStdString(evalResultJson(r).dump())).object();
}

} // namespace

QByteArray reportJson(const ReportInput& input, const std::vector<ReportFigure>& figures, const QStringList& tables)
{
    const PlanCost& cost = input.prediction.cost;
    int64_t macs = 0;
    for (const LayerInfo& l : input.layers)
        macs += std::max<int64_t>(0, l.macsPerSample);
    const EvalResult& plan = input.measured.plan;
    const EvalResult& base = input.measured.baseline;
    QJsonArray figureFiles;
    for (const ReportFigure& f : figures)
        figureFiles.append(QJsonObject{{"title", f.title}, {"png", f.file + QStringLiteral(".png")}, {"pdf", f.file + QStringLiteral(".pdf")},
                                       {"layer", f.layer >= 0 ? QJsonValue(QString::fromStdString(input.layers[size_t(f.layer)].name)) : QJsonValue()}});
    const ReportDataset& data = input.dataset;
    QJsonObject measured{{"plan", evalJson(plan)}, {"baseline", evalJson(base)},
                         {"top1_change", plan.top1() - base.top1()}, {"loss_change", plan.loss() - base.loss()}};
    if (plan.languageModel())
        measured.insert("perplexity_change", number(plan.perplexity() - base.perplexity()));
    const QJsonObject json{
        {"format", kReportFormat},
        {"version", 1},
        {"task", taskName(base.task)},
        {"bitlens_version", version()},
        {"created", QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
        {"model", QJsonObject{{"path", QString::fromStdString(input.modelPath)}, {"sha256", QString::fromStdString(input.modelSha256)},
                              {"layers", qint64(input.layers.size())}, {"params", qint64(cost.fp32Bytes / 4)}, {"macs", qint64(macs)}}},
        {"dataset", QJsonObject{{"path", QString::fromStdString(data.path)}, {"format", QString::fromStdString(data.format)},
                                {"evaluation_split", QString::fromStdString(data.evaluationSplit)},
                                {"evaluation_samples", qint64(data.evaluationSamples)},
                                {"calibration_samples", qint64(data.calibrationSamples)},
                                {"calibration_seed", qint64(data.calibrationSeed)},
                                {"context_length", data.contextLength > 0 ? QJsonValue(qint64(data.contextLength)) : QJsonValue()}}},
        {"plan", QJsonObject{{"source", QString::fromStdString(input.planSource)},
                             {"defaults", QString::fromStdString(input.plan.defaults.label())},
                             {"bytes", qint64(cost.totalBytes)}, {"fp32_bytes", qint64(cost.fp32Bytes)},
                             {"average_bits", number(cost.averageBits)}, {"compression_ratio", number(cost.compressionRatio)},
                             {"bops", qint64(cost.bops)}, {"predicted_delta_loss", number(input.prediction.deltaLoss)},
                             {"predicted_loss", number(input.prediction.predictedLoss)},
                             {"estimator", input.prediction.estimator.empty() ? QJsonValue() : QString::fromStdString(input.prediction.estimator)},
                             {"unpredicted_layers", qint64(input.prediction.unpredictedLayers)}}},
        {"measured", measured},
        {"tables", QJsonArray::fromStringList(tables)},
        {"figures", figureFiles},
    };
    return QJsonDocument(json).toJson(QJsonDocument::Indented);
}

} // namespace bitlens::views
