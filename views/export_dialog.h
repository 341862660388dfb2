#pragma once
// What to export and where: the plan's JSON, the compressed model (fake-quantized TorchScript,
// packed HDF5 weights, AIMET encodings) and the report folder.

#include <QDialog>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace bitlens::views {

struct ExportRequest {
    QString folder;
    bool plan = true;   // folder/plan.json
    bool model = true;  // folder/model.pt, weights.h5, encodings.json (and plan.json)
    bool report = true; // folder/report/
};

// Threading: GUI thread.
class ExportDialog final : public QDialog {
    Q_OBJECT
public:
    explicit ExportDialog(const QString& folder, QWidget* parent = nullptr);
    ExportRequest request() const;

private:
    void updateState();

    QLineEdit* m_folder;
    QCheckBox* m_plan;
    QCheckBox* m_model;
    QCheckBox* m_report;
    QLabel* m_note;
    QPushButton* m_ok = nullptr;
};

} // namespace bitlens::views
