/// @file
/// @brief A sentiment lexicon: folded token (or two-word phrase) → valence in [-4, 4].
#pragma once

#include <common/result.hpp>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace carelisten::nlp {

/// A word with its std::hash<std::string_view>, computed once by a caller that looks the word up in several
/// tables (the lexicon, its phrase starts, the boosters).
struct PrehashedWord {
    std::string_view text;
    std::size_t hash = 0;

    explicit PrehashedWord(std::string_view word) : text(word), hash(std::hash<std::string_view>{}(word)) {}
};

/// Hash and equality for string-keyed tables that also accept a PrehashedWord (heterogeneous lookup).
struct WordHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
    std::size_t operator()(const PrehashedWord& word) const { return word.hash; }
};
struct WordEqual {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
    bool operator()(const PrehashedWord& a, std::string_view b) const { return a.text == b; }
    bool operator()(std::string_view a, const PrehashedWord& b) const { return a == b.text; }
};

/// Immutable after Parse(); lookups are const and safe from any number of threads.
class Lexicon {
public:
    static constexpr double kMaxValence = 4.0;

    /// Parses `token<TAB>valence` lines (blank lines allowed). Keys are folded with FoldForLookup() so they
    /// match normalized tokens; when two lines fold to the same key the later line wins (as in VADER's
    /// reference implementation). Fails with NlpErrc::kCorruptModel on a malformed line, a valence
    /// outside [-4, 4], or no entries at all.
    static Result<Lexicon> Parse(std::string_view tsv);

    /// The valence of a folded token or of a two-word phrase "fed up"; nullopt when absent.
    std::optional<double> Find(std::string_view folded) const;
    bool Contains(std::string_view folded) const { return Find(folded).has_value(); }
    /// Whether some two-word entry starts with this word ("fed" for "fed up"): callers look up a word
    /// pair only then, instead of building and hashing every pair of a text.
    bool StartsPhrase(std::string_view folded) const { return phrase_starts_.find(folded) != phrase_starts_.end(); }
    /// Find and StartsPhrase with the word's hash already computed.
    std::optional<double> Find(const PrehashedWord& word) const;
    bool StartsPhrase(const PrehashedWord& word) const { return phrase_starts_.find(word) != phrase_starts_.end(); }
    std::size_t Size() const { return valences_.size(); }

private:
    std::unordered_map<std::string, double, WordHash, WordEqual> valences_;
    std::unordered_set<std::string, WordHash, WordEqual> phrase_starts_;
};

}  // namespace carelisten::nlp
