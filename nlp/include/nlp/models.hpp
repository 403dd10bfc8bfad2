/// @file
/// @brief The analyzer's immutable models (lexicon, red-flag rules) and the version string naming them.
#pragma once

#include <common/result.hpp>
#include <cstdint>
#include <memory>
#include <nlp/learned_model.hpp>
#include <nlp/lexicon.hpp>
#include <nlp/urgency.hpp>
#include <string>
#include <string_view>

namespace carelisten::nlp {

/// Version of the analyzer code: bump it whenever a change can change any Analysis for some input
/// (rules, constants, word lists, normalization). Data changes are caught by the data hash instead.
inline constexpr std::string_view kCodeVersion = "0.11.0";

/// Built once by LoadModels(), then shared read-only by every Analyze() call on every thread.
struct Models {
    Lexicon lexicon;
    RedFlagRules red_flags;
    LinearModel sentiment_model;  ///< empty when none is embedded: sentiment is then the lexicon's alone
    LinearModel category_model;   ///< empty when none is embedded: no categories
    LinearModel spam_model;       ///< one-vs-rest "spam" with its threshold; empty: no spam noise
    /// "nlp-<kCodeVersion>+lex.<8 hex digits of FNV-1a 64 of the lexicon bytes>.lm.<8 hex digits of
    /// FNV-1a 64 of the embedded learned model bytes>.icu<ICU major version>",
    /// e.g. "nlp-0.4.0+lex.3f2a9c1d.lm.0badf00d.icu72".
    std::string version;
};

/// 64-bit FNV-1a of the bytes.
std::uint64_t Fnv1a64(std::string_view bytes);

/// The version string for this code, lexicon bytes, the embedded learned models and the ICU library the
/// process runs with (ICU's normalization and segmentation data is part of the model).
std::string MakeVersion(std::string_view lexicon_tsv);

/// The lexicon compiled into the library: nlp/data/vader_lexicon.tsv, then nlp/data/patient_lexicon.tsv.
std::string_view EmbeddedLexiconTsv();

/// The learned models compiled into the library (nlp/data/models/*.model; empty when not trained).
std::string_view EmbeddedSentimentModel();
std::string_view EmbeddedCategoriesModel();
std::string_view EmbeddedSpamModel();

/// Builds models from the given lexicon text and the embedded learned models. Fails with
/// NlpErrc::kCorruptModel.
Result<std::shared_ptr<const Models>> LoadModels(std::string_view lexicon_tsv);

/// Builds models from the embedded data. Fails only on a build defect.
Result<std::shared_ptr<const Models>> LoadEmbeddedModels();

}  // namespace carelisten::nlp
