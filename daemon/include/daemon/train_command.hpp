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
    nlp::LinearModel spam;  ///< one-vs-rest "spam" with its threshold; empty when no ham/spam rows
};

/// Most validation ham (SMS and e-mail together) that the spam threshold may drop.
inline constexpr double kMaxHamDropped = 0.005;

/// Trains both models on the rows that are not held out and whose text no held-out row has; the
/// category thresholds are chosen on IsValidation() rows by a model trained on the rest. The spam model
/// (rows with a ham/spam label) gets the lowest threshold in {0.05, 0.06, …, 0.99, 0.991, …, 0.999} that drops at most
/// kMaxHamDropped of the validation ham, measured by a model trained on the rest. Pure.
TrainedModels TrainModels(const std::vector<LabelledRow>& rows, std::ostream& log);

/// Reads nhs_fft_v6_dev.jsonl, nhs_fft_phase1_dev.jsonl, sms_spam_dev.jsonl and spamassassin_dev.jsonl
/// from data_dir, trains, writes sentiment.model, categories.model and spam.model into out_dir. Returns 0
/// on success.
int RunTrain(const std::filesystem::path& data_dir, const std::filesystem::path& out_dir, std::ostream& log);

}  // namespace carelisten::daemon
