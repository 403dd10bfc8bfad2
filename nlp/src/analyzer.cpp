#include <algorithm>
#include <nlp/analyzer.hpp>
#include <nlp/html_text.hpp>
#include <nlp/intent.hpp>
#include <nlp/language.hpp>
#include <nlp/learned_model.hpp>
#include <nlp/models.hpp>
#include <nlp/noise.hpp>
#include <nlp/normalize.hpp>
#include <nlp/personal_data.hpp>
#include <nlp/sentiment.hpp>
#include <nlp/simhash.hpp>
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
    // HTML mail is read as its text; spans then point into that text, not into the markup.
    const bool html = LooksLikeHtml(input.text);
    const NormalizedText text = Normalize(html ? std::string_view(HtmlToText(input.text)) : input.text);

    Analysis analysis;
    analysis.analyzer_version = models.version;
    analysis.input_repaired = text.repaired;

    LanguageGuess language = DetectLanguage(text, input.language_hint);
    analysis.language = std::move(language.code);
    analysis.language_confidence = language.confidence;

    analysis.noise = DetectNoise(models.lexicon, text, input.channel, input.mail_headers);
    if (!models.spam_model.Empty() && SpamModelApplies(input.channel)) {
        const double spam =
            models.spam_model.Predict(ExtractFeatures(text, QuestionKind::kNone, models.spam_model.Bits()))[0];
        if (spam >= models.spam_model.Thresholds()[0]) {
            analysis.noise.is_noise = true;
            analysis.noise.reasons.emplace_back(kNoiseSpam);
        }
    }

    const QuestionKind question = ClassifyQuestion(input.question);
    if (language.scorable) {
        // Hinglish is scored through its English glosses ("bahut bekar" → "very useless").
        const NormalizedText glossed = language.hinglish ? GlossHinglish(text) : NormalizedText{};
        const NormalizedText& scored = language.hinglish ? glossed : text;
        analysis.sentiment = BlendSentiment(ScoreSentiment(models.lexicon, scored, input.question),
                                            models.sentiment_model, scored, input.channel, question);
        ScoreCategories(models.category_model, scored, question, analysis);
    } else {
        analysis.sentiment.scored = false;
        analysis.sentiment.label = SentimentLabel::kNeutral;
        analysis.sentiment.score = 0.0;
    }

    analysis.red_flag_details = models.red_flags.FindDetails(text);
    for (const RedFlag& flag : analysis.red_flag_details) {
        analysis.red_flags.push_back(flag.name);
    }
    std::sort(analysis.red_flags.begin(), analysis.red_flags.end());
    analysis.red_flags.erase(std::unique(analysis.red_flags.begin(), analysis.red_flags.end()),
                             analysis.red_flags.end());
    analysis.urgency = UrgencyFor(analysis.red_flags, analysis.sentiment);
    if (!analysis.noise.is_noise) {
        analysis.intent = DetectIntent(text, analysis.sentiment, question);
        analysis.tags = DetectTags(text);
    }
    analysis.personal_data = FindPersonalData(text);
    analysis.similarity_hash = SimHash(text);
    return analysis;
}

std::string_view Analyzer::Version() const {
    return models_->version;
}

}  // namespace carelisten::nlp
