#include <nlp/analyzer.hpp>
#include <nlp/language.hpp>
#include <nlp/models.hpp>
#include <nlp/noise.hpp>
#include <nlp/normalize.hpp>
#include <nlp/sentiment.hpp>
#include <nlp/urgency.hpp>

namespace carelisten::nlp {

Result<Analyzer> Analyzer::Create() {
    auto models = LoadEmbeddedModels();
    if (!models) {
        return models.error();
    }
    return Analyzer(std::move(models).value());
}

Analysis Analyzer::Analyze(const AnalysisInput& input) const {
    const Models& models = *models_;
    const NormalizedText text = Normalize(input.text);

    Analysis analysis;
    analysis.analyzer_version = models.version;
    analysis.input_repaired = text.repaired;

    LanguageGuess language = DetectLanguage(text, input.language_hint);
    analysis.language = std::move(language.code);

    analysis.noise = DetectNoise(models.lexicon, text, input.channel);

    if (language.scorable) {
        analysis.sentiment = ScoreSentiment(models.lexicon, text, input.question);
    } else {
        analysis.sentiment.scored = false;
        analysis.sentiment.label = SentimentLabel::kNeutral;
        analysis.sentiment.score = 0.0;
    }

    // Categories come with the next slice; an empty list is the honest answer until then.
    analysis.red_flags = models.red_flags.Find(text);
    analysis.urgency = UrgencyFor(analysis.red_flags, analysis.sentiment);
    return analysis;
}

std::string_view Analyzer::Version() const {
    return models_->version;
}

}  // namespace carelisten::nlp
