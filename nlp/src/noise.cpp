#include <algorithm>
#include <nlp/noise.hpp>

namespace carelisten::nlp {

NoiseVerdict DetectNoise(const Lexicon& lexicon, const NormalizedText& text, Channel /*channel*/) {
    const bool has_content = std::any_of(text.tokens.begin(), text.tokens.end(), [&](const Token& token) {
        return token.kind != TokenKind::kSymbol || lexicon.Contains(token.text) ||
               std::any_of(token.text.begin(), token.text.end(), [](char c) {
                   return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');  // "n/a", "1)"
               });
    });
    NoiseVerdict verdict;
    if (!has_content) {
        verdict.is_noise = true;
        verdict.reasons.emplace_back(kNoiseEmpty);
    }
    return verdict;
}

}  // namespace carelisten::nlp
