/// @file
/// @brief `carelisten train`: reads the labelled JSON Lines of a data directory, splits them
/// reproducibly (eval_command.hpp's IsHeldOut; never trains on a held-out text), trains the sentiment
/// and category models with nlp's pure trainer and writes nlp/data/models/*.model.
#pragma once

#include <daemon/eval_command.hpp>
#include <filesystem>
#include <iosfwd>
#include <nlp/learned_model.hpp>
#include <vector>

namespace carelisten::daemon {

struct TrainedModels {
    nlp::LinearModel sentiment;
    nlp::LinearModel categories;
};

/// Trains both models on the rows that are not held out and whose text no held-out row has; the
/// category thresholds are chosen on IsValidation() rows by a model trained on the rest. Pure.
TrainedModels TrainModels(const std::vector<LabelledRow>& rows, std::ostream& log);

/// Reads nhs_fft_v6_dev.jsonl and nhs_fft_phase1_dev.jsonl from data_dir, trains, writes
/// sentiment.model and categories.model into out_dir. Returns 0 on success.
int RunTrain(const std::filesystem::path& data_dir, const std::filesystem::path& out_dir, std::ostream& log);

}  // namespace carelisten::daemon
