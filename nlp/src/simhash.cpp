#include <array>
#include <bit>
#include <nlp/simhash.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace carelisten::nlp {
namespace {

constexpr std::uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

std::uint64_t FnvAdd(std::uint64_t hash, std::string_view bytes) {
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= kFnvPrime;
    }
    return hash;
}

/// The splitmix64 finalizer, so short shingles spread over all 64 bits.
std::uint64_t Finalize(std::uint64_t hash) {
    hash ^= hash >> 30;
    hash *= 0xbf58476d1ce4e5b9ULL;
    hash ^= hash >> 27;
    hash *= 0x94d049bb133111ebULL;
    hash ^= hash >> 31;
    return hash;
}

/// FNV-1a 64 of "w1 w2 … " (each word followed by one space), then finalized.
std::uint64_t HashShingle(const std::vector<std::string_view>& words, std::size_t first, std::size_t count) {
    std::uint64_t hash = kFnvOffsetBasis;
    for (std::size_t k = first; k < first + count; ++k) {
        hash = FnvAdd(FnvAdd(hash, words[k]), " ");
    }
    return Finalize(hash);
}

}  // namespace

std::vector<std::string_view> SimHashWords(const NormalizedText& text) {
    std::vector<std::string_view> words;
    words.reserve(text.tokens.size());
    for (const Token& token : text.tokens) {
        // Handles and links differ between networks and between reposts of the same text; a retweet's
        // leading "RT" is the network's, not the writer's.
        if (token.kind == TokenKind::kMention || token.kind == TokenKind::kUrl) {
            continue;
        }
        if (words.empty() && token.kind == TokenKind::kWord && token.text == "rt") {
            continue;
        }
        if (token.kind != TokenKind::kSymbol || !token.text.empty()) {
            words.emplace_back(token.text);
        }
    }
    return words;
}

std::uint64_t SimHash(const NormalizedText& text) {
    return SimHashOfWords(SimHashWords(text));
}

std::uint64_t SimHashOfWords(const std::vector<std::string_view>& words) {
    if (words.empty()) {
        return 0;
    }
    // Bit k of the hash gets a vote +1 per shingle with the bit set and -1 per shingle without: it is set when
    // more than half of the shingles have it. The ones are counted bit-sliced, eight 8-bit counters per
    // 64-bit lane (lane k counts bits k, k+8, ..., k+56), flushed before a counter can overflow.
    std::array<std::uint64_t, 64> ones{};
    std::array<std::uint64_t, 8> lanes{};
    std::size_t pending = 0;
    const auto flush = [&] {
        for (std::size_t k = 0; k < lanes.size(); ++k) {
            for (std::size_t byte = 0; byte < 8; ++byte) {
                ones[byte * 8 + k] += (lanes[k] >> (byte * 8)) & 0xFFU;
            }
            lanes[k] = 0;
        }
        pending = 0;
    };
    std::size_t shingles = 0;
    const auto vote = [&](std::uint64_t hash) {
        for (std::size_t k = 0; k < lanes.size(); ++k) {
            lanes[k] += (hash >> k) & 0x0101010101010101ULL;
        }
        ++shingles;
        if (++pending == 255) {
            flush();
        }
    };
    if (words.size() < kSimHashShingle) {
        vote(HashShingle(words, 0, words.size()));
    } else {
        for (std::size_t i = 0; i + kSimHashShingle <= words.size(); ++i) {
            vote(HashShingle(words, i, kSimHashShingle));
        }
    }
    flush();
    std::uint64_t hash = 0;
    for (std::size_t bit = 0; bit < ones.size(); ++bit) {
        if (2 * ones[bit] > shingles) {
            hash |= std::uint64_t{1} << bit;
        }
    }
    return hash;
}

int HammingDistance(std::uint64_t a, std::uint64_t b) {
    return std::popcount(a ^ b);
}

}  // namespace carelisten::nlp
