// For tst_plugins only: a valid Qt plugin whose interface is not BitLens's, as an image-format or
// platform plugin of Qt itself would be. Built here so the test never depends on what the Qt
// install ships. The host must refuse it from its metadata alone, so creating it is fatal.

#include <QObject>

class ForeignQtPlugin final : public QObject {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID "org.example.NotABitLensInterface/1.0")

public:
    ForeignQtPlugin() { qFatal("the plugin host instantiated a plugin whose interface it should have refused"); }
};

#include "foreign_qt_plugin.moc"
