#pragma once
// Exporting the session's plan: its JSON, the compressed model, the report folder — the jobs
// behind File ▸ Export….

#include "views/export_dialog.h"

#include <QObject>
#include <QTimer>

#include <memory>

namespace bitlens::views {
class ReportWriter;
}

namespace bitlens::app {

class JobRunner;
class Session;

// Threading: GUI thread. Measuring and the model export run on JobRunner's worker; the report's
// figures are drawn on the GUI thread one step per event-loop turn.
class ExportController final : public QObject {
    Q_OBJECT
public:
    ExportController(Session* session, JobRunner* jobs, QObject* parent = nullptr);
    ~ExportController() override;

    void exportAll(const views::ExportRequest& request);
    bool busy() const { return m_busy; }

signals:
    void progressChanged(const QString& message);
    void finished(const QString& folder, const QStringList& files);
    void errorOccurred(const QString& message);

private:
    void startReport(const views::ExportRequest& request, QStringList files);
    void reportStep();
    void fail(const QString& message);

    Session* m_session;
    JobRunner* m_jobs;
    bool m_busy = false;
    std::unique_ptr<views::ReportWriter> m_writer;
    QTimer m_stepper;
    QString m_folder;
    QStringList m_files;
};

} // namespace bitlens::app
