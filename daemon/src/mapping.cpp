#include <common/settings.hpp>
#include <connectors/twilio/twilio_wire.hpp>
#include <daemon/mapping.hpp>
#include <nlp/simhash.hpp>

namespace carelisten::daemon {

static_assert(nlp::kNearDuplicateMaxDistance == crm::kNearDuplicateMaxDistance,
              "crm links near-duplicates at the distance the analyzer documents");

nlp::AnalysisInput ToAnalysisInput(const connectors::RawItem& item) {
    auto input = nlp::AnalysisInput{
        .text = item.text,
        .channel = nlp::ParseChannel(item.channel).value_or(nlp::Channel::kUnknown),
        .question = item.question,
        .language_hint = item.language_hint,
        .rating = item.rating,
    };
    // E-mail: the auto-reply, bounce and bulk rules read the headers, exactly as `carelisten analyze` passes them.
    for (const auto& [name, value] : item.mail_headers) {
        input.mail_headers.push_back({name, value});
    }
    return input;
}

bool IsFlagged(const nlp::Analysis& analysis, const FlagPolicy& policy) {
    if (analysis.noise.is_noise) {
        return false;  // noise is stored and reviewable, but never opens a case
    }
    const bool negative = analysis.sentiment.scored && analysis.sentiment.score <= policy.negative_below;
    return negative || analysis.urgency >= policy.min_urgency;
}

crm::NewItem ToNewItem(connectors::RawItem item, const nlp::Analysis& analysis, const FlagPolicy& policy) {
    crm::NewItem out = NewItemKeys(item);
    CompleteNewItem(std::move(item), analysis, policy, out);
    return out;
}

crm::NewItem NewItemKeys(const connectors::RawItem& item) {
    crm::NewItem out;
    out.source = item.source;
    out.external_id = item.external_id;
    out.version = item.version;
    return out;
}

void CompleteNewItem(connectors::RawItem&& item, const nlp::Analysis& analysis, const FlagPolicy& policy,
                     crm::NewItem& out) {
    out.channel = item.channel.empty() ? std::string(nlp::ToString(nlp::Channel::kUnknown)) : std::move(item.channel);
    out.author = std::move(item.author);
    out.text = std::move(item.text);
    out.url = std::move(item.url);
    out.posted_at = item.posted_at;
    out.thread_id = std::move(item.thread_id);
    out.reply_to = std::move(item.reply_to);
    out.rating = item.rating;
    if (const auto unit = policy.community_units.find(item.community); unit != policy.community_units.end()) {
        out.care_unit = unit->second;
    }
    out.community = std::move(item.community);
    out.language = analysis.language;
    out.sentiment_label = nlp::ToString(analysis.sentiment.label);
    out.sentiment_score = analysis.sentiment.score;
    out.sentiment_scored = analysis.sentiment.scored;
    out.is_noise = analysis.noise.is_noise;
    out.noise_reasons = analysis.noise.reasons;
    out.categories = analysis.categories;
    out.urgency = nlp::ToString(analysis.urgency);
    out.red_flags = analysis.red_flags;
    out.analyzer_version = analysis.analyzer_version;
    out.flagged = IsFlagged(analysis, policy);
    if (analysis.similarity_words >= nlp::kNearDuplicateMinWords) {
        out.similarity_hash = analysis.similarity_hash;
    }
    out.question = std::move(item.question);
    ApplySmsKeyword(out);
}

void ApplySmsKeyword(crm::NewItem& item) {
    if (item.channel != "sms") {
        return;
    }
    const auto keyword = connectors::twilio::ClassifyKeyword(item.text);
    if (keyword == connectors::twilio::Keyword::kNone) {
        return;
    }
    // STOP is a consent event, not feedback: noise with the reason the crm turns into a consent change, no
    // sentiment, no case. HELP is noise too (Twilio answers it).
    item.is_noise = true;
    item.noise_reasons = {keyword == connectors::twilio::Keyword::kOptOut  ? "opt_out"
                          : keyword == connectors::twilio::Keyword::kOptIn ? "opt_in"
                                                                           : "sms_help"};
    item.sentiment_label = "neutral";
    item.sentiment_score = 0.0;
    item.sentiment_scored = false;
    item.categories.clear();
    item.urgency = "none";
    item.red_flags.clear();
    item.flagged = false;
    item.similarity_hash.reset();  // "STOP" from many people is not a near-duplicate campaign
}

crm::NewQuarantine ToNewQuarantine(const std::string& source, connectors::BadRecord record) {
    crm::NewQuarantine out;
    out.source = source;
    out.locator = std::move(record.locator);
    out.reason = std::move(record.reason);
    out.raw_truncated = record.raw_truncated || record.raw.size() > crm::kMaxQuarantineRawBytes;
    if (record.raw.size() > crm::kMaxQuarantineRawBytes) {
        record.raw.resize(crm::kMaxQuarantineRawBytes);
    }
    out.raw = std::move(record.raw);
    return out;
}

}  // namespace carelisten::daemon
