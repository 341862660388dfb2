// bitlens-cli: BitLens without a window. Errors become one line on stderr and a non-zero exit.

#include "cli_commands.h"

#include "core/errors.h"
#include "core/runtime.h"

#include <csignal>
#include <iostream>

int main(int argc, char** argv)
{
    using namespace bitlens::cli;
    bitlens::relaunchWithPassiveThreads(argv);
    // Over a file-size limit the kernel would kill us with SIGXFSZ; ignored, the write fails
    // with EFBIG like on a full disk, and the user gets the one-line error naming the file.
    std::signal(SIGXFSZ, SIG_IGN);
    try {
        const CliArgs args = CliArgs::parse(argc, argv, {"data", "context", "limit", "calib", "seed", "batch", "threads", "plan", "uniform", "rank", "out", "sigmas",
                                             "estimators", "candidates", "hessian-samples", "hessian-batches", "top-k", "layers", "device", "precision",
                                             "bundle", "budget", "bops", "allocator", "estimator", "pin", "tie",
                                             "dump-problem", "evaluations", "fitness-samples", "color", "expand", "aggregate"},
                                            {"json", "help", "stats", "activations", "spectra", "quant-error", "method-error", "hessian",
                                             "sensitivity", "quiet", "sequential"});
        if (args.command.empty() || args.command == "help" || args.has("help")) {
            printUsage();
            return args.command.empty() && !args.has("help") ? 2 : 0;
        }
        bitlens::configureThreads(static_cast<int>(args.integer("threads", 0, 1)));
        if (args.command == "info")
            return runInfo(args);
        if (args.command == "eval")
            return runEval(args);
        if (args.command == "plan")
            return runPlan(args);
        if (args.command == "export")
            return runExport(args);
        if (args.command == "analyze")
            return runAnalyze(args);
        if (args.command == "show")
            return runShow(args);
        if (args.command == "merge")
            return runMerge(args);
        if (args.command == "allocate")
            return runAllocate(args);
        if (args.command == "pareto")
            return runPareto(args);
        if (args.command == "graph")
            return runGraph(args);
        if (args.command == "report")
            return runReport(args);
        throw UsageError("unknown command '" + args.command + "' (try bitlens-cli --help)");
    } catch (const UsageError& e) {
        std::cerr << "bitlens-cli: " << e.what() << "\n";
        return 2;
    } catch (const bitlens::Error& e) {
        std::cerr << "bitlens-cli: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "bitlens-cli: unexpected error: " << e.what() << "\n";
        return 1;
    }
}
