// bitlens: the GUI. With no arguments it opens the bigger demo model on Fashion-MNIST; a model
// whose sidecar names its dataset (the demo language model) opens on that one.

#include "main_window.h"
#include "workspace_controller.h"
#include "session.h"
#include "session_controller.h"

#include "core/data/dataset.h"
#include "core/errors.h"
#include "core/io/analysis_bundle.h"
#include "core/model/model.h"
#include "core/runtime.h"

#include <QApplication>
#include <QCommandLineParser>

#include <cstdio>
#include <memory>

int main(int argc, char** argv)
{
    bitlens::relaunchWithPassiveThreads(argv);
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("BitLens"));
    QApplication::setApplicationName(QStringLiteral("BitLens"));
    QApplication::setApplicationVersion(QString::fromLatin1(bitlens::version()));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("BitLens: a workbench for compressing neural networks."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("TorchScript model (.pt) or saved session (.h5); default: the residual demo model"));
    const QCommandLineOption data(QStringLiteral("data"), QStringLiteral("IDX folder/file, HDF5 file, or text file/folder for a language model "
                                                                         "(default: the one the model's sidecar names, else Fashion-MNIST)."),
                                  QStringLiteral("path"));
    const QCommandLineOption calib(QStringLiteral("calib"), QStringLiteral("Calibration samples (default 1024)."), QStringLiteral("n"), QStringLiteral("1024"));
    const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("Seed of the calibration subset (default 0)."), QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption threads(QStringLiteral("threads"), QStringLiteral("Compute threads (default: one per core not busy with other work)."), QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption plan(QStringLiteral("plan"), QStringLiteral("Compression plan (JSON) to start from."), QStringLiteral("path"));
    parser.addOptions({data, calib, seed, threads, plan});
    parser.process(app);

    const QStringList positional = parser.positionalArguments();
    const QString modelPath = positional.isEmpty() ? QString::fromStdString(bitlens::defaultModelPath()) : positional.first();
    bool calibOk = true;
    bool seedOk = true;
    bitlens::DatasetOptions options = bitlens::defaultDatasetOptionsFor(modelPath.toStdString());
    options.calibrationSize = parser.value(calib).toLongLong(&calibOk);
    options.seed = parser.value(seed).toULongLong(&seedOk);
    if (!calibOk || options.calibrationSize <= 0 || !seedOk) {
        std::fprintf(stderr, "bitlens: --calib takes a positive whole number and --seed a whole number\n");
        return 2;
    }
    bitlens::configureThreads(parser.value(threads).toInt());

    bitlens::app::MainWindow window;
    window.session()->setDatasetOptions(options);
    window.show();
    if (parser.isSet(plan)) {
        // Once the model is there (opened directly or as a session), whichever comes first.
        const QString planPath = parser.value(plan);
        auto applied = std::make_shared<bool>(false);
        const auto apply = [&window, planPath, applied] {
            if (!*applied && window.session()->model()) {
                *applied = true;
                window.openPlan(planPath);
            }
        };
        QObject::connect(window.sessionFiles(), &bitlens::app::SessionController::sessionOpened, &window, apply);
        QObject::connect(window.workspace(), &bitlens::app::WorkspaceController::fileOpened, &window, apply);
    }
    if (bitlens::isAnalysisBundle(modelPath.toStdString())) {
        window.sessionFiles()->openSession(modelPath);
        return QApplication::exec();
    }
    if (parser.isSet(data)) {
        window.workspace()->openDataset(parser.value(data));
    } else {
        try {
            window.workspace()->openDataset(QString::fromStdString(bitlens::defaultDatasetFor(modelPath.toStdString())));
        } catch (const bitlens::DatasetError&) { // opening the model says which dataset is missing
        }
    }
    window.workspace()->openModel(modelPath);
    return QApplication::exec();
}
