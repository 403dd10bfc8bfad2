/// @file
/// @brief Value types of one analysis: what the analyzer says about one message. Plain data, copyable,
/// no behaviour beyond naming. Stable string forms (ToString) are part of the `carelisten analyze`
/// JSON contract and of the stored records: never rename one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace carelisten::nlp {

/// Where a message came from; shapes what counts as noise and how short texts are read.
enum class Channel { kUnknown, kSms, kEmail, kSocial, kReview, kForum, kSurvey };

enum class SentimentLabel { kPositive, kNeutral, kNegative };

/// How soon a human must look: kNone, kLow (a complaint that can wait for the queue), kHigh (same
/// day: safety, legal or media threat), kCritical (now: self-harm, abuse, clinical red flag).
enum class Urgency { kNone, kLow, kHigh, kCritical };

struct Sentiment {
    SentimentLabel label = SentimentLabel::kNeutral;
    double score = 0.0;  ///< in [-1, 1]
    bool scored = true;  ///< false for languages the analyzer cannot score (label is then kNeutral)
};

struct NoiseVerdict {
    bool is_noise = false;
    std::vector<std::string> reasons;  ///< e.g. "empty", "spam:promotion"; empty when not noise
};

struct Analysis {
    std::string language = "und";  ///< ISO 639-1 code, or "und" when unknown
    Sentiment sentiment;
    NoiseVerdict noise;
    std::vector<std::string> categories;  ///< HCAT category names, sorted
    Urgency urgency = Urgency::kNone;
    std::vector<std::string> red_flags;  ///< e.g. "legal_threat", "self_harm", sorted
    bool input_repaired = false;         ///< invalid UTF-8 was replaced with U+FFFD
    std::string analyzer_version;
};

/// One message to analyze. The views must outlive the Analyze() call only.
struct AnalysisInput {
    std::string_view text;
    Channel channel = Channel::kUnknown;
    std::string_view question;       ///< the survey question the text answers, if any
    std::string_view language_hint;  ///< ISO 639-1 code from the source, if it knows
};

std::string_view ToString(Channel channel);
std::string_view ToString(SentimentLabel label);
std::string_view ToString(Urgency urgency);
std::optional<Channel> ParseChannel(std::string_view text);
std::optional<SentimentLabel> ParseSentimentLabel(std::string_view text);
std::optional<Urgency> ParseUrgency(std::string_view text);

}  // namespace carelisten::nlp
