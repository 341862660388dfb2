#pragma once
// An EvalResult's figures as JSON, the same keys wherever BitLens writes one (README:
// `bitlens-cli eval --json`, `report --json`, report.json's "measured").

#include "eval_result.h"

#include <nlohmann/json.hpp>

namespace bitlens {

// "task", "samples", "loss", "top1", "top5", "top1_ci95" [low, high] (Wilson), "correct_top1";
// for a language model (loss and top-1 per token) also "perplexity", "perplexity_ci95" and
// "tokens". A non-finite figure is null.
nlohmann::json evalResultJson(const EvalResult& r);

} // namespace bitlens
