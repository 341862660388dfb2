#pragma once
// Where the suites find the demo models, the CLI and a folder for their outputs (set by CTest).

#include <QDir>
#include <QString>

namespace bitlens::testing {

inline QString demoModel(const char* name)
{
    return QDir(qEnvironmentVariable("BITLENS_DEMO_DIR")).filePath(QString::fromLatin1(name) + ".pt");
}

inline QString fashionMnistDir()
{
    return QStringLiteral("/usr/share/datasets/fashion-mnist");
}

inline QString testOutputDir()
{
    const QString dir = qEnvironmentVariable("BITLENS_TEST_OUTPUT", QDir::tempPath());
    QDir().mkpath(dir);
    return dir;
}

} // namespace bitlens::testing
