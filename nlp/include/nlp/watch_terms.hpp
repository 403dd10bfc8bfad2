/// @file
/// @brief Off-topic mentions: a message that names a watched organisation ("St Elsewhere") only in
/// another sense (a cement company of the same name) is noise with reason `off_topic`. The terms are data
/// the daemon passes from its configuration; nothing here reads files. Pure; thread-safe after Compile().
#pragma once

#include <cstdint>
#include <nlp/analysis.hpp>
#include <nlp/normalize.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace carelisten::nlp {

/// Noise reason for a mention of a watch term in another sense (see WatchTerms::IsOffTopic).
inline constexpr std::string_view kNoiseOffTopic = "off_topic";
/// Noise reason given by crm (not by the analyzer) to an item whose similarity hash is within
/// kNearDuplicateMaxDistance of an earlier item's: it links to that first copy and opens no case.
inline constexpr std::string_view kNoiseNearDuplicate = "near_duplicate";

/// Configured terms, as written: words or phrases, case and punctuation free ("St. Elsewhere" and
/// "st elsewhere" are the same term); a trailing '*' makes the last word a prefix ("elsewhere*").
struct WatchTermsConfig {
    std::vector<std::string> terms;          ///< names of the organisation to watch for
    std::vector<std::string> context_terms;  ///< words that show the mention is about the hospital
    std::vector<std::string> exclude_terms;  ///< words that show another sense ("cement", "concrete")

    friend bool operator==(const WatchTermsConfig&, const WatchTermsConfig&) = default;
};

/// The compiled terms. Lifecycle: built once by Compile(), immutable afterwards; thread-safe reads.
class WatchTerms {
public:
    WatchTerms() = default;
    static WatchTerms Compile(const WatchTermsConfig& config);

    /// No watch terms configured: nothing is ever off-topic.
    bool Empty() const { return terms_.empty(); }

    /// A message is off-topic when all of these hold:
    ///  - it came from a public channel (social, forum or unknown): surveys, SMS, e-mail and reviews are
    ///    written to or about the hospital, so they are never off-topic;
    ///  - it names a watch term (as consecutive words, or as one hashtag: "#StElsewhere");
    ///  - it has no evidence of a care context: no configured context term, no word of the built-in
    ///    care vocabulary (hospital, nurse, doctor, ward, appointment, pain, ...), no red flag;
    ///  - it has an exclusion term, or context terms are configured (the operator said context is
    ///    required).
    /// So a real patient message is off-topic only if it uses none of the care words, which the tests
    /// pin down both ways.
    bool IsOffTopic(const NormalizedText& text, Channel channel, bool has_red_flags) const;

    /// 8 hex digits naming the configured terms, for the analyzer version ("" when Empty()).
    std::string Fingerprint() const;

private:
    struct Term {
        std::vector<std::string> words;
        bool last_is_prefix = false;
        std::string joined;  ///< the words without spaces, for hashtags
    };
    static std::vector<Term> CompileList(const std::vector<std::string>& written);
    static bool AnyAt(const std::vector<Term>& terms, const std::vector<const Token*>& words, std::size_t at);

    std::vector<Term> terms_;
    std::vector<Term> context_;
    std::vector<Term> exclude_;
    std::uint64_t fingerprint_ = 0;
};

}  // namespace carelisten::nlp
