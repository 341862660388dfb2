// How long the instant preview takes to follow a slider move on a 1,000-layer model: the
// prediction alone (core), and the whole window's update — Session, undo command, layer table,
// summary, layer editor — when the bits slider of one selected layer moves. Offscreen, on a
// synthetic model (1,000 conv layers, 9 cost-table options); no LibTorch.

#include "bench_common.h"

#include "app/gui/main_window.h"
#include "app/gui/session.h"
#include "core/alloc/plan_prediction.h"
#include "core/quant/option_spec.h"
#include "views/layer_editor.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QItemSelectionModel>
#include <QSlider>
#include <QSortFilterProxyModel>
#include <QTableView>

#include <cstdio>
#include <random>
#include <thread>

using namespace bitlens;

namespace {

std::vector<LayerInfo> syntheticLayers(int count)
{
    std::vector<LayerInfo> layers;
    std::mt19937_64 rng(1);
    std::uniform_int_distribution<int> width(2, 8);
    for (int i = 0; i < count; ++i) {
        LayerInfo l;
        l.name = "blocks." + std::to_string(i) + ".conv";
        l.kind = LayerKind::Conv2d;
        const int64_t out = int64_t(16) << width(rng) / 2, in = int64_t(16) << width(rng) / 2;
        l.weightShape = {out, in, 3, 3};
        l.weightParams = out * in * 9;
        l.macsPerSample = l.weightParams * 64;
        l.calls = 1;
        layers.push_back(l);
    }
    return layers;
}

std::shared_ptr<ModelAnalysis> syntheticAnalysis(const std::vector<LayerInfo>& layers)
{
    auto a = std::make_shared<ModelAnalysis>();
    a->layers = layers;
    a->sensitivity.options = defaultSensitivityOptions();
    a->sensitivity.layerOptions = resolveCandidates(a->sensitivity.options, layers);
    CostTable t;
    t.estimator = "measured";
    std::mt19937_64 rng(2);
    std::uniform_real_distribution<double> u(1e-5, 1e-2);
    for (size_t i = 0; i < layers.size(); ++i) {
        std::vector<double> row;
        for (size_t o = 0; o < a->sensitivity.options.size(); ++o)
            row.push_back(u(rng));
        t.deltaLoss.push_back(row);
    }
    a->sensitivity.tables.push_back(t);
    return a;
}

} // namespace

int main(int argc, char** argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    std::printf("bench_preview: %u hardware threads\n", std::thread::hardware_concurrency());
    const std::vector<LayerInfo> layers = syntheticLayers(1000);
    const auto analysis = syntheticAnalysis(layers);
    int64_t params = 0;
    for (const LayerInfo& l : layers)
        params += l.params();

    CompressionPlan plan = uniformPlan("w4", layers);
    std::vector<double> core;
    for (int i = 0; i < 50; ++i) {
        plan.layers[layers[size_t(i)].name] = optionFromSpec(i % 2 ? "w3" : "w5");
        const auto start = std::chrono::steady_clock::now();
        const PlanPrediction p = predictPlan(plan, layers, params, analysis->sensitivity, "measured");
        core.push_back(1e3 * bench::secondsSince(start));
        if (p.layerDeltaLoss.size() != layers.size())
            return 1;
    }
    std::printf("predictPlan, 1,000 layers x 9 options: median %.2f ms, max %.2f ms\n", bench::median(core),
                *std::max_element(core.begin(), core.end()));

    app::MainWindow window;
    window.resize(1500, 950);
    window.show();
    window.session()->setLayers(layers);
    window.session()->setAnalysis(analysis);
    window.session()->setPlan(plan);
    QApplication::processEvents();
    QTableView* table = window.layerTable();
    auto* proxy = static_cast<QSortFilterProxyModel*>(table->model());
    std::vector<double> update, withPaint;
    QSlider* bits = window.layerEditor()->bitsSlider();
    for (int i = 0; i < 120; ++i) {
        const QModelIndex row = proxy->index((i % 40) * 25, 0);
        table->selectionModel()->select(row, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QApplication::processEvents();
        const int target = bits->value() == 2 ? 3 : 2;
        QElapsedTimer t;
        t.start();
        bits->setValue(target); // → undo command → Session → prediction → table, summary, editor
        update.push_back(double(t.nsecsElapsed()) / 1e6);
        QApplication::processEvents(); // repaints and queued replots
        withPaint.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    std::printf("slider move → every view updated (synchronous part): median %.2f ms, max %.2f ms\n", bench::median(update),
                *std::max_element(update.begin(), update.end()));
    std::printf("slider move → updated and repainted (offscreen): median %.2f ms, max %.2f ms\n", bench::median(withPaint),
                *std::max_element(withPaint.begin(), withPaint.end()));
    return 0;
}
