#pragma once
// The bitlens-cli commands. Each returns the process exit code; errors propagate as exceptions
// to main(), which prints them as one line.

#include "cli_args.h"

namespace bitlens::cli {

int runInfo(const CliArgs& args);
int runEval(const CliArgs& args);
int runPlan(const CliArgs& args);
int runExport(const CliArgs& args);
int runAnalyze(const CliArgs& args);
int runShow(const CliArgs& args);
// Joins the Hessians of bundles of disjoint layer subsets (analyze --layers) into one bundle.
int runMerge(const CliArgs& args);
int runAllocate(const CliArgs& args);
int runPareto(const CliArgs& args);
// The model's graph coloured by a per-layer figure, as SVG, PDF, DOT or node data.
int runGraph(const CliArgs& args);
// Runs bitlens-report from bitlens-cli's folder with the same arguments; returns only on failure.
int runReport(const CliArgs& args);
void printUsage();

} // namespace bitlens::cli
