#include <array>
#include <nlp/analysis.hpp>
#include <utility>

namespace carelisten::nlp {
namespace {

// The stored string forms: part of the JSON contract and of stored records. Never rename one.
constexpr std::array<std::pair<Channel, std::string_view>, 7> kChannels = {{
    {Channel::kUnknown, "unknown"},
    {Channel::kSms, "sms"},
    {Channel::kEmail, "email"},
    {Channel::kSocial, "social"},
    {Channel::kReview, "review"},
    {Channel::kForum, "forum"},
    {Channel::kSurvey, "survey"},
}};

constexpr std::array<std::pair<SentimentLabel, std::string_view>, 3> kLabels = {{
    {SentimentLabel::kPositive, "positive"},
    {SentimentLabel::kNeutral, "neutral"},
    {SentimentLabel::kNegative, "negative"},
}};

constexpr std::array<std::pair<Intent, std::string_view>, 5> kIntents = {{
    {Intent::kNone, "none"},
    {Intent::kComplaint, "complaint"},
    {Intent::kCompliment, "compliment"},
    {Intent::kInquiry, "inquiry"},
    {Intent::kSuggestion, "suggestion"},
}};
constexpr std::array<std::pair<Urgency, std::string_view>, 4> kUrgencies = {{
    {Urgency::kNone, "none"},
    {Urgency::kLow, "low"},
    {Urgency::kHigh, "high"},
    {Urgency::kCritical, "critical"},
}};

template <typename Enum, std::size_t N>
std::string_view NameOf(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
    for (const auto& [candidate, name] : table) {
        if (candidate == value) {
            return name;
        }
    }
    return table.front().second;  // unreachable for valid enumerators
}

template <typename Enum, std::size_t N>
std::optional<Enum> ValueOf(const std::array<std::pair<Enum, std::string_view>, N>& table, std::string_view text) {
    for (const auto& [value, name] : table) {
        if (name == text) {
            return value;
        }
    }
    return std::nullopt;
}

}  // namespace

std::string_view ToString(Channel channel) {
    return NameOf(kChannels, channel);
}
std::string_view ToString(SentimentLabel label) {
    return NameOf(kLabels, label);
}
std::string_view ToString(Urgency urgency) {
    return NameOf(kUrgencies, urgency);
}
std::string_view ToString(Intent intent) {
    return NameOf(kIntents, intent);
}
std::optional<Intent> ParseIntent(std::string_view text) {
    return ValueOf(kIntents, text);
}
std::optional<Channel> ParseChannel(std::string_view text) {
    return ValueOf(kChannels, text);
}
std::optional<SentimentLabel> ParseSentimentLabel(std::string_view text) {
    return ValueOf(kLabels, text);
}
std::optional<Urgency> ParseUrgency(std::string_view text) {
    return ValueOf(kUrgencies, text);
}

}  // namespace carelisten::nlp
