#include "export_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace bitlens::views {

ExportDialog::ExportDialog(const QString& folder, QWidget* parent)
    : QDialog(parent),
      m_folder(new QLineEdit(folder)),
      m_plan(new QCheckBox(tr("Plan: plan.json"))),
      m_model(new QCheckBox(tr("Compressed model: model.pt (fake-quantized TorchScript), weights.h5 (packed), "
                               "encodings.json (AIMET), plan.json"))),
      m_report(new QCheckBox(tr("Report in report/: every figure as PDF and PNG, CSV tables, an HTML summary, "
                                "accuracy measured against the FP32 baseline"))),
      m_note(new QLabel)
{
    setWindowTitle(tr("Export"));
    for (QCheckBox* box : {m_plan, m_model, m_report})
        box->setChecked(true);
    auto* browse = new QPushButton(tr("Browse…"));
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Export into"), m_folder->text());
        if (!dir.isEmpty())
            m_folder->setText(dir);
    });
    auto* folderRow = new QHBoxLayout;
    folderRow->addWidget(new QLabel(tr("Folder:")));
    folderRow->addWidget(m_folder, 1);
    folderRow->addWidget(browse);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setText(tr("Export"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    m_note->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(folderRow);
    for (QCheckBox* box : {m_plan, m_model, m_report}) {
        box->setStyleSheet(QStringLiteral("QCheckBox { padding: 2px; }"));
        layout->addWidget(box);
        connect(box, &QCheckBox::toggled, this, &ExportDialog::updateState);
    }
    layout->addWidget(m_note);
    layout->addWidget(buttons);
    connect(m_folder, &QLineEdit::textChanged, this, &ExportDialog::updateState);
    updateState();
}

ExportRequest ExportDialog::request() const
{
    return {m_folder->text().trimmed(), m_plan->isChecked(), m_model->isChecked(), m_report->isChecked()};
}

void ExportDialog::updateState()
{
    const ExportRequest r = request();
    QString problem;
    if (!(r.plan || r.model || r.report))
        problem = tr("Choose something to export.");
    else if (r.folder.isEmpty())
        problem = tr("Choose a folder.");
    else if (!QFileInfo(QFileInfo(r.folder).absolutePath()).isDir())
        problem = tr("%1 does not exist.").arg(QFileInfo(r.folder).absolutePath());
    m_note->setText(problem.isEmpty() ? tr("Files are written to temporaries and renamed into place: a failure leaves "
                                           "what was there before.")
                                      : problem);
    m_ok->setEnabled(problem.isEmpty());
}

} // namespace bitlens::views
