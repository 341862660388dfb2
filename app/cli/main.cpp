// bitlens-cli: BitLens without a window. Errors become one line on stderr and a non-zero exit.

#include "cli_commands.h"

#include "core/errors.h"
#include "core/runtime.h"

#include <iostream>

int main(int argc, char** argv)
{
    using namespace bitlens::cli;
    try {
        const CliArgs args = CliArgs::parse(argc, argv, {"data", "limit", "calib", "seed", "batch", "threads"},
                                            {"json", "help"});
        if (args.command.empty() || args.command == "help" || args.has("help")) {
            printUsage();
            return args.command.empty() && !args.has("help") ? 2 : 0;
        }
        bitlens::configureThreads(static_cast<int>(args.integer("threads", 0, 1)));
        if (args.command == "info")
            return runInfo(args);
        if (args.command == "eval")
            return runEval(args);
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
