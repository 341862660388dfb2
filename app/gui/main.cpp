// bitlens: the GUI. With no arguments it opens the bigger demo model on Fashion-MNIST.

#include "main_window.h"
#include "workspace_controller.h"
#include "session.h"

#include "core/data/dataset.h"
#include "core/model/model.h"
#include "core/runtime.h"

#include <QApplication>
#include <QCommandLineParser>

#include <cstdio>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("BitLens"));
    QApplication::setApplicationName(QStringLiteral("BitLens"));
    QApplication::setApplicationVersion(QString::fromLatin1(bitlens::version()));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("BitLens: a workbench for compressing neural networks."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("model"), QStringLiteral("TorchScript model (.pt); default: the residual demo model"));
    const QCommandLineOption data(QStringLiteral("data"), QStringLiteral("IDX folder/file or HDF5 file (default: Fashion-MNIST)."), QStringLiteral("path"));
    const QCommandLineOption calib(QStringLiteral("calib"), QStringLiteral("Calibration samples (default 1024)."), QStringLiteral("n"), QStringLiteral("1024"));
    const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("Seed of the calibration subset (default 0)."), QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption threads(QStringLiteral("threads"), QStringLiteral("Compute threads (default: one per core)."), QStringLiteral("n"), QStringLiteral("0"));
    parser.addOptions({data, calib, seed, threads});
    parser.process(app);

    bool calibOk = true;
    bool seedOk = true;
    bitlens::DatasetOptions options;
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
    const QStringList positional = parser.positionalArguments();
    window.workspace()->openDataset(parser.isSet(data) ? parser.value(data) : QString::fromStdString(bitlens::defaultDatasetPath()));
    window.workspace()->openModel(positional.isEmpty() ? QString::fromStdString(bitlens::defaultModelPath()) : positional.first());
    return QApplication::exec();
}
