#include "recent_files.h"

#include <QFileInfo>
#include <QSettings>

namespace bitlens::app {

QStringList RecentFiles::list(const QString& kind)
{
    QStringList paths = QSettings().value(QStringLiteral("recent/") + kind).toStringList();
    paths.erase(std::remove_if(paths.begin(), paths.end(), [](const QString& p) { return !QFileInfo::exists(p); }),
                paths.end());
    return paths;
}

void RecentFiles::add(const QString& kind, const QString& path)
{
    QStringList paths = list(kind);
    const QString absolute = QFileInfo(path).absoluteFilePath();
    paths.removeAll(absolute);
    paths.prepend(absolute);
    while (paths.size() > MaxEntries)
        paths.removeLast();
    QSettings().setValue(QStringLiteral("recent/") + kind, paths);
}

} // namespace bitlens::app
