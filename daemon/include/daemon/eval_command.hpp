/// @file
/// @brief `carelisten eval`: measures the analyzer on labelled JSON Lines in the shapes of
/// ../shared/data (nhs_fft_v6: sentiment_1to5 + themes; nhs_fft_phase1: criticality + "Trust X - Qn"),
/// and the split rule shared with `carelisten train`.
#pragma once

#include <iosfwd>
#include <nlp/analysis.hpp>
#include <nlp/analyzer.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace carelisten::daemon {

/// One labelled row, whatever file it came from.
struct LabelledRow {
    std::string text;
    std::string question;
    std::string trust;                             ///< "NHFT", "A", "B", "C"
    std::optional<nlp::SentimentLabel> sentiment;  ///< absent when not labelled (or Trust B's 0)
    std::optional<std::vector<std::string>> hcat;  ///< HCAT categories from v6 themes; absent for phase1
    bool phase1 = false;
    std::optional<bool> spam;  ///< sms_spam / spamassassin rows: label spam (true) or ham (false)
    bool email = false;        ///< spamassassin rows: text is the mail's subject and body (ParseMailText)
    /// The channel the text is analyzed as: an optional "channel" field ("social" for tweets), else survey.
    nlp::Channel channel = nlp::Channel::kSurvey;
};

/// Parses labelled JSON Lines; lines that are not objects with a string "text" (or a "mime" message, whose
/// subject and body become the text) are skipped and counted. Besides the shapes of ../shared/data, a row may
/// carry a plain "sentiment" label ("negative", "neutral", "positive": e.g. human-rated tweets converted by
/// tests/bench/vader_tweets_to_jsonl.js) and a "channel" (nlp's names; an unknown name skips the row).
std::vector<LabelledRow> ParseLabelledRows(std::istream& in, std::size_t* skipped = nullptr);

/// The HCAT categories of NHS framework v6 themes (data/README.md), sorted, unique.
std::vector<std::string> HcatFromThemes(const std::vector<std::string>& themes);

/// The distinct-text key: the normalized text (case folded, whitespace collapsed).
std::string DistinctTextKey(std::string_view text);

/// The held-out evaluation rule: all of phase1 Trust C, and the v6 rows whose distinct-text hash falls
/// in the held-out 20%. Training never sees a text that occurs in a held-out row.
bool IsHeldOut(const LabelledRow& row);

/// The validation rule inside the training rows (for thresholds): a differently salted 20% hash split.
bool IsValidation(const LabelledRow& row);

enum class EvalKind { kSentiment, kCategories, kBoth, kSpam };

struct EvalOptions {
    EvalKind kind = EvalKind::kBoth;
    bool held_out_only = false;
};

/// Runs the analyzer over the rows (as survey answers to their question) and prints accuracy,
/// per-class precision/recall/F1 and macro-F1 (sentiment), per-category P/R/F1 and micro/macro-F1
/// (categories). kSpam: the rows with a ham/spam label, analysed as SMS (or e-mail for "mime" rows); prints
/// spam caught (recall), ham dropped (rate) and precision of the "spam" noise reason. Returns 0, or 1 when
/// there was nothing to evaluate.
int RunEval(const std::vector<LabelledRow>& rows, std::ostream& out, const nlp::Analyzer& analyzer,
            const EvalOptions& options);

}  // namespace carelisten::daemon
