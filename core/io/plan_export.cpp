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

// The files of one export: each written to a temporary in the folder as it comes, all renamed
// into place by commit(); anything short of that leaves the folder as it was.
class FolderExport {
public:
    FolderExport(const std::string& folder, Progress& progress) : m_created(folder), m_dir(folder), m_progress(progress) {}

    void write(const char* name, double fraction, const std::function<void(const std::string&)>& writer)
    {
        m_progress.checkCancelled();
        m_progress.report(fraction, std::string("Writing ") + name);
        m_files.push_back(std::make_unique<AtomicFile>((m_dir / name).string()));
        m_files.back()->write(writer);
    }

    int64_t bytesOf(size_t file) const
    {
        std::error_code ec;
        return static_cast<int64_t>(fs::file_size(m_files[file]->temporaryPath(), ec));
    }

    std::vector<std::string> commit()
    {
        m_progress.checkCancelled();
        std::vector<std::string> paths;
        for (const auto& f : m_files) {
            f->commit();
            paths.push_back(f->path());
        }
        m_created.keep();
        return paths;
    }

private:
    CreatedFolder m_created;
    fs::path m_dir;
    Progress& m_progress;
    std::vector<std::unique_ptr<AtomicFile>> m_files;
};

} // namespace

ExportReport exportPlan(const AppliedPlan& plan, const std::string& folder, Progress& progress)
{
    const auto start = std::chrono::steady_clock::now();
    FolderExport out(folder, progress);
    ExportReport report;
    report.folder = folder;
    out.write("model.pt", 0.0, [&](const std::string& path) { writeTorchScript(plan, path); });
    out.write("weights.h5", 0.4, [&](const std::string& path) { writePackedWeights(plan, path); });
    out.write("plan.json", 0.8, [&](const std::string& path) { writeWholeFile(path, planToJson(plan.plan())); });
    const AimetEncodings encodings = aimetEncodings(plan);
    out.write("encodings.json", 0.9, [&](const std::string& path) { writeWholeFile(path, encodings.json); });
    report.packedBytes = out.bytesOf(1);
    report.files = out.commit();
    for (const std::string& note : encodings.omitted)
        report.notes.push_back("encodings.json omits " + note);
    report.seconds = secondsSince(start);
    progress.report(1.0, "Exported to " + folder);
    return report;
}

ExportReport exportSafetensorsPlan(const std::string& safetensorsPath, const CompressionPlan& plan,
                                   const std::string& folder, Progress& progress)
{
    const auto start = std::chrono::steady_clock::now();
    FolderExport out(folder, progress);
    ExportReport report;
    report.folder = folder;
    SubProgress packing(progress, 0.0, 0.95);
    out.write("weights.h5", 0.0,
              [&](const std::string& path) { writePackedWeights(safetensorsPath, plan, path, packing); });
    out.write("plan.json", 0.95, [&](const std::string& path) { writeWholeFile(path, planToJson(plan)); });
    report.packedBytes = out.bytesOf(0);
    report.files = out.commit();
    report.notes.push_back("model.pt and encodings.json need a TorchScript model; a safetensors checkpoint exports weights.h5 "
                           "and plan.json");
    report.seconds = secondsSince(start);
    progress.report(1.0, "Exported to " + folder);
    return report;
}

} // namespace bitlens
