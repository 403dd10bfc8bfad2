#include <unicode/uversion.h>

#include <cstdio>
#include <nlp/errc.hpp>
#include <nlp/models.hpp>
#include <string>

#include "embedded_data.hpp"
#include "learned_embedded.hpp"

namespace carelisten::nlp {
namespace {

constexpr std::uint64_t kFnvOffsetBasis = 14695981039346656037ULL;
constexpr std::uint64_t kFnvPrime = 1099511628211ULL;

}  // namespace

std::uint64_t Fnv1a64(std::string_view bytes) {
    std::uint64_t hash = kFnvOffsetBasis;
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= kFnvPrime;
    }
    return hash;
}

std::string MakeVersion(std::string_view lexicon_tsv) {
    char hash[17];
    std::snprintf(hash, sizeof(hash), "%016llx", static_cast<unsigned long long>(Fnv1a64(lexicon_tsv)));
    UVersionInfo icu{};
    u_getVersion(icu);
    std::string version = "nlp-";
    version += kCodeVersion;
    version += "+lex.";
    version.append(hash, 8);
    version += ".lm.";
    std::uint64_t learned = Fnv1a64(EmbeddedSentimentModel());
    learned ^= Fnv1a64(EmbeddedCategoriesModel()) * kFnvPrime;
    learned ^= Fnv1a64(EmbeddedSpamModel()) * kFnvPrime * kFnvPrime;
    std::snprintf(hash, sizeof(hash), "%016llx", static_cast<unsigned long long>(learned));
    version.append(hash, 8);
    version += ".icu";
    version += std::to_string(icu[0]);
    return version;
}

std::string_view EmbeddedLexiconTsv() {
    // VADER's lexicon as published, then the patient-feedback supplement (it only adds words VADER lacks;
    // on a shared key the later line would win).
    static const std::string combined = [] {
        std::string tsv(embedded::VaderLexiconTsv());
        if (!tsv.empty() && tsv.back() != '\n') {
            tsv += '\n';
        }
        tsv += embedded::PatientLexiconTsv();
        return tsv;
    }();
    return combined;
}

std::string_view EmbeddedSentimentModel() {
    return embedded::SentimentModel();
}

std::string_view EmbeddedCategoriesModel() {
    return embedded::CategoriesModel();
}

std::string_view EmbeddedSpamModel() {
    return embedded::SpamModel();
}

Result<std::shared_ptr<const Models>> LoadModels(std::string_view lexicon_tsv) {
    auto lexicon = Lexicon::Parse(lexicon_tsv);
    if (!lexicon) {
        return lexicon.error();
    }
    auto models = std::make_shared<Models>();
    models->lexicon = std::move(lexicon).value();
    models->red_flags = RedFlagRules::Default();
    if (!EmbeddedSentimentModel().empty()) {
        auto sentiment = LinearModel::Parse(EmbeddedSentimentModel());
        if (!sentiment || sentiment.value().Kind() != OutputKind::kSoftmax || sentiment.value().Labels().size() != 3) {
            return NlpErrc::kCorruptModel;
        }
        models->sentiment_model = std::move(sentiment).value();
    }
    if (!EmbeddedCategoriesModel().empty()) {
        auto categories = LinearModel::Parse(EmbeddedCategoriesModel());
        if (!categories || categories.value().Kind() != OutputKind::kOneVsRest) {
            return NlpErrc::kCorruptModel;
        }
        models->category_model = std::move(categories).value();
    }
    if (!EmbeddedSpamModel().empty()) {
        auto spam = LinearModel::Parse(EmbeddedSpamModel());
        if (!spam || spam.value().Kind() != OutputKind::kOneVsRest || spam.value().Labels().size() != 1 ||
            spam.value().Thresholds().size() != 1) {
            return NlpErrc::kCorruptModel;
        }
        models->spam_model = std::move(spam).value();
    }
    models->version = MakeVersion(lexicon_tsv);
    return std::shared_ptr<const Models>(std::move(models));
}

Result<std::shared_ptr<const Models>> LoadEmbeddedModels() {
    return LoadModels(EmbeddedLexiconTsv());
}

}  // namespace carelisten::nlp
