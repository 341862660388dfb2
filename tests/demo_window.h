#pragma once
// The GUI suites' starting point: the main window, offscreen, with the residual demo model and
// Fashion-MNIST open and the FP32 baseline measured; and the small analysis the workbench runs.

#include "app/gui/job_runner.h"
#include "app/gui/main_window.h"
#include "app/gui/session.h"
#include "app/gui/workspace_controller.h"
#include "test_paths.h"
#include "views/analyse_dialog.h"

#include <QTest>

#include <memory>

namespace bitlens::testing {

inline std::unique_ptr<app::MainWindow> shownWindow()
{
    auto w = std::make_unique<app::MainWindow>();
    w->resize(1500, 950);
    w->show();
    return w;
}

// False when the model, the dataset or the baseline did not arrive in time.
inline bool openDemo(app::MainWindow& w, int timeoutMs = 180000)
{
    if (!QTest::qWaitForWindowExposed(&w))
        return false;
    w.workspace()->openDataset(fashionMnistDir());
    w.workspace()->openModel(demoModel("fmnist_resnet"));
    return QTest::qWaitFor([&] {
        const auto& b = w.session()->baseline();
        return b && b->complete() && w.jobs()->idle();
    }, timeoutMs);
}

// A small but complete analysis: everything the views draw, the Hessian on 64 samples.
inline views::AnalysisRequest smallAnalysisRequest()
{
    views::AnalysisRequest r;
    r.calibrationSamples = 256;
    AnalysisOptions& o = r.options;
    o.statistics = o.activations = o.spectra = o.quantError = o.hessian = o.sensitivity = true;
    o.hessianOptions.batches = 2;
    o.hessianOptions.batchSize = 32;
    o.hessianOptions.topK = 2;
    o.sensitivityOptions.estimators = {"measured", "hawq", "fisher"};
    o.sensitivityOptions.options = {"w2", "w4", "w8"};
    return r;
}

} // namespace bitlens::testing
