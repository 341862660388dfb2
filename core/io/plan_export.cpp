#include "plan_export.h"

#include "../errors.h"
#include "../eval/applied_plan.h"
#include "../progress.h"
#include "../stopwatch.h"
#include "aimet_encodings.h"
#include "atomic_file.h"
#include "packed_weights.h"
#include "torchscript_export.h"

#include <chrono>
#include <filesystem>
#include <memory>

namespace fs = std::filesystem;

namespace bitlens {
namespace {

// Removes a folder this export created, unless disarmed: a failed export leaves no trace.
class CreatedFolder {
public:
    explicit CreatedFolder(const fs::path& folder)
    {
        std::error_code ec;
        if (fs::exists(folder, ec)) {
            if (!fs::is_directory(folder, ec))
                throw Error(folder.string() + ": cannot export there (it is a file, not a folder)");
            return;
        }
        if (!fs::create_directory(folder, ec))
            throw Error(folder.string() + ": cannot create the folder (" + ec.message() + ")");
        m_folder = folder;
    }
    ~CreatedFolder()
    {
        // Everything in it is this export's (temporaries, or files a failed commit renamed in).
        std::error_code ec;
        if (!m_folder.empty())
            fs::remove_all(m_folder, ec);
    }
    void keep() { m_folder.clear(); }

private:
    fs::path m_folder;
};

} // namespace

ExportReport exportPlan(const AppliedPlan& plan, const std::string& folder, Progress& progress)
{
    const auto start = std::chrono::steady_clock::now();
    CreatedFolder created(folder);
    const fs::path dir(folder);
    ExportReport report;
    report.folder = folder;

    std::vector<std::unique_ptr<AtomicFile>> files;
    const auto step = [&](const char* name, double fraction, const std::function<void(const std::string&)>& writer) {
        progress.checkCancelled();
        progress.report(fraction, std::string("Writing ") + name);
        files.push_back(std::make_unique<AtomicFile>((dir / name).string()));
        files.back()->write(writer);
    };
    step("model.pt", 0.0, [&](const std::string& path) { writeTorchScript(plan, path); });
    step("weights.h5", 0.4, [&](const std::string& path) { writePackedWeights(plan, path); });
    step("plan.json", 0.8, [&](const std::string& path) { writeWholeFile(path, planToJson(plan.plan())); });
    const AimetEncodings encodings = aimetEncodings(plan);
    step("encodings.json", 0.9, [&](const std::string& path) { writeWholeFile(path, encodings.json); });
    progress.checkCancelled();

    std::error_code ec;
    report.packedBytes = static_cast<int64_t>(fs::file_size(files[1]->temporaryPath(), ec));
    for (const auto& f : files) {
        f->commit();
        report.files.push_back(f->path());
    }
    created.keep();
    for (const std::string& note : encodings.omitted)
        report.notes.push_back("encodings.json omits " + note);
    report.seconds = secondsSince(start);
    progress.report(1.0, "Exported to " + folder);
    return report;
}

} // namespace bitlens
