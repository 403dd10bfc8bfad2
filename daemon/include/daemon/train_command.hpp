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
    nlp::LinearModel spam;  ///< one-vs-rest "spam" with SMS and e-mail thresholds; empty when no ham/spam rows
};

/// Most ham a spam threshold may drop: of the SMS ham (SMS threshold), of the SMS and e-mail ham together
/// (e-mail threshold), in out-of-fold predictions of the training rows.
inline constexpr double kMaxHamDropped = 0.005;

/// Trains the models on the rows that are not held out and whose text no held-out row has. Category
/// thresholds are chosen on 5-fold out-of-fold predictions of all training rows (folds by distinct text);
/// the spam model (rows with a ham/spam label, plus the patient comments as ham) gets an SMS threshold and an
/// e-mail threshold, the lowest in {0.05, 0.06, …, 0.99, 0.991, …, 0.999} within kMaxHamDropped in
/// out-of-fold predictions. The log also gives the IsValidation() figures of models fitted without those
/// rows (thresholds from cross-validation of the fitting rows). Pure.
TrainedModels TrainModels(const std::vector<LabelledRow>& rows, std::ostream& log);

/// Reads nhs_fft_v6_dev.jsonl, nhs_fft_phase1_dev.jsonl, sms_spam_dev.jsonl and spamassassin_dev.jsonl
/// from data_dir, trains, writes sentiment.model, categories.model and spam.model into out_dir. Returns 0
/// on success.
int RunTrain(const std::filesystem::path& data_dir, const std::filesystem::path& out_dir, std::ostream& log);

}  // namespace carelisten::daemon
