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
namespace {

// SMS has its own threshold, e-mail its own (when the model has one); text of unknown origin gets the
// stricter of the two: dropping a patient's message is worse than keeping a spam.
double SpamThreshold(const LinearModel& model, Channel channel) {
    const double sms = model.Thresholds()[0];
    if (model.EmailThresholds().empty()) {
        return sms;
    }
    const double email = model.EmailThresholds()[0];
    switch (channel) {
        case Channel::kSms:
            return sms;
        case Channel::kEmail:
            return email;
        case Channel::kUnknown:
        case Channel::kSurvey:
        case Channel::kReview:
        case Channel::kSocial:
        case Channel::kForum:
            break;
    }
    return std::max(sms, email);
}

}  // namespace

Result<Analyzer> Analyzer::Create(const AnalyzerOptions& options) {
    auto models = LoadEmbeddedModels();
    if (!models) {
        return models.error();
    }
    auto configured = std::make_shared<Configured>();
    configured->watch_terms = WatchTerms::Compile(options.watch_terms);
    configured->version = models.value()->version;
    if (!configured->watch_terms.Empty()) {
        configured->version += "+watch." + configured->watch_terms.Fingerprint();
    }
    return Analyzer(std::move(models).value(), std::move(configured));
}

Analysis Analyzer::Analyze(const AnalysisInput& input) const {
    const Models& models = *models_;
    // HTML mail is read as its text; spans then point into that text, not into the markup.
    const bool html = LooksLikeHtml(input.text);
    const NormalizedText text = Normalize(html ? std::string_view(HtmlToText(input.text)) : input.text);

    Analysis analysis;
    analysis.analyzer_version = configured_->version;
    analysis.input_repaired = text.repaired;

    LanguageGuess language = DetectLanguage(text, input.language_hint);
    analysis.language = std::move(language.code);
    analysis.language_confidence = language.confidence;

    analysis.noise = DetectNoise(models.lexicon, text, input.channel, input.mail_headers);
    TextFeatures text_features(text);
    if (!models.spam_model.Empty() && SpamModelApplies(input.channel)) {
        const double spam = models.spam_model.Predict(
            text_features.Get(QuestionKind::kNone, models.spam_model.Bits(), models.spam_model.Features()))[0];
        if (spam >= SpamThreshold(models.spam_model, input.channel)) {
            analysis.noise.is_noise = true;
            analysis.noise.reasons.emplace_back(kNoiseSpam);
        }
    }

    const QuestionKind question = ClassifyQuestion(input.question);
    if (language.scorable) {
        // Hinglish is scored through its English glosses ("bahut bekar" → "very useless").
        const NormalizedText glossed = language.hinglish ? GlossHinglish(text) : NormalizedText{};
        const NormalizedText& scored = language.hinglish ? glossed : text;
        TextFeatures glossed_features(glossed);
        TextFeatures& scored_features = language.hinglish ? glossed_features : text_features;
        analysis.sentiment =
            ApplyRating(BlendSentiment(ScoreSentiment(models.lexicon, scored, input.question), models.sentiment_model,
                                       scored_features, input.channel, question),
                        input.rating);
        ScoreCategories(models.category_model, scored_features, question, analysis);
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
    if (!analysis.noise.is_noise &&
        configured_->watch_terms.IsOffTopic(text, input.channel, !analysis.red_flags.empty())) {
        analysis.noise.is_noise = true;
        analysis.noise.reasons.emplace_back(kNoiseOffTopic);
    }
    if (!analysis.noise.is_noise) {
        IntentAndTags found = DetectIntentAndTags(text, analysis.sentiment, question);
        analysis.intent = found.intent;
        // Four or five stars: the writer is satisfied overall, so a grumble ("but the parking") is not a
        // complaint for patient relations; it stays visible through its tags and categories.
        if (analysis.intent == Intent::kComplaint && input.rating.has_value() && *input.rating >= 4 &&
            *input.rating <= 5 && analysis.sentiment.label == SentimentLabel::kPositive) {
            analysis.intent = Intent::kCompliment;
        }
        analysis.tags = std::move(found.tags);
    }
    analysis.personal_data = FindPersonalData(text);
    const std::vector<std::string_view> similarity_words = SimHashWords(text);
    analysis.similarity_hash = SimHashOfWords(similarity_words);
    analysis.similarity_words = static_cast<std::uint32_t>(similarity_words.size());
    return analysis;
}

std::string_view Analyzer::Version() const {
    return configured_->version;
}

}  // namespace carelisten::nlp
