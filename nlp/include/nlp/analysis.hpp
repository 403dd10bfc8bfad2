/// @file
/// @brief Value types of one analysis: what the analyzer says about one message. Plain data, copyable,
/// no behaviour beyond naming. Stable string forms (ToString) are part of the `carelisten analyze`
/// JSON contract and of the stored records: never rename one.
#pragma once

#include <cstdint>
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

/// What the writer wants: a complaint is routed to patient relations, an inquiry (appointment, cost,
/// directions) to the front desk, a compliment to the unit, a suggestion to quality improvement.
enum class Intent { kNone, kComplaint, kCompliment, kInquiry, kSuggestion };

/// A byte range [begin, end) in the analyzed text (the input after invalid UTF-8 was repaired; for
/// valid input, the input itself).
struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
    friend bool operator==(const Span&, const Span&) = default;
};

/// A red flag with the words that raised it.
struct RedFlag {
    std::string name;  ///< e.g. "legal_threat", "clinical:fever"
    Urgency urgency = Urgency::kNone;
    Span evidence;
};

/// A piece of personal data in the text, for redaction by the console and exports.
struct PersonalDataSpan {
    std::string kind;  ///< "phone", "email", "record_number", "date"
    Span span;
};

struct CategoryScore {
    std::string name;         ///< an HCAT category, e.g. "institutional_processes"
    double confidence = 0.0;  ///< in [0, 1]
};

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
    std::string language = "und";      ///< ISO 639-1 code, or "und" when unknown
    double language_confidence = 0.0;  ///< in [0, 1]
    Sentiment sentiment;
    NoiseVerdict noise;
    std::vector<std::string> categories;         ///< HCAT category names at or above their threshold, sorted
    std::vector<CategoryScore> category_scores;  ///< every HCAT category with its confidence
    std::vector<std::string> tags;               ///< finer routing tags ("waiting_time", "billing"...), sorted
    Intent intent = Intent::kNone;
    Urgency urgency = Urgency::kNone;
    std::vector<std::string> red_flags;  ///< names of red_flag_details, sorted, unique
    std::vector<RedFlag> red_flag_details;
    std::vector<PersonalDataSpan> personal_data;
    std::uint64_t similarity_hash = 0;   ///< SimHash of the normalized text: near-duplicates differ in few bits
    std::uint32_t similarity_words = 0;  ///< words the hash covers (linking needs kNearDuplicateMinWords)
    bool input_repaired = false;         ///< invalid UTF-8 was replaced with U+FFFD
    std::string analyzer_version;
};

/// One header of an e-mail (name as sent, value unfolded and decoded), for automated-mail detection.
struct MailHeader {
    std::string_view name;
    std::string_view value;
};

/// One message to analyze. The views must outlive the Analyze() call only.
struct AnalysisInput {
    std::string_view text;
    Channel channel = Channel::kUnknown;
    std::string_view question;             ///< the survey question the text answers, if any
    std::string_view language_hint;        ///< ISO 639-1 code from the source, if it knows
    std::vector<MailHeader> mail_headers;  ///< for e-mail: the message's headers (auto-reply, bulk rules)
    std::optional<int> rating;             ///< star rating 1..5 where the source has one (reviews): evidence
                                           ///< for sentiment (values outside 1..5 are ignored)
};

std::string_view ToString(Channel channel);
std::string_view ToString(SentimentLabel label);
std::string_view ToString(Urgency urgency);
std::string_view ToString(Intent intent);
std::optional<Channel> ParseChannel(std::string_view text);
std::optional<SentimentLabel> ParseSentimentLabel(std::string_view text);
std::optional<Urgency> ParseUrgency(std::string_view text);
std::optional<Intent> ParseIntent(std::string_view text);

}  // namespace carelisten::nlp
