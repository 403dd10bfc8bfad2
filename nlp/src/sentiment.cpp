#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <nlp/sentiment.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "negation.hpp"

namespace carelisten::nlp {
namespace {

struct Booster {
    std::string_view word;
    double scalar;
};

constexpr double kDampener = -kBoosterIncrement;

// VADER's BOOSTER_DICT (vaderSentiment 3.3.2) single words, sorted for binary search. "kind of" and
// "sort of" are handled in BoosterScalar(); "just enough" is dropped.
constexpr Booster kBoosters[] = {
    {"absolutely", kBoosterIncrement},
    {"almost", kDampener},
    {"amazingly", kBoosterIncrement},
    {"awfully", kBoosterIncrement},
    {"barely", kDampener},
    {"completely", kBoosterIncrement},
    {"considerable", kBoosterIncrement},
    {"considerably", kBoosterIncrement},
    {"decidedly", kBoosterIncrement},
    {"deeply", kBoosterIncrement},
    {"effing", kBoosterIncrement},
    {"enormous", kBoosterIncrement},
    {"enormously", kBoosterIncrement},
    {"entirely", kBoosterIncrement},
    {"especially", kBoosterIncrement},
    {"exceptional", kBoosterIncrement},
    {"exceptionally", kBoosterIncrement},
    {"extreme", kBoosterIncrement},
    {"extremely", kBoosterIncrement},
    {"fabulously", kBoosterIncrement},
    {"flippin", kBoosterIncrement},
    {"flipping", kBoosterIncrement},
    {"frackin", kBoosterIncrement},
    {"fracking", kBoosterIncrement},
    {"frickin", kBoosterIncrement},
    {"fricking", kBoosterIncrement},
    {"friggin", kBoosterIncrement},
    {"frigging", kBoosterIncrement},
    {"fuckin", kBoosterIncrement},
    {"fucking", kBoosterIncrement},
    {"fuggin", kBoosterIncrement},
    {"fugging", kBoosterIncrement},
    {"fully", kBoosterIncrement},
    {"greatly", kBoosterIncrement},
    {"hardly", kDampener},
    {"hella", kBoosterIncrement},
    {"highly", kBoosterIncrement},
    {"hugely", kBoosterIncrement},
    {"incredible", kBoosterIncrement},
    {"incredibly", kBoosterIncrement},
    {"intensely", kBoosterIncrement},
    {"kinda", kDampener},
    {"kindof", kDampener},
    {"less", kDampener},
    {"little", kDampener},
    {"major", kBoosterIncrement},
    {"majorly", kBoosterIncrement},
    {"marginal", kDampener},
    {"marginally", kDampener},
    {"more", kBoosterIncrement},
    {"most", kBoosterIncrement},
    {"occasional", kDampener},
    {"occasionally", kDampener},
    {"particularly", kBoosterIncrement},
    {"partly", kDampener},
    {"purely", kBoosterIncrement},
    {"quite", kBoosterIncrement},
    {"really", kBoosterIncrement},
    {"remarkably", kBoosterIncrement},
    {"scarce", kDampener},
    {"scarcely", kDampener},
    {"slight", kDampener},
    {"slightly", kDampener},
    {"so", kBoosterIncrement},
    {"somewhat", kDampener},
    {"sorta", kDampener},
    {"sortof", kDampener},
    {"substantially", kBoosterIncrement},
    {"thoroughly", kBoosterIncrement},
    {"total", kBoosterIncrement},
    {"totally", kBoosterIncrement},
    {"tremendous", kBoosterIncrement},
    {"tremendously", kBoosterIncrement},
    {"uber", kBoosterIncrement},
    {"unbelievably", kBoosterIncrement},
    {"unusually", kBoosterIncrement},
    {"utter", kBoosterIncrement},
    {"utterly", kBoosterIncrement},
    {"very", kBoosterIncrement},
};

static_assert(std::is_sorted(std::begin(kBoosters), std::end(kBoosters),
                             [](const Booster& a, const Booster& b) { return a.word < b.word; }));

std::optional<double> FindBooster(const PrehashedWord& word) {
    // Every word of every text is looked up: a hash table instead of a binary search over 80 strings.
    static const std::unordered_map<std::string_view, double, WordHash, WordEqual> kTable = [] {
        std::unordered_map<std::string_view, double, WordHash, WordEqual> table;
        for (const Booster& booster : kBoosters) {
            table.emplace(booster.word, booster.scalar);
        }
        return table;
    }();
    const auto it = kTable.find(word);
    if (it == kTable.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::optional<double> FindBooster(std::string_view word) {
    return FindBooster(PrehashedWord(word));
}

// Words that improvement questions use, and the whole answers that mean "nothing to improve".
constexpr std::string_view kImprovementWords[] = {"better",      "differently",  "improve",  "improved",
                                                  "improvement", "improvements", "improving"};
constexpr std::string_view kNothingAnswers[] = {"can't think of anything",
                                                "cannot think of anything",
                                                "n/a",
                                                "na",
                                                "nil",
                                                "no",
                                                "none",
                                                "none really",
                                                "not really",
                                                "nothing",
                                                "nothing at all",
                                                "nothing else",
                                                "nothing i can think of",
                                                "nothing really",
                                                "nothing to improve"};

/// The words the sentiment stage sees, in order: VADER's "words and emoticons".
std::vector<const Token*> SentimentWords(const NormalizedText& text) {
    std::vector<const Token*> words;
    words.reserve(text.tokens.size());
    for (const Token& token : text.tokens) {
        switch (token.kind) {
            case TokenKind::kWord:
            case TokenKind::kNumber:
            case TokenKind::kHashtag:
            case TokenKind::kSymbol:
            case TokenKind::kEmoji:
                words.push_back(&token);
                break;
            case TokenKind::kUrl:
            case TokenKind::kEmail:
            case TokenKind::kMention:
            case TokenKind::kPhone:
                break;
        }
    }
    return words;
}

/// Collapses every doubled letter: "soo" → "so", "goood" was already "good".
std::string SingleLetters(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (out.empty() || out.back() != c || !((c >= 'a' && c <= 'z'))) {
            out.push_back(c);
        }
    }
    return out;
}

/// The lexicon key a token is known by, for booster and lexicon lookups of elongated words.
std::string_view HashtagWord(const Token& token) {
    return token.kind == TokenKind::kHashtag ? std::string_view(token.text).substr(1) : std::string_view(token.text);
}

class Scorer {
public:
    Scorer(const Lexicon& lexicon, const NormalizedText& text)
        : lexicon_(lexicon), text_(text), words_(SentimentWords(text)) {
        std::size_t caps = 0;
        for (const Token* word : words_) {
            caps += word->all_caps ? 1 : 0;
        }
        cap_differential_ = caps > 0 && caps < words_.size();
        // Each word's lexicon valence and booster scalar are looked up once: the rules ask for them
        // repeatedly (a word is looked at again as the neighbour of each of the next three words).
        // The word is hashed once for the lexicon, the booster table and the phrase starts.
        valence_of_.reserve(words_.size());
        booster_of_.reserve(words_.size());
        starts_phrase_of_.reserve(words_.size());
        for (const Token* word : words_) {
            const PrehashedWord hashed(HashtagWord(*word));
            valence_of_.push_back(LookupUncached(*word, hashed));
            booster_of_.push_back(BoosterUncached(*word, hashed));
            // HashtagWord is the token's text for words, the only kind that starts a phrase.
            starts_phrase_of_.push_back(word->kind == TokenKind::kWord && lexicon_.StartsPhrase(hashed));
        }
    }

    double Compound() {
        std::vector<double> valences(words_.size(), 0.0);
        for (std::size_t i = 0; i < words_.size(); ++i) {
            if (consumed_next_) {
                consumed_next_ = false;
                continue;
            }
            valences[i] = Valence(i);
        }
        ApplyBut(&valences);
        double sum = 0.0;
        for (const double valence : valences) {
            sum += valence;
        }
        if (sum > 0.0) {
            sum += PunctuationEmphasis();
        } else if (sum < 0.0) {
            sum -= PunctuationEmphasis();
        }
        const double compound = sum / std::sqrt(sum * sum + kVaderAlpha);
        return std::clamp(compound, -1.0, 1.0);
    }

private:
    std::string_view Text(std::size_t i) const { return words_[i]->text; }

    std::optional<double> Lookup(std::size_t i) const { return valence_of_[i]; }
    std::optional<double> Booster(std::size_t i) const { return booster_of_[i]; }

    /// Lexicon valence of a word, trying the elongation-collapsed forms ("soooo" → "soo" → "so").
    std::optional<double> LookupUncached(const Token& token, const PrehashedWord& hashed) const {
        if (token.kind == TokenKind::kEmoji) {
            const double valence = EmojiValence(lexicon_, token.text);
            return valence == 0.0 ? std::nullopt : std::optional<double>(valence);
        }
        const std::string_view word = hashed.text;
        if (auto valence = lexicon_.Find(hashed)) {
            return valence;
        }
        if (token.elongated) {
            if (auto valence =
                    lexicon_.Find(token.kind == TokenKind::kHashtag ? std::string_view(token.uncollapsed).substr(1)
                                                                    : std::string_view(token.uncollapsed))) {
                return valence;
            }
            return lexicon_.Find(SingleLetters(word));
        }
        return std::nullopt;
    }

    static std::optional<double> BoosterUncached(const Token& token, const PrehashedWord& hashed) {
        if (auto scalar = FindBooster(hashed)) {
            return scalar;
        }
        if (token.elongated) {
            return FindBooster(SingleLetters(HashtagWord(token)));
        }
        return std::nullopt;
    }

    /// VADER's scalar_inc_dec for the word at `index` modifying a word of valence `valence`.
    double BoosterScalar(std::size_t index, double valence) const {
        const Token& word = *words_[index];
        std::optional<double> scalar = Booster(index);
        if (!scalar && word.text == "of" && index > 0 && (Text(index - 1) == "kind" || Text(index - 1) == "sort")) {
            scalar = kDampener;  // "kind of", "sort of"
        }
        if (!scalar) {
            return 0.0;
        }
        double result = valence < 0.0 ? -*scalar : *scalar;
        if (word.all_caps && cap_differential_) {
            result += valence > 0.0 ? kCapsIncrement : -kCapsIncrement;
        }
        return result;
    }

    bool SameClause(std::size_t a, std::size_t b) const { return words_[a]->clause == words_[b]->clause; }

    double Valence(std::size_t i) {
        const Token& token = *words_[i];
        if (Booster(i)) {
            return 0.0;  // a booster modifies its neighbour and carries no valence of its own
        }
        if (token.text == "kind" && i + 1 < words_.size() && Text(i + 1) == "of") {
            return 0.0;
        }
        std::optional<double> base;
        if (i + 1 < words_.size() && SameClause(i, i + 1) && token.kind == TokenKind::kWord &&
            words_[i + 1]->kind == TokenKind::kWord && starts_phrase_of_[i]) {
            std::string phrase(token.text);
            phrase += ' ';
            phrase += Text(i + 1);
            base = lexicon_.Find(phrase);  // "fed up", "can't stand", "screwed up"
            consumed_next_ = base.has_value();
        }
        if (!base) {
            base = Lookup(i);
        }
        if (!base) {
            return 0.0;
        }
        // "no" followed by a lexicon word is a negation, not a negative word (vaderSentiment 3.3.2).
        if (token.text == "no" && i + 1 < words_.size() && SameClause(i, i + 1) && Lookup(i + 1)) {
            return 0.0;
        }
        double valence = *base;
        const double sign = valence > 0.0 ? 1.0 : -1.0;
        if (token.all_caps && cap_differential_) {
            valence += sign * kCapsIncrement;
        }
        if (token.elongated) {
            valence += sign * kBoosterIncrement;
        }
        if (NoBefore(i)) {
            valence *= kNegationScalar;
        }
        for (std::size_t distance = 1; distance <= kNegationWindow && distance <= i; ++distance) {
            const std::size_t j = i - distance;
            if (!SameClause(i, j) || IsClauseBreakWord(Text(j))) {
                break;
            }
            if (Lookup(j)) {
                continue;  // only words without valence of their own modify (VADER)
            }
            double scalar = BoosterScalar(j, valence);
            if (distance == 2) {
                scalar *= 0.95;
            } else if (distance == 3) {
                scalar *= 0.9;
            }
            valence += scalar;
            valence = NeverCheck(valence, i, distance);
        }
        return LeastCheck(valence, i);
    }

    /// "no" one or two words before (or three, across "or"/"nor"): "no real problems", "no pain or discomfort".
    bool NoBefore(std::size_t i) const {
        const auto is_no = [&](std::size_t distance) {
            return distance <= i && SameClause(i, i - distance) && Text(i - distance) == "no";
        };
        if (is_no(1) || is_no(2)) {
            return true;
        }
        return is_no(3) && (Text(i - 1) == "or" || Text(i - 1) == "nor");
    }

    /// VADER's never_check: negation by the word `distance` before; "never so/this good" intensifies. At
    /// distance 3 the reference also intensifies (×1.25, no negation) whenever the word just before is
    /// "so" or "this": "I have never slept so well", "not been this happy in years" are positive there.
    double NeverCheck(double valence, std::size_t i, std::size_t distance) const {
        const std::string_view negator = Text(i - distance);
        const auto so_or_this = [](std::string_view word) { return word == "so" || word == "this"; };
        if (distance >= 2 && negator == "never" && so_or_this(Text(i - distance + 1))) {
            return valence * (distance == 2 ? 1.5 : 1.25);
        }
        if (distance == 3 && so_or_this(Text(i - 1))) {
            return valence * 1.25;
        }
        return IsNegator(negator) ? valence * kNegationScalar : valence;
    }

    /// "least good" is negated; "at least" and "very least" are not.
    double LeastCheck(double valence, std::size_t i) const {
        if (i == 0 || Text(i - 1) != "least" || !SameClause(i, i - 1)) {
            return valence;
        }
        if (i > 1 && (Text(i - 2) == "at" || Text(i - 2) == "very")) {
            return valence;
        }
        return valence * kNegationScalar;
    }

    /// VADER's but_check: words before the first "but" count half, words after count one and a half.
    void ApplyBut(std::vector<double>* valences) const {
        for (std::size_t b = 0; b < words_.size(); ++b) {
            if (Text(b) != "but") {
                continue;
            }
            for (std::size_t i = 0; i < valences->size(); ++i) {
                if (i < b) {
                    (*valences)[i] *= kBeforeButWeight;
                } else if (i > b) {
                    (*valences)[i] *= kAfterButWeight;
                }
            }
            return;
        }
    }

    double PunctuationEmphasis() const {
        const double exclamations = kExclamationIncrement * std::min(text_.exclamation_marks, kMaxExclamations);
        double questions = 0.0;
        if (text_.question_marks > 3) {
            questions = kManyQuestionsIncrement;
        } else if (text_.question_marks > 1) {
            questions = kQuestionIncrement * text_.question_marks;
        }
        return exclamations + questions;
    }

    const Lexicon& lexicon_;
    const NormalizedText& text_;
    std::vector<const Token*> words_;
    std::vector<std::optional<double>> valence_of_;
    std::vector<std::optional<double>> booster_of_;
    std::vector<bool> starts_phrase_of_;
    bool cap_differential_ = false;
    bool consumed_next_ = false;
};

/// The answer's words and symbols joined by single spaces: "Nothing really." → "nothing really".
std::string AnswerKey(const NormalizedText& answer) {
    std::string key;
    for (const Token& token : answer.tokens) {
        if (token.kind != TokenKind::kWord && token.kind != TokenKind::kSymbol) {
            return {};
        }
        if (!key.empty()) {
            key += ' ';
        }
        key += token.text;
    }
    return key;
}

}  // namespace

double VaderCompound(const Lexicon& lexicon, const NormalizedText& text) {
    return Scorer(lexicon, text).Compound();
}

double EmojiValence(const Lexicon& lexicon, std::string_view emoji_utf8) {
    const icu::UnicodeString emoji =
        icu::UnicodeString::fromUTF8(icu::StringPiece(emoji_utf8.data(), static_cast<std::int32_t>(emoji_utf8.size())));
    for (std::int32_t i = 0; i < emoji.length();) {
        const UChar32 c = emoji.char32At(i);
        i += U16_LENGTH(c);
        if (!u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC) && !u_hasBinaryProperty(c, UCHAR_REGIONAL_INDICATOR)) {
            continue;
        }
        char name[128];
        UErrorCode status = U_ZERO_ERROR;
        const std::int32_t length = u_charName(c, U_UNICODE_CHAR_NAME, name, sizeof(name), &status);
        if (U_FAILURE(status) || length <= 0) {
            return 0.0;
        }
        double valence = 0.0;
        std::string word;
        for (std::int32_t k = 0; k <= length; ++k) {
            const char ch = k < length ? name[k] : ' ';
            if (ch == ' ' || ch == '-') {
                if (auto found = lexicon.Find(word)) {
                    valence += *found;
                }
                word.clear();
            } else {
                word.push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch);
            }
        }
        return std::clamp(valence, -Lexicon::kMaxValence, Lexicon::kMaxValence);
    }
    return 0.0;
}

Sentiment ApplyRating(const Sentiment& sentiment, const std::optional<int> rating) {
    if (!sentiment.scored || !rating.has_value() || *rating < 1 || *rating > 5 || *rating == 3) {
        return sentiment;
    }
    const double stars = (static_cast<double>(*rating) - 3.0) / 2.0;
    Sentiment out = sentiment;
    out.score = std::clamp((1.0 - kRatingWeight) * sentiment.score + kRatingWeight * stars, -1.0, 1.0);
    out.label = LabelForScore(out.score);
    return out;
}

SentimentLabel LabelForScore(double score) {
    if (score >= kPositiveThreshold) {
        return SentimentLabel::kPositive;
    }
    if (score <= kNegativeThreshold) {
        return SentimentLabel::kNegative;
    }
    return SentimentLabel::kNeutral;
}

bool AsksWhatToImprove(const NormalizedText& question) {
    return std::any_of(question.tokens.begin(), question.tokens.end(), [](const Token& token) {
        return token.kind == TokenKind::kWord && std::find(std::begin(kImprovementWords), std::end(kImprovementWords),
                                                           token.text) != std::end(kImprovementWords);
    });
}

bool IsNothingAnswer(const NormalizedText& answer) {
    const std::string key = AnswerKey(answer);
    return !key.empty() &&
           std::find(std::begin(kNothingAnswers), std::end(kNothingAnswers), key) != std::end(kNothingAnswers);
}

Sentiment ScoreSentiment(const Lexicon& lexicon, const NormalizedText& text, std::string_view question) {
    Sentiment sentiment;
    if (!question.empty() && IsNothingAnswer(text) && AsksWhatToImprove(Normalize(question))) {
        sentiment.label = SentimentLabel::kPositive;
        sentiment.score = kNothingToImproveScore;
        return sentiment;
    }
    sentiment.score = VaderCompound(lexicon, text);
    sentiment.label = LabelForScore(sentiment.score);
    return sentiment;
}

}  // namespace carelisten::nlp
