#include "allocation_controller.h"

#include "job_runner.h"
#include "session.h"

#include "core/alloc/cost_table_problem.h"
#include "core/eval/applied_plan.h"
#include "core/eval/streamed_eval.h"
#include "core/progress.h"

#include <QTimer>

#include <algorithm>

namespace bitlens::app {
namespace {

const QString kJob = QStringLiteral("allocate");
// Calibration samples the evolutionary search measures each plan on (the CLI's default), or token
// windows: 32 of them are 4,096 next-token predictions, as many as 512 samples take time.
constexpr int64_t kFitnessSamples = 512;
constexpr int64_t kFitnessWindows = 32;
constexpr int kFitnessEvaluations = 200;

// The session's tie groups as the problem's layer indices; a group naming a layer the problem
// lacks (another model's) is an error the run reports.
std::vector<std::vector<int>> tieIndices(const std::vector<std::vector<std::string>>& groups, const AllocationProblem& p)
{
    std::vector<std::vector<int>> out;
    for (const std::vector<std::string>& group : groups) {
        std::vector<int> members;
        for (const std::string& name : group) {
            const auto it = std::find_if(p.layers.begin(), p.layers.end(), [&](const auto& l) { return l.name == name; });
            if (it == p.layers.end())
                throw AllocationError("the tie group of '" + name + "' names a layer the cost table does not have");
            members.push_back(int(it - p.layers.begin()));
        }
        out.push_back(std::move(members));
    }
    return out;
}

bool isFp32(const CompressionPlan& plan, const std::vector<LayerInfo>& layers)
{
    return std::all_of(layers.begin(), layers.end(),
                       [&](const LayerInfo& l) { return plan.optionFor(l.name) == LayerOption{}; });
}

} // namespace

AllocationController::AllocationController(Session* session, JobRunner* jobs, QObject* parent)
    : QObject(parent), m_session(session), m_jobs(jobs), m_plugins(PluginHost::defaultFolders()),
      m_reference{tr("FP32 (no compression)"), {}}
{
    connect(m_jobs, &JobRunner::finished, this, [this] {
        const bool running = m_jobs->pending(kJob);
        if (running != m_running)
            emit runningChanged(m_running = running);
    });
    connect(m_session, &Session::modelChanged, this, [this] { m_reference = {tr("FP32 (no compression)"), {}}; });
    connect(m_session, &Session::analysisChanged, this, &AllocationController::onAnalysisChanged);
    connect(m_session, &Session::estimatorChanged, this,
            [this](const QString& estimator) { emit estimatorsChanged(estimators(), estimator); });
    for (auto signal : {&Session::predictionChanged, &Session::baselineChanged, &Session::layersChanged,
                        &Session::planChanged, &Session::datasetChanged, &Session::measuredPlansChanged,
                        &Session::paretoFrontChanged})
        connect(m_session, signal, this, &AllocationController::scheduleRefresh);
    onAnalysisChanged();
}

std::vector<views::AllocatorChoice> AllocationController::allocators() const
{
    std::vector<views::AllocatorChoice> choices;
    for (const LoadedAllocatorPlugin& plugin : m_plugins.allocatorPlugins())
        for (const AllocatorInfo& info : plugin.allocators)
            choices.push_back({QString::fromStdString(info.id), QString::fromStdString(info.name),
                               QString::fromStdString(info.description)});
    return choices;
}

void AllocationController::attach(views::AllocatorPanel* panel, views::ParetoPlot* plot, views::PlanCompareView* compare)
{
    panel->setAllocators(allocators());
    panel->setEstimators(estimators(), m_session->estimator());
    panel->setBudgetRange(m_range);
    panel->setRunning(m_running);
    plot->setData(plotData());
    compare->setComparison(comparison());
    connect(panel, &views::AllocatorPanel::runRequested, this, &AllocationController::run);
    connect(panel, &views::AllocatorPanel::cancelRequested, this, &AllocationController::cancel);
    connect(this, &AllocationController::estimatorsChanged, panel, &views::AllocatorPanel::setEstimators);
    connect(this, &AllocationController::budgetRangeChanged, panel, &views::AllocatorPanel::setBudgetRange);
    connect(this, &AllocationController::runningChanged, panel, &views::AllocatorPanel::setRunning);
    connect(this, &AllocationController::allocated, panel, &views::AllocatorPanel::showResult);
    connect(this, &AllocationController::errorOccurred, panel, &views::AllocatorPanel::showError);
    connect(plot, &views::ParetoPlot::pointChosen, this, &AllocationController::applyFrontPoint);
    connect(plot, &views::ParetoPlot::pointCompared, this, &AllocationController::compareWithFrontPoint);
    connect(this, &AllocationController::plotDataChanged, plot, &views::ParetoPlot::setData);
    connect(this, &AllocationController::comparisonChanged, compare, &views::PlanCompareView::setComparison);
}

void AllocationController::run(const views::AllocationRequest& request)
{
    const std::shared_ptr<const ModelAnalysis> analysis = m_session->analysis();
    if (!analysis || analysis->sensitivity.empty()) {
        reportError(tr("there is no cost table to allocate from: analyse the model with sensitivity first"));
        return;
    }
    SessionProblem problem;
    try {
        problem = sessionProblem(*analysis, request.estimator.toStdString(), m_session->plan(), m_session->pinned(),
                                 request.budgetBytes, request.budgetBops);
        problem.problem.tieGroups = tieIndices(m_session->tieGroups(), problem.problem);
        problem.problem.validate();
    } catch (const Error& e) {
        reportError(QString::fromStdString(e.what()));
        return;
    }
    AllocatorSettings settings;
    settings.resolutionBytes = hundredthBitResolution(analysis->layers);
    settings.resolutionBops = request.budgetBops ? std::max(1.0, *request.budgetBops / 200.0) : 1.0;
    settings.evolution.maxEvaluations = kFitnessEvaluations;
    // For allocators that judge whole plans by their real loss (evolutionary): the first
    // calibration samples through the session's model, on the worker that owns it while the job runs.
    if (const std::shared_ptr<Model> model = m_session->model(); model && m_session->dataset())
        settings.fitness = [model, data = m_session->dataset(), problem](const std::vector<int>& choices) {
            NullProgress quiet;
            EvalOptions options = streamedEvalOptions(data->calibration);
            options.limit = data->calibration.tokens() ? kFitnessWindows : kFitnessSamples;
            return AppliedPlan::apply(*model, problem.planOf(choices), data->calibration, quiet)
                ->evaluate(data->calibration, options, quiet)
                .loss();
        };

    const std::map<std::string, LayerOption> pins = m_session->planState().pinnedOptions();
    const PluginHost* host = &m_plugins;
    const quint64 generation = m_session->generation();
    m_jobs->start(kJob, tr("Allocating (%1)").arg(allocatorName(request.allocator)),
                  [this, host, request, problem, settings, pins, generation](Progress& progress) -> std::function<void()> {
        try {
            SubProgress allocating(progress, 0.0, 0.8);
            const Allocation a = host->allocate(request.allocator.toStdString(), problem.problem, settings, allocating);
            SubProgress tracing(progress, 0.8, 1.0);
            auto front = std::make_shared<AllocationFront>();
            front->estimator = request.estimator.toStdString();
            front->budgetBytes = problem.problem.budgetBytes;
            front->budgetBops = problem.problem.budgetBops;
            front->front = paretoFront(problem.problem, settings.resolutionBytes, tracing);
            for (const FrontPoint& point : front->front.points)
                front->plans.push_back(problem.planOf(point.choices));
            const CompressionPlan plan = problem.planOf(a.choices);
            return [=] {
                if (m_session->generation() == generation) // else the model it was for is gone
                    finishRun(request, plan, a, front, pins);
            };
        } catch (const Cancelled&) {
            throw;
        } catch (const Error& e) {
            // Reported here, not as the job's failure, so it reaches the panel as one sentence.
            return [this, message = QString::fromStdString(e.what())] { reportError(message); };
        }
    });
    if (!m_running)
        emit runningChanged(m_running = true);
}

void AllocationController::cancel()
{
    m_jobs->cancel(kJob);
}

void AllocationController::finishRun(const views::AllocationRequest& request, const CompressionPlan& plan,
                                     const Allocation& allocation, std::shared_ptr<const AllocationFront> front,
                                     const std::map<std::string, LayerOption>& pins)
{
    const QString name = allocatorName(request.allocator);
    m_session->setParetoFront(std::move(front), pins);
    applyPlan(plan, tr("Allocate: %1 at %2").arg(name, budgetText(request.budgetBytes)));
    emit allocated({name, request.estimator, allocation.bytes, m_range.scale.bitsAt(allocation.bytes),
                    allocation.predictedDeltaLoss, allocation.gap, allocation.solverSeconds});
}

std::shared_ptr<const ParetoFront> AllocationController::front() const
{
    const std::shared_ptr<const AllocationFront> f = m_session->paretoFront();
    return f ? std::shared_ptr<const ParetoFront>(f, &f->front) : nullptr;
}

void AllocationController::applyFrontPoint(int index)
{
    const std::shared_ptr<const AllocationFront> f = m_session->paretoFront();
    if (!f || index < 0 || size_t(index) >= f->plans.size())
        return;
    applyPlan(f->plans[size_t(index)], tr("Allocate: Pareto point at %1").arg(budgetText(f->front.points[size_t(index)].bytes)));
}

// One undoable edit; the plan it replaces becomes the comparison's A.
void AllocationController::applyPlan(const CompressionPlan& plan, const QString& text)
{
    m_reference = {tr("Before “%1”").arg(text), m_session->plan()};
    m_session->editPlan(PlanState{plan, m_session->pinned()}, text);
    scheduleRefresh();
}

void AllocationController::compareWithFrontPoint(int index)
{
    const std::shared_ptr<const AllocationFront> f = m_session->paretoFront();
    if (!f || index < 0 || size_t(index) >= f->plans.size())
        return;
    m_reference = {tr("Optimal plan %1 of the front, %2").arg(index + 1).arg(budgetText(f->front.points[size_t(index)].bytes)),
                   f->plans[size_t(index)]};
    scheduleRefresh();
}

void AllocationController::reportError(const QString& message)
{
    emit errorOccurred(tr("Allocation failed: %1.").arg(message));
}

void AllocationController::onAnalysisChanged()
{
    const std::shared_ptr<const ModelAnalysis> analysis = m_session->analysis();
    m_spans = analysis ? optionSpans(*analysis) : std::vector<OptionSpan>{};
    emit estimatorsChanged(estimators(), m_session->estimator());
    scheduleRefresh();
}

// Plan edits come in bursts (a slider drag): the views follow once per event-loop pass.
void AllocationController::scheduleRefresh()
{
    if (m_refreshPending)
        return;
    m_refreshPending = true;
    QTimer::singleShot(0, this, &AllocationController::refresh);
}

void AllocationController::refresh()
{
    m_refreshPending = false;
    const std::shared_ptr<const ModelAnalysis> analysis = m_session->analysis();
    const views::BudgetRange range =
        analysis ? app::budgetRange(analysis->layers, m_spans, m_session->plan(), m_session->pinned()) : views::BudgetRange{};
    if (!(range == m_range))
        emit budgetRangeChanged(m_range = range);
    emit plotDataChanged(plotData());
    emit comparisonChanged(comparison());
}

views::ParetoPlotData AllocationController::plotData() const
{
    views::ParetoPlotData d;
    d.scale = m_range.scale;
    if (const std::shared_ptr<const AllocationFront> f = m_session->paretoFront(); f && m_session->analysis()) {
        d.front = front();
        d.estimator = QString::fromStdString(f->estimator);
        d.budgetBytes = f->budgetBytes;
        // The current plan by the front's own table, so that it sits on the front's scale.
        const PlanPrediction p = predictPlan(m_session->plan(), m_session->layers(), m_session->totalParams(),
                                             m_session->analysis()->sensitivity, f->estimator);
        d.current = views::PlanMarker{p.cost.layerBytes, p.deltaLoss};
    }
    for (const MeasuredPlan& m : m_session->measuredPlans())
        d.measured.push_back({m.layerBytes, m.result});
    if (m_session->baseline() && m_session->baseline()->samples > 0)
        d.baseline = m_session->baseline();
    d.task = m_session->task();
    return d;
}

views::PlanComparison AllocationController::comparison() const
{
    views::PlanComparison c;
    c.layers = m_session->layers();
    c.task = m_session->task();
    static const SensitivityAnalysis none;
    const SensitivityAnalysis& sensitivity = m_session->analysis() ? m_session->analysis()->sensitivity : none;
    c.a = {m_reference.label, m_reference.plan,
           predictPlan(m_reference.plan, c.layers, m_session->totalParams(), sensitivity, m_session->estimator().toStdString()),
           measuredFor(m_reference.plan)};
    c.b = {tr("Current plan"), m_session->plan(), m_session->prediction(), measuredFor(m_session->plan())};
    return c;
}

// The latest measurement of exactly this plan; the baseline's for FP32.
std::optional<EvalResult> AllocationController::measuredFor(const CompressionPlan& plan) const
{
    if (isFp32(plan, m_session->layers()))
        return m_session->baseline();
    for (const MeasuredPlan& m : m_session->measuredPlans())
        if (m.plan == plan)
            return m.result;
    return std::nullopt;
}

QStringList AllocationController::estimators() const
{
    QStringList names;
    if (const std::shared_ptr<const ModelAnalysis> analysis = m_session->analysis())
        for (const CostTable& table : analysis->sensitivity.tables)
            names << QString::fromStdString(table.estimator);
    return names;
}

QString AllocationController::allocatorName(const QString& id) const
{
    for (const views::AllocatorChoice& choice : allocators())
        if (choice.id == id)
            return choice.name;
    return id;
}

QString AllocationController::budgetText(int64_t bytes) const
{
    return tr("%1 bits / weight (%2 MB)").arg(m_range.scale.bitsAt(bytes), 0, 'f', 2).arg(double(bytes) / 1e6, 0, 'f', 3);
}

} // namespace bitlens::app
