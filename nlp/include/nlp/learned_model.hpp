/// @file
/// @brief Learned text classifiers: hashed word unigram/bigram features (plus the survey question type),
/// a linear model (softmax over classes, or independent one-vs-rest sigmoids), deterministic AdaGrad
/// training on in-memory examples, and a compact versioned binary serialization. Pure: no I/O.
#pragma once

#include <common/result.hpp>
#include <cstdint>
#include <nlp/analysis.hpp>
#include <nlp/normalize.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace carelisten::nlp {

/// What a survey question asks, as far as the classifier cares.
enum class QuestionKind { kNone, kWhatWasGood, kWhatToImprove, kOther };

/// kNone for an empty question; kWhatToImprove for "What could we do better?"-style questions;
/// kWhatWasGood for "What was good?"-style questions; kOther otherwise.
QuestionKind ClassifyQuestion(std::string_view question);

/// Feature hashing width: 2^18 buckets.
inline constexpr std::uint32_t kDefaultFeatureBits = 18;

/// Which features a model reads. kWords: a bias-like question feature, word unigrams, bigrams (within a
/// clause) and question-conjoined unigrams. kWordsAndPrefixes adds, for each word longer than
/// kPrefixLength bytes, its first kPrefixLength bytes: a crude stem ("waiting", "waited", "waits" share
/// "wait") that helps the category model on words it saw in few inflections. The length (4, against 5 and
/// 6) was chosen by the validation macro-F1 that `carelisten train` logs, never on the held-out split.
/// The values are flags: kCharNgramsFlag adds each word's character n-grams (kCharNgramLength bytes, the word
/// bounded by '<' and '>'), kShapesFlag the spam model's typed-token shapes (digit counts of numbers, shapes
/// of words with digits, currency signs, capitals and length buckets), kConceptsFlag the HCAT categories'
/// vocabulary ("k=<category>"), kThemesFlag a finer one, a concept per NHS framework theme ("t=<theme>").
enum class FeatureSet : std::uint8_t {
    kWords = 0,
    kWordsAndPrefixes = 1,
    kCharNgramsFlag = 2,
    kShapesFlag = 4,
    kConceptsFlag = 8,
    kThemesFlag = 16,
};
inline constexpr std::uint8_t kMaxFeatureSet = 31;
inline constexpr std::size_t kPrefixLength = 4;
inline constexpr std::size_t kCharNgramLength = 4;
inline constexpr std::size_t kMaxCharNgramWord = 24;
constexpr FeatureSet operator|(FeatureSet a, FeatureSet b) {
    return static_cast<FeatureSet>(static_cast<std::uint8_t>(a) | static_cast<std::uint8_t>(b));
}

/// The hashed features of a text answering a question of the given kind. Sorted, unique.
std::vector<std::uint32_t> ExtractFeatures(const NormalizedText& text, QuestionKind question,
                                           std::uint32_t bits = kDefaultFeatureBits,
                                           FeatureSet set = FeatureSet::kWords);

/// ExtractFeatures() of one text, computed at most once per (question kind, width): the spam, sentiment
/// and category models share them. Lifecycle: lives for one analysis and refers to `text`, which must
/// outlive it. Thread-safety: none (one per analysis).
class TextFeatures {
public:
    explicit TextFeatures(const NormalizedText& text) : text_(text) {}
    const std::vector<std::uint32_t>& Get(QuestionKind question, std::uint32_t bits,
                                          FeatureSet set = FeatureSet::kWords);
    const NormalizedText& Text() const { return text_; }

private:
    struct Entry {
        QuestionKind question;
        std::uint32_t bits;
        FeatureSet set;
        std::vector<std::uint32_t> features;
    };
    const NormalizedText& text_;
    std::vector<Entry> entries_;
};

/// kSoftmax: exactly one label per text (sentiment). kOneVsRest: each label independently (categories).
enum class OutputKind : std::uint8_t { kSoftmax = 0, kOneVsRest = 1 };

/// A linear model over hashed binary features. Immutable after training or parsing; thread-safe reads.
class LinearModel {
public:
    LinearModel() = default;
    LinearModel(OutputKind kind, std::uint32_t bits, std::vector<std::string> labels);

    /// Parses Serialize()'s bytes. Fails with NlpErrc::kCorruptModel.
    static Result<LinearModel> Parse(std::string_view bytes);
    /// "CLLM", format version, kind, [v2, v3: feature set,] bits, labels, thresholds, [v3: e-mail thresholds,]
    /// biases, then the non-zero weight rows. kWords models are written as version 1 (byte-identical to
    /// before feature sets existed), models with e-mail thresholds as version 3, the others as version 2.
    std::string Serialize() const;

    /// Per-label probabilities (summing to 1 for kSoftmax), in Labels() order.
    std::vector<double> Predict(const std::vector<std::uint32_t>& features) const;

    bool Empty() const { return labels_.empty(); }
    OutputKind Kind() const { return kind_; }
    std::uint32_t Bits() const { return bits_; }
    FeatureSet Features() const { return features_; }
    void SetFeatures(FeatureSet set) { features_ = set; }
    const std::vector<std::string>& Labels() const { return labels_; }
    /// For kOneVsRest: a label applies when its probability is at or above its threshold.
    const std::vector<double>& Thresholds() const { return thresholds_; }
    void SetThresholds(std::vector<double> thresholds) { thresholds_ = std::move(thresholds); }
    /// Thresholds for e-mail text (the spam model: e-mail ham scores higher than SMS ham, so each channel
    /// has its own); empty when e-mail uses Thresholds(). Otherwise one per label.
    const std::vector<double>& EmailThresholds() const { return email_thresholds_; }
    void SetEmailThresholds(std::vector<double> thresholds) { email_thresholds_ = std::move(thresholds); }

    /// Mutable access for training.
    std::vector<float>& Weights() { return weights_; }
    std::vector<float>& Biases() { return biases_; }

    friend bool operator==(const LinearModel&, const LinearModel&) = default;

private:
    OutputKind kind_ = OutputKind::kSoftmax;
    std::uint32_t bits_ = kDefaultFeatureBits;
    FeatureSet features_ = FeatureSet::kWords;
    std::vector<std::string> labels_;
    std::vector<double> thresholds_;
    std::vector<double> email_thresholds_;
    std::vector<float> biases_;
    std::vector<float> weights_;  ///< bucket-major: weights_[bucket * labels + label]
};

/// One labelled text. `targets` has one entry per label: 1 when it applies (kSoftmax: exactly one 1).
/// kOneVsRest: kUnknownTarget marks a label the example says nothing about (no gradient for it).
inline constexpr std::uint8_t kUnknownTarget = 2;
struct TrainingExample {
    std::string text;
    std::string question;
    std::vector<std::uint8_t> targets;
    double weight = 1.0;  ///< scales the example's gradient
};

struct TrainingOptions {
    OutputKind kind = OutputKind::kSoftmax;
    std::vector<std::string> labels;
    std::uint32_t bits = kDefaultFeatureBits;
    FeatureSet features = FeatureSet::kWords;
    std::uint32_t epochs = 8;
    double learning_rate = 0.3;
    std::uint32_t min_document_frequency = 2;  ///< rarer features get no weight (keeps the model small)
    std::uint64_t seed = 20240601;
    /// kOneVsRest: each label's positive examples weigh (negatives / positives)^power (0: all weigh 1).
    double positive_weight_power = 0.0;
    /// > 0: each feature's input is its naive Bayes log-count ratio for the label, smoothed by this count
    /// (NB-LR, after Wang & Manning 2012's NBSVM); the model stores the scaled weights, so Predict is unchanged.
    double nb_smoothing = 0.0;
    /// With nb_smoothing: the model's scores are (1 − nb_mix)·plain + nb_mix·NB-scaled, both trained on the
    /// same examples; an average of two linear models' scores is one linear model (averaged weights).
    double nb_mix = 1.0;
};

/// Deterministic AdaGrad training (fixed seed, fixed epochs, own PRNG): the same examples and options
/// give the same model, bit for bit.
LinearModel TrainLinearModel(const std::vector<TrainingExample>& examples, const TrainingOptions& options);

/// For a kOneVsRest model: per label, the threshold in {0.25, 0.30, …, 0.90} that maximizes F1 on the
/// validation examples (0.5 when the label occurs there fewer than 5 times). When `f1s` is given it
/// receives each label's validation F1 at its threshold.
std::vector<double> ChooseThresholds(const LinearModel& model, const std::vector<TrainingExample>& validation,
                                     std::vector<double>* f1s = nullptr);
/// The same from the examples' predicted probabilities (`probabilities[i]` for `validation[i]`, `width`
/// labels each), e.g. out-of-fold predictions of cross-validation; the grid starts at 0.05 × `first_step`.
std::vector<double> ChooseThresholds(const std::vector<std::vector<double>>& probabilities,
                                     const std::vector<TrainingExample>& validation, std::size_t width,
                                     std::vector<double>* f1s = nullptr, int first_step = 5);

/// The sentiment model's labels, in order.
inline constexpr std::string_view kSentimentLabels[] = {"negative", "neutral", "positive"};
/// The seven HCAT categories, in the category model's order.
inline constexpr std::string_view kHcatCategories[] = {
    "quality", "safety", "environment", "institutional_processes", "listening", "communication", "respect"};

/// Weight of the learned model in the blended sentiment score: high for survey answers and reviews (the
/// domain it was trained on), low for social media, where the lexicon is the more robust.
double LearnedSentimentWeight(Channel channel, QuestionKind question);

/// Blends the lexicon sentiment with the learned model's (p(positive) − p(negative)), for scored text:
/// score = (1 − w)·lexicon + w·learned, label by the lexicon thresholds. Deterministic; in [-1, 1].
Sentiment BlendSentiment(const Sentiment& lexicon, const LinearModel& model, const NormalizedText& text,
                         Channel channel, QuestionKind question);
/// The same, reusing features already extracted for the text.
Sentiment BlendSentiment(const Sentiment& lexicon, const LinearModel& model, TextFeatures& features, Channel channel,
                         QuestionKind question);

/// The category score a definition rule gives: `safety` when a word starts with "safe" or "unsafe" (safe,
/// safely, safety, safeguarding, unsafe: the words of its two NHS themes, "Feeling safe" and "Safeguarding
/// concerns"). About a dozen training comments carry the category, too few for the linear model to learn it.
inline constexpr double kCategoryRuleScore = 0.9;

/// Raises the probabilities (model order, `labels`) of the categories whose definition rule the text meets
/// to at least kCategoryRuleScore. Applied by ScoreCategories and by `carelisten train` before it chooses
/// the thresholds.
void ApplyCategoryRules(const NormalizedText& text, const std::vector<std::string>& labels,
                        std::vector<double>& probabilities);

/// Fills analysis.category_scores (every label, model order) and analysis.categories (at or above the
/// threshold, sorted).
void ScoreCategories(const LinearModel& model, const NormalizedText& text, QuestionKind question, Analysis& analysis);
/// The same, reusing features already extracted for the text.
void ScoreCategories(const LinearModel& model, TextFeatures& features, QuestionKind question, Analysis& analysis);

}  // namespace carelisten::nlp
