/// @file
/// @brief SimHash (Charikar 2002) of normalized text, for near-duplicate detection. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <nlp/normalize.hpp>
#include <string_view>
#include <vector>

namespace carelisten::nlp {

/// Words per shingle: each run of this many consecutive tokens is one feature (a text with fewer
/// tokens is one feature).
inline constexpr std::size_t kSimHashShingle = 2;

/// Near-duplicate linking (crm) compares hashes within this many differing bits: with the hash split into
/// four 16-bit bands, two hashes this close always share a band exactly, so an index on the bands finds
/// every candidate.
inline constexpr int kNearDuplicateMaxDistance = 3;

/// Texts with fewer hashed words than this are never linked as near-duplicates: "Thank you" and "Nothing."
/// are written by thousands of different people.
inline constexpr std::size_t kNearDuplicateMinWords = 8;

/// The token texts the hash covers: every token but @handles and URLs (they differ between networks and
/// reposts) and a leading retweet marker "RT".
std::vector<std::string_view> SimHashWords(const NormalizedText& text);

/// 64-bit SimHash over the shingles of SimHashWords() (words, numbers, hashtags, emoji; their
/// normalized text, so case, NFKC forms and elongation do not matter). Each shingle's 64-bit hash votes
/// on each bit. Identical token texts give identical hashes; texts sharing most shingles differ in few
/// bits. 0 for a text with no tokens.
std::uint64_t SimHash(const NormalizedText& text);

/// SimHash() of words already taken with SimHashWords().
std::uint64_t SimHashOfWords(const std::vector<std::string_view>& words);

/// Number of differing bits, 0..64.
int HammingDistance(std::uint64_t a, std::uint64_t b);

}  // namespace carelisten::nlp
