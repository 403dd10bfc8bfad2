// libFuzzer target: the whole analyzer on arbitrary bytes, on every channel, with and without a survey
// question. Checks the invariants every caller relies on: no crash, a score in [-1, 1], spans inside the
// analyzed text, and the same answer twice (determinism).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlp/analyzer.hpp>

namespace {

const carelisten::nlp::Analyzer& SharedAnalyzer() {
    static const auto analyzer = carelisten::nlp::Analyzer::Create();
    if (!analyzer) {
        std::abort();
    }
    return analyzer.value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carelisten::nlp;
    if (size == 0) {
        return 0;
    }
    const auto channel = static_cast<Channel>(data[0] % 7);
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::string_view question = (data[0] & 0x80) != 0 ? "What could we do better?" : "";
    const AnalysisInput input{.text = text, .channel = channel, .question = question};
    const Analysis first = SharedAnalyzer().Analyze(input);
    if (first.sentiment.score < -1.0 || first.sentiment.score > 1.0) {
        std::abort();
    }
    const Analysis second = SharedAnalyzer().Analyze(input);
    if (second.sentiment.score != first.sentiment.score || second.red_flags != first.red_flags ||
        second.similarity_hash != first.similarity_hash || second.categories != first.categories) {
        std::abort();
    }
    return 0;
}
