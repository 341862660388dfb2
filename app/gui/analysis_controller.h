#pragma once
// Running analyses from the GUI: the job behind Analysis ▸ Analyse…, with results streaming into
// the Session as stages and layers finish.

#include "views/analyse_dialog.h"

#include <QObject>

namespace bitlens::app {

class JobRunner;
class Session;

// Threading: GUI thread; the analysis itself runs on JobRunner's worker.
class AnalysisController final : public QObject {
    Q_OBJECT
public:
    AnalysisController(Session* session, JobRunner* jobs, QObject* parent = nullptr);

    // Adds what `request` computes to the session's analysis. Partial results appear as they are
    // ready; a cancelled or failed run keeps every stage that finished (an unfinished Hessian is dropped).
    void analyse(const views::AnalysisRequest& request);
    // What the dialog should offer next time: the last request, or defaults for this session.
    views::AnalysisRequest lastRequest() const { return m_last; }
    bool hasLastRequest() const { return m_hasLast; }

signals:
    void analysisFinished();

private:
    Session* m_session;
    JobRunner* m_jobs;
    views::AnalysisRequest m_last;
    bool m_hasLast = false;
};

} // namespace bitlens::app
