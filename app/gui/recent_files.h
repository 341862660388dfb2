#pragma once
// The File menu's recent models and datasets, kept in QSettings.

#include <QStringList>

namespace bitlens::app {

class RecentFiles {
public:
    static constexpr int MaxEntries = 8;
    // kind is "models" or "datasets".
    static QStringList list(const QString& kind);
    static void add(const QString& kind, const QString& path);
};

} // namespace bitlens::app
