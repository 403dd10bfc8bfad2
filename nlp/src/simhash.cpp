#include <array>
#include <bit>
#include <nlp/simhash.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace carelisten::nlp {
namespace {

/// FNV-1a 64 followed by the splitmix64 finalizer, so short shingles spread over all 64 bits.
std::uint64_t HashFeature(std::string_view bytes) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    hash ^= hash >> 30;
    hash *= 0xbf58476d1ce4e5b9ULL;
    hash ^= hash >> 27;
    hash *= 0x94d049bb133111ebULL;
    hash ^= hash >> 31;
    return hash;
}

}  // namespace

std::uint64_t SimHash(const NormalizedText& text) {
    std::vector<std::string_view> words;
    words.reserve(text.tokens.size());
    for (const Token& token : text.tokens) {
        if (token.kind != TokenKind::kSymbol || !token.text.empty()) {
            words.emplace_back(token.text);
        }
    }
    if (words.empty()) {
        return 0;
    }
    std::array<std::int64_t, 64> votes{};
    const auto vote = [&](std::string_view feature) {
        const std::uint64_t hash = HashFeature(feature);
        for (std::size_t bit = 0; bit < votes.size(); ++bit) {
            votes[bit] += ((hash >> bit) & 1U) != 0 ? 1 : -1;
        }
    };
    if (words.size() < kSimHashShingle) {
        std::string feature;
        for (const std::string_view word : words) {
            feature.append(word).push_back(' ');
        }
        vote(feature);
    } else {
        std::string feature;
        for (std::size_t i = 0; i + kSimHashShingle <= words.size(); ++i) {
            feature.clear();
            for (std::size_t k = 0; k < kSimHashShingle; ++k) {
                feature.append(words[i + k]).push_back(' ');
            }
            vote(feature);
        }
    }
    std::uint64_t hash = 0;
    for (std::size_t bit = 0; bit < votes.size(); ++bit) {
        if (votes[bit] > 0) {
            hash |= std::uint64_t{1} << bit;
        }
    }
    return hash;
}

int HammingDistance(std::uint64_t a, std::uint64_t b) {
    return std::popcount(a ^ b);
}

}  // namespace carelisten::nlp
