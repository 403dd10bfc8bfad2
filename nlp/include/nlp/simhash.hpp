/// @file
/// @brief SimHash (Charikar 2002) of normalized text, for near-duplicate detection. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <nlp/normalize.hpp>

namespace carelisten::nlp {

/// Words per shingle: each run of this many consecutive tokens is one feature (a text with fewer
/// tokens is one feature).
inline constexpr std::size_t kSimHashShingle = 2;

/// 64-bit SimHash over the shingles of the text's tokens (words, numbers, typed tokens, emoji; their
/// normalized text, so case, NFKC forms and elongation do not matter). Each shingle's 64-bit hash votes
/// on each bit. Identical token texts give identical hashes; texts sharing most shingles differ in few
/// bits. 0 for a text with no tokens.
std::uint64_t SimHash(const NormalizedText& text);

/// Number of differing bits, 0..64.
int HammingDistance(std::uint64_t a, std::uint64_t b);

}  // namespace carelisten::nlp
