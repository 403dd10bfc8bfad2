#include <charconv>
#include <cmath>
#include <nlp/errc.hpp>
#include <nlp/lexicon.hpp>
#include <nlp/normalize.hpp>

namespace carelisten::nlp {

Result<Lexicon> Lexicon::Parse(std::string_view tsv) {
    Lexicon lexicon;
    while (!tsv.empty()) {
        const std::size_t newline = tsv.find('\n');
        std::string_view line = tsv.substr(0, newline);
        tsv = (newline == std::string_view::npos) ? std::string_view{} : tsv.substr(newline + 1);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty()) {
            continue;
        }
        const std::size_t tab = line.find('\t');
        if (tab == 0 || tab == std::string_view::npos) {
            return NlpErrc::kCorruptModel;
        }
        const std::string_view value_text = line.substr(tab + 1);
        double value = 0.0;
        const auto [end, error] = std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
        if (error != std::errc{} || end != value_text.data() + value_text.size() || !std::isfinite(value) ||
            std::fabs(value) > kMaxValence) {
            return NlpErrc::kCorruptModel;
        }
        std::string key = FoldForLookup(line.substr(0, tab));
        if (key.empty()) {
            return NlpErrc::kCorruptModel;
        }
        lexicon.valences_.insert_or_assign(std::move(key), value);
    }
    if (lexicon.valences_.empty()) {
        return NlpErrc::kCorruptModel;
    }
    for (const auto& [key, valence] : lexicon.valences_) {
        if (const std::size_t space = key.find(' '); space != std::string::npos && space > 0) {
            lexicon.phrase_starts_.insert(key.substr(0, space));
        }
    }
    return lexicon;
}

std::optional<double> Lexicon::Find(std::string_view folded) const {
    const auto it = valences_.find(folded);
    if (it == valences_.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::optional<double> Lexicon::Find(const PrehashedWord& word) const {
    const auto it = valences_.find(word);
    if (it == valences_.end()) {
        return std::nullopt;
    }
    return it->second;
}

}  // namespace carelisten::nlp
