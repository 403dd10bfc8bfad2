/// @file
/// @brief Stage 1 of the analyzer: raw bytes to normalized, typed tokens. Pure functions of their input
/// (and of the ICU version the binary runs with): no models, no state, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace carelisten::nlp {

enum class TokenKind {
    kWord,     ///< letters (any script; ICU word segmentation, so Han and Thai split into words)
    kNumber,   ///< "12", "3.5", "1,000"
    kUrl,      ///< "https://…", "www.…"
    kEmail,    ///< "name@example.org"
    kMention,  ///< "@handle"
    kHashtag,  ///< "#tag" (text keeps the '#')
    kSymbol,   ///< a punctuation run kept whole because it may be an emoticon: ":)", ":-(", "<3", "n/a"
    kEmoji,    ///< one emoji (or emoji ZWJ / flag sequence), unfolded
    kPhone,    ///< a phone number of 8–15 digits, "+44 20 7946 0958", "(555) 123-4567"; text is the digits
               ///< (with a leading '+' when written)
};

struct Token {
    std::string text;         ///< NFKC, case folded, ’ → ', letter runs of 3+ collapsed to 2 ("soooo" → "soo")
    std::string uncollapsed;  ///< `text` before the elongation collapse; empty unless `elongated`
    TokenKind kind = TokenKind::kWord;
    bool all_caps = false;     ///< before folding it had upper-case letters and no lower-case ones
    bool elongated = false;    ///< a letter was repeated 3+ times: emphasis
    std::uint32_t clause = 0;  ///< index of the clause: incremented at . ! ? ; , : and line breaks
    std::size_t begin = 0;     ///< byte range [begin, end) of the token's source in the repaired input
    std::size_t end = 0;       ///< (RepairUtf8 of the input; for valid UTF-8, the input itself)
};

/// Letters seen in word tokens, by script (URLs, e-mail addresses and handles are not counted).
struct ScriptCounts {
    std::uint32_t latin = 0;
    std::uint32_t ascii = 0;  ///< the Latin letters that are ASCII
    std::uint32_t devanagari = 0;
    std::uint32_t han = 0;
    std::uint32_t kana = 0;
    std::uint32_t other = 0;

    std::uint32_t Total() const { return latin + devanagari + han + kana + other; }
};

struct NormalizedText {
    std::string text;  ///< NFKC, case folded, whitespace runs collapsed to one space, trimmed
    std::vector<Token> tokens;
    ScriptCounts letters;
    std::uint32_t exclamation_marks = 0;
    std::uint32_t question_marks = 0;
    bool repaired = false;  ///< the input was not valid UTF-8; invalid sequences became U+FFFD
};

/// Replaces each maximal invalid subsequence with U+FFFD (the Unicode "best practice" policy, as in the
/// WHATWG decoder). Sets *repaired when anything was replaced.
std::string RepairUtf8(std::string_view bytes, bool* repaired);

/// One segment of ICU's word segmentation: units [begin, end) of the UTF-16 text and ICU's rule status
/// (`UBRK_WORD_NONE` 0..99, `UBRK_WORD_NUMBER` 100..199, letters 200 and up).
struct WordSegment {
    std::int32_t begin = 0;
    std::int32_t end = 0;
    std::int32_t status = 0;

    bool operator==(const WordSegment&) const = default;
};

namespace detail {
/// The word segmentation `Normalize` uses (ASCII runs by a fast path equal to ICU's root word rules, the rest
/// by ICU's BreakIterator), or with `icu_only` ICU's alone: for the test that proves the two equal.
std::vector<WordSegment> WordSegments(std::u16string_view text, bool icu_only);
}  // namespace detail

/// Repairs, NFKC-normalizes, case folds, segments and types the tokens of one text.
NormalizedText Normalize(std::string_view utf8);

/// The folding applied to word tokens, for building lookup tables that must match them (lexicon keys):
/// UTF-8 repair, NFKC, case fold, ’ → ', default-ignorable code points removed. No elongation collapse.
std::string FoldForLookup(std::string_view utf8);

}  // namespace carelisten::nlp
