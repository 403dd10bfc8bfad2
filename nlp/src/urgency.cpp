#include <algorithm>
#include <iterator>
#include <nlp/urgency.hpp>

#include "negation.hpp"

namespace carelisten::nlp {
namespace {

constexpr std::string_view kSelfHarm = "self_harm";
constexpr std::string_view kAbuse = "abuse";
constexpr std::string_view kClinical = "clinical";
constexpr std::string_view kLegalThreat = "legal_threat";
constexpr std::string_view kMediaThreat = "media_threat";
constexpr std::string_view kSafetyIncident = "safety_incident";

struct PhraseSpec {
    std::string_view flag;
    std::string_view words;        ///< space-separated terms; a trailing '*' makes a prefix
    std::string_view except_next;  ///< space-separated words that must not follow the match
    bool hinglish = false;         ///< romanized Hindi: also negated by "nahi" after it
};

// The first English pattern set. Terms are folded words as the normalizer produces them: ICU splits
// "self-harm" into "self" "harm", keeps "can't" whole, and "’" is already "'".
constexpr PhraseSpec kPhrases[] = {
    // self_harm
    {kSelfHarm, "suicid*", ""},
    {kSelfHarm, "kill myself", ""},
    {kSelfHarm, "killing myself", ""},
    {kSelfHarm, "kill my self", ""},
    {kSelfHarm, "end my life", ""},
    {kSelfHarm, "ending my life", ""},
    {kSelfHarm, "end it all", ""},
    {kSelfHarm, "take my own life", ""},
    {kSelfHarm, "take my life", ""},
    {kSelfHarm, "self harm*", ""},
    {kSelfHarm, "selfharm*", ""},
    {kSelfHarm, "harm myself", ""},
    {kSelfHarm, "harming myself", ""},
    {kSelfHarm, "hurt myself", ""},
    {kSelfHarm, "hurting myself", ""},
    {kSelfHarm, "cut myself", ""},
    {kSelfHarm, "cutting myself", ""},
    {kSelfHarm, "want to die", ""},
    {kSelfHarm, "wanted to die", ""},
    {kSelfHarm, "wish i was dead", ""},
    {kSelfHarm, "wish i were dead", ""},
    {kSelfHarm, "better off dead", ""},
    {kSelfHarm, "don't want to live", ""},
    {kSelfHarm, "dont want to live", ""},
    {kSelfHarm, "do not want to live", ""},
    {kSelfHarm, "no reason to live", ""},
    {kSelfHarm, "took an overdose", ""},
    {kSelfHarm, "take an overdose", ""},
    {kSelfHarm, "taken an overdose", ""},
    // abuse
    {kAbuse, "abuse", ""},
    {kAbuse, "abused", ""},
    {kAbuse, "abusing", ""},
    {kAbuse, "abusive", ""},
    {kAbuse, "assault*", ""},
    {kAbuse, "hit me", ""},
    {kAbuse, "hits me", ""},
    {kAbuse, "hitting me", ""},
    {kAbuse, "slapped", ""},
    {kAbuse, "punched", ""},
    {kAbuse, "kicked me", ""},
    {kAbuse, "pushed me", ""},
    {kAbuse, "shoved me", ""},
    {kAbuse, "beat me", ""},
    {kAbuse, "beaten", ""},
    {kAbuse, "rape", ""},
    {kAbuse, "raped", ""},
    {kAbuse, "molest*", ""},
    {kAbuse, "groped", ""},
    {kAbuse, "sexually", ""},
    {kAbuse, "manhandled", ""},
    {kAbuse, "threatened me", ""},
    // clinical
    {kClinical, "fever*", ""},
    {kClinical, "high temperature", ""},
    {kClinical, "pus", ""},
    {kClinical, "bleeding", ""},
    {kClinical, "haemorrhag*", ""},
    {kClinical, "hemorrhag*", ""},
    {kClinical, "chest pain*", ""},
    {kClinical, "can't breathe", ""},
    {kClinical, "cant breathe", ""},
    {kClinical, "cannot breathe", ""},
    {kClinical, "can not breathe", ""},
    {kClinical, "couldn't breathe", ""},
    {kClinical, "couldnt breathe", ""},
    {kClinical, "could not breathe", ""},
    {kClinical, "unable to breathe", ""},
    {kClinical, "struggling to breathe", ""},
    {kClinical, "difficulty breathing", ""},
    {kClinical, "breathless*", ""},
    {kClinical, "short of breath", ""},
    {kClinical, "shortness of breath", ""},
    {kClinical, "severe pain", ""},
    {kClinical, "uncontrolled pain", ""},
    {kClinical, "unbearable pain", ""},
    {kClinical, "excruciating", ""},
    // legal_threat ("sue" alone is also a name: only in threat phrasing)
    {kLegalThreat, "lawyer*", ""},
    {kLegalThreat, "solicitor*", ""},
    {kLegalThreat, "attorney*", ""},
    {kLegalThreat, "legal action", ""},
    {kLegalThreat, "litigation", ""},
    {kLegalThreat, "court", ""},
    {kLegalThreat, "courts", ""},
    {kLegalThreat, "suing", ""},
    {kLegalThreat, "sued", ""},
    {kLegalThreat, "to sue", ""},
    {kLegalThreat, "will sue", ""},
    {kLegalThreat, "i'll sue", ""},
    {kLegalThreat, "gonna sue", ""},
    {kLegalThreat, "would sue", ""},
    {kLegalThreat, "could sue", ""},
    {kLegalThreat, "sue you", ""},
    {kLegalThreat, "sue them", ""},
    {kLegalThreat, "sue the", ""},
    {kLegalThreat, "sue this", ""},
    {kLegalThreat, "sue your", ""},
    {kLegalThreat, "sue for", ""},
    // media_threat
    {kMediaThreat, "newspaper*", ""},
    {kMediaThreat, "journalist*", ""},
    {kMediaThreat, "the press", ""},
    {kMediaThreat, "local paper", ""},
    {kMediaThreat, "the papers", ""},
    {kMediaThreat, "the media", ""},
    {kMediaThreat, "go public", ""},
    {kMediaThreat, "going public", ""},
    {kMediaThreat, "viral", ""},
    {kMediaThreat, "watchdog", ""},
    // safety_incident
    {kSafetyIncident, "wrong medication*", ""},
    {kSafetyIncident, "wrong medicine*", ""},
    {kSafetyIncident, "wrong drug*", ""},
    {kSafetyIncident, "wrong dose*", ""},
    {kSafetyIncident, "wrong tablet*", ""},
    {kSafetyIncident, "medication error*", ""},
    {kSafetyIncident, "drug error*", ""},
    {kSafetyIncident, "fell", "asleep short apart through pregnant"},
    {kSafetyIncident, "fallen", "asleep short apart through pregnant"},
    {kSafetyIncident, "had a fall", ""},
    {kSafetyIncident, "a fall", ""},
    {kSafetyIncident, "infection*", ""},
    {kSafetyIncident, "infected", ""},
    {kSafetyIncident, "neglect*", ""},
    {kSafetyIncident, "pressure sore*", ""},
    {kSafetyIncident, "bed sore*", ""},
    {kSafetyIncident, "bedsore*", ""},
    {kSafetyIncident, "left in soiled", ""},
    // Hinglish (romanized Hindi): "bukhar" fever, "khoon" blood, "saans" breath, "dard" pain, "marna
    // chahta" wants to die, "khudkushi"/"aatmahatya" suicide. Hindi negates after: "bukhar nahi hai".
    {kClinical, "bukhar*", "", true},
    {kClinical, "bukhaar*", "", true},
    {kClinical, "khoon", "", true},
    {kClinical, "saans nahi", "", true},
    {kClinical, "saans nahin", "", true},
    {kClinical, "saans lene me*", "", true},
    {kClinical, "dard bahut", "", true},
    {kClinical, "bahut dard", "", true},
    {kClinical, "bohot dard", "", true},
    {kClinical, "tez dard", "", true},
    {kSelfHarm, "marna chahta", "", true},
    {kSelfHarm, "marna chahti", "", true},
    {kSelfHarm, "marna chahte", "", true},
    {kSelfHarm, "mar jaana chahta", "", true},
    {kSelfHarm, "mar jana chahta", "", true},
    {kSelfHarm, "khudkushi", "", true},
    {kSelfHarm, "aatmahatya", "", true},
};

// Hindi negators, which follow the word they negate.
constexpr std::string_view kHindiNegators[] = {"mat", "na", "nahi", "nahin", "nai"};

struct ProximitySpec {
    std::string_view flag;
    std::string_view anchors;
    std::string_view signs;
    std::size_t window;
};

constexpr ProximitySpec kProximities[] = {
    {kClinical, "wound* incision* stitches",
     "red redness reddened pus discharge discharging oozing weeping swollen swelling hot infected inflamed smell*", 4},
};

std::vector<std::string_view> SplitWords(std::string_view text) {
    std::vector<std::string_view> words;
    while (!text.empty()) {
        const std::size_t space = text.find(' ');
        if (space != 0) {
            words.push_back(text.substr(0, space));
        }
        if (space == std::string_view::npos) {
            break;
        }
        text.remove_prefix(space + 1);
    }
    return words;
}

std::vector<RedFlagTerm> ParseTerms(std::string_view text) {
    std::vector<RedFlagTerm> terms;
    for (std::string_view word : SplitWords(text)) {
        RedFlagTerm term;
        term.prefix = word.back() == '*';
        if (term.prefix) {
            word.remove_suffix(1);
        }
        term.text = std::string(word);
        terms.push_back(std::move(term));
    }
    return terms;
}

bool MatchesAny(const std::vector<RedFlagTerm>& terms, std::string_view word) {
    return std::any_of(terms.begin(), terms.end(), [&](const RedFlagTerm& term) { return term.Matches(word); });
}

/// The words urgency rules see: word and number tokens, in order.
std::vector<const Token*> RuleWords(const NormalizedText& text) {
    std::vector<const Token*> words;
    words.reserve(text.tokens.size());
    for (const Token& token : text.tokens) {
        if (token.kind == TokenKind::kWord || token.kind == TokenKind::kNumber) {
            words.push_back(&token);
        }
    }
    return words;
}

}  // namespace

bool RedFlagTerm::Matches(std::string_view word) const {
    return prefix ? word.substr(0, text.size()) == text : word == text;
}

RedFlagRules RedFlagRules::Default() {
    RedFlagRules rules;
    for (const PhraseSpec& spec : kPhrases) {
        PhraseRule rule;
        rule.flag = std::string(spec.flag);
        rule.terms = ParseTerms(spec.words);
        rule.hinglish = spec.hinglish;
        for (const std::string_view word : SplitWords(spec.except_next)) {
            rule.except_next.emplace_back(word);
        }
        const std::size_t index = rules.phrases_.size();
        if (rule.terms.front().prefix) {
            rules.prefix_first_.push_back(index);
            const std::string& prefix = rule.terms.front().text;
            if (prefix.empty()) {
                for (auto& bucket : rules.prefix_by_first_byte_) {
                    bucket.push_back(index);
                }
            } else {
                rules.prefix_by_first_byte_[static_cast<unsigned char>(prefix.front())].push_back(index);
            }
        } else {
            rules.by_first_word_[rule.terms.front().text].push_back(index);
        }
        rules.phrases_.push_back(std::move(rule));
    }
    for (const ProximitySpec& spec : kProximities) {
        ProximityRule rule;
        rule.flag = std::string(spec.flag);
        rule.anchors = ParseTerms(spec.anchors);
        rule.signs = ParseTerms(spec.signs);
        rule.window = spec.window;
        rules.proximities_.push_back(std::move(rule));
    }
    return rules;
}

std::vector<RedFlag> RedFlagRules::FindDetails(const NormalizedText& text) const {
    const std::vector<const Token*> words = RuleWords(text);
    std::vector<RedFlag> flags;
    const auto add = [&](const std::string& flag, std::size_t first, std::size_t last) {
        flags.push_back({flag, UrgencyOfFlag(flag), Span{words[first]->begin, words[last]->end}});
    };
    const auto negated_after = [&](std::size_t end, std::uint32_t clause) {
        for (std::size_t k = end; k < words.size() && k < end + kPostNegationWindow; ++k) {
            if (words[k]->clause != clause) {
                return false;
            }
            if (std::find(std::begin(kHindiNegators), std::end(kHindiNegators), words[k]->text) !=
                std::end(kHindiNegators)) {
                return true;
            }
        }
        return false;
    };
    const auto try_phrase = [&](const PhraseRule& rule, std::size_t start) {
        const std::size_t end = start + rule.terms.size();
        if (end > words.size()) {
            return;
        }
        for (std::size_t k = 0; k < rule.terms.size(); ++k) {
            const Token& word = *words[start + k];
            if (!rule.terms[k].Matches(word.text) || word.clause != words[start]->clause) {
                return;
            }
        }
        if (end < words.size() && words[end]->clause == words[start]->clause &&
            std::find(rule.except_next.begin(), rule.except_next.end(), words[end]->text) != rule.except_next.end()) {
            return;
        }
        if (rule.hinglish && negated_after(end, words[start]->clause)) {
            return;
        }
        if (!NegatedBefore(words, start, kNegationWindow)) {
            add(rule.flag, start, end - 1);
        }
    };
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (const auto it = by_first_word_.find(words[i]->text); it != by_first_word_.end()) {
            for (const std::size_t index : it->second) {
                try_phrase(phrases_[index], i);
            }
        }
        if (!words[i]->text.empty()) {
            for (const std::size_t index : prefix_by_first_byte_[static_cast<unsigned char>(words[i]->text.front())]) {
                try_phrase(phrases_[index], i);
            }
        }
        for (const ProximityRule& rule : proximities_) {
            if (!MatchesAny(rule.anchors, words[i]->text)) {
                continue;
            }
            const std::size_t from = i >= rule.window ? i - rule.window : 0;
            const std::size_t to = std::min(words.size(), i + rule.window + 1);
            for (std::size_t j = from; j < to; ++j) {
                if (j == i || words[j]->clause != words[i]->clause || !MatchesAny(rule.signs, words[j]->text)) {
                    continue;
                }
                // "no redness around the wound" and "the wound is not red" are both negated.
                if (!NegatedBefore(words, i, kNegationWindow) && !NegatedBefore(words, j, kNegationWindow)) {
                    add(rule.flag, std::min(i, j), std::max(i, j));
                    break;
                }
            }
        }
    }
    std::stable_sort(flags.begin(), flags.end(), [](const RedFlag& a, const RedFlag& b) {
        return a.evidence.begin != b.evidence.begin ? a.evidence.begin < b.evidence.begin
               : a.evidence.end != b.evidence.end   ? a.evidence.end < b.evidence.end
                                                    : a.name < b.name;
    });
    flags.erase(
        std::unique(flags.begin(), flags.end(),
                    [](const RedFlag& a, const RedFlag& b) { return a.name == b.name && a.evidence == b.evidence; }),
        flags.end());
    return flags;
}

std::vector<std::string> RedFlagRules::Find(const NormalizedText& text) const {
    std::vector<std::string> flags;
    for (RedFlag& flag : FindDetails(text)) {
        flags.push_back(std::move(flag.name));
    }
    std::sort(flags.begin(), flags.end());
    flags.erase(std::unique(flags.begin(), flags.end()), flags.end());
    return flags;
}

Urgency UrgencyOfFlag(std::string_view flag) {
    if (flag == kSelfHarm || flag == kAbuse || flag == kClinical) {
        return Urgency::kCritical;
    }
    return Urgency::kHigh;
}

Urgency UrgencyFor(const std::vector<std::string>& red_flags, const Sentiment& sentiment) {
    Urgency urgency = Urgency::kNone;
    for (const std::string& flag : red_flags) {
        urgency = std::max(urgency, UrgencyOfFlag(flag));
    }
    if (urgency == Urgency::kNone && sentiment.label == SentimentLabel::kNegative) {
        urgency = Urgency::kLow;
    }
    return urgency;
}

}  // namespace carelisten::nlp
