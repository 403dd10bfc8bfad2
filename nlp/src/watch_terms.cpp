#include <algorithm>
#include <cstdio>
#include <nlp/watch_terms.hpp>

namespace carelisten::nlp {
namespace {

// Words that put a mention in a care context whatever the configuration says: if any is there, the
// message may be a patient's and is kept. Prefixes end with '*'.
constexpr std::string_view kCareWords[] = {
    "admit*",      "ambulance*", "appointment*", "bed",      "beds",      "care",      "carer*",     "clinic*",
    "consultant*", "diagnos*",   "discharg*",    "doctor*",  "dr",        "emergency", "gp",         "health*",
    "hospital*",   "ill",        "illness",      "injur*",   "maternity", "medic*",    "midwi*",     "nhs",
    "nurs*",       "operation*", "pain*",        "patient*", "pharmac*",  "physio*",   "prescri*",   "scan",
    "scans",       "sick*",      "staff",        "surgeon*", "surgery",   "symptom*",  "treat*",     "visit*",
    "ward",        "wards",      "x-ray*",       "xray*",    "waiting",   "waited",    "icu",        "ae",
    "baby",        "birth",      "blood",        "test",     "tests",     "results",   "therapy",    "mum",
    "dad",         "mother",     "father",       "son",      "daughter",  "wife",      "husband",    "cancer",
    "covid*",      "vaccin*",    "jab",          "stitches", "wound*",    "fever",     "infection*",
};

/// The words of a configured term, as the normalizer produces them ("St. Elsewhere" → "st", "elsewhere").
std::vector<std::string> TermWords(std::string_view written) {
    std::vector<std::string> words;
    for (const Token& token : Normalize(written).tokens) {
        if (token.kind == TokenKind::kWord || token.kind == TokenKind::kNumber) {
            words.push_back(token.text);
        } else if (token.kind == TokenKind::kHashtag && token.text.size() > 1) {
            words.push_back(token.text.substr(1));
        }
    }
    return words;
}

bool WordMatches(std::string_view term, bool prefix, std::string_view word) {
    return prefix ? word.starts_with(term) : word == term;
}

std::uint64_t Fnv(std::uint64_t hash, std::string_view bytes) {
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    return hash;
}

bool IsPublicChannel(Channel channel) {
    return channel == Channel::kSocial || channel == Channel::kForum || channel == Channel::kUnknown;
}

}  // namespace

std::vector<WatchTerms::Term> WatchTerms::CompileList(const std::vector<std::string>& written) {
    std::vector<Term> terms;
    for (const std::string& entry : written) {
        const bool prefix = !entry.empty() && entry.back() == '*';
        Term term;
        term.words = TermWords(prefix ? std::string_view(entry).substr(0, entry.size() - 1) : std::string_view(entry));
        if (term.words.empty()) {
            continue;
        }
        term.last_is_prefix = prefix;
        for (const std::string& word : term.words) {
            term.joined += word;
        }
        terms.push_back(std::move(term));
    }
    return terms;
}

WatchTerms WatchTerms::Compile(const WatchTermsConfig& config) {
    WatchTerms compiled;
    compiled.terms_ = CompileList(config.terms);
    compiled.context_ = CompileList(config.context_terms);
    compiled.exclude_ = CompileList(config.exclude_terms);
    std::uint64_t hash = 14695981039346656037ULL;
    const auto add_list = [&](const std::vector<Term>& list, std::string_view tag) {
        hash = Fnv(hash, tag);
        for (const Term& term : list) {
            for (const std::string& word : term.words) {
                hash = Fnv(Fnv(hash, word), " ");
            }
            hash = Fnv(hash, term.last_is_prefix ? "*\n" : "\n");
        }
    };
    add_list(compiled.terms_, "terms\n");
    add_list(compiled.context_, "context\n");
    add_list(compiled.exclude_, "exclude\n");
    compiled.fingerprint_ = hash;
    return compiled;
}

bool WatchTerms::AnyAt(const std::vector<Term>& terms, const std::vector<const Token*>& words, std::size_t at) {
    const Token& first = *words[at];
    for (const Term& term : terms) {
        if (first.kind == TokenKind::kHashtag) {
            // "#StElsewhere" names "st elsewhere".
            const std::string_view tag = std::string_view(first.text).substr(1);
            if (WordMatches(term.joined, term.last_is_prefix, tag)) {
                return true;
            }
            continue;
        }
        if (at + term.words.size() > words.size()) {
            continue;
        }
        bool matched = true;
        for (std::size_t k = 0; k < term.words.size() && matched; ++k) {
            const Token& word = *words[at + k];
            const bool prefix = term.last_is_prefix && k + 1 == term.words.size();
            matched = word.kind != TokenKind::kHashtag && WordMatches(term.words[k], prefix, word.text);
        }
        if (matched) {
            return true;
        }
    }
    return false;
}

bool WatchTerms::IsOffTopic(const NormalizedText& text, Channel channel, bool has_red_flags) const {
    if (terms_.empty() || !IsPublicChannel(channel) || has_red_flags) {
        return false;
    }
    std::vector<const Token*> words;
    words.reserve(text.tokens.size());
    for (const Token& token : text.tokens) {
        if (token.kind == TokenKind::kWord || token.kind == TokenKind::kNumber || token.kind == TokenKind::kHashtag) {
            words.push_back(&token);
        }
    }
    // Most posts name no watch term: look for one first, and for a care context only when it matters.
    bool mentioned = false;
    bool excluded = false;
    for (std::size_t at = 0; at < words.size(); ++at) {
        mentioned = mentioned || AnyAt(terms_, words, at);
        excluded = excluded || AnyAt(exclude_, words, at);
    }
    if (!mentioned || (!excluded && context_.empty())) {
        return false;
    }
    for (std::size_t at = 0; at < words.size(); ++at) {
        const Token& word = *words[at];
        const std::string_view bare =
            word.kind == TokenKind::kHashtag ? std::string_view(word.text).substr(1) : std::string_view(word.text);
        for (const std::string_view care : kCareWords) {
            const bool prefix = care.back() == '*';
            if (WordMatches(prefix ? care.substr(0, care.size() - 1) : care, prefix, bare)) {
                return false;  // a care context: keep it
            }
        }
        if (AnyAt(context_, words, at)) {
            return false;
        }
    }
    return true;
}

std::string WatchTerms::Fingerprint() const {
    if (terms_.empty()) {
        return {};
    }
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08llx", static_cast<unsigned long long>(fingerprint_ >> 32));
    return hex;
}

}  // namespace carelisten::nlp
