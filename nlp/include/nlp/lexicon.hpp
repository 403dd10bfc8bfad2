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
    std::size_t Size() const { return valences_.size(); }

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
    };

    std::unordered_map<std::string, double, Hash, std::equal_to<>> valences_;
    std::unordered_set<std::string, Hash, std::equal_to<>> phrase_starts_;
};

}  // namespace carelisten::nlp
