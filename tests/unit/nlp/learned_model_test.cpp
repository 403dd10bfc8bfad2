#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <nlp/analyzer.hpp>
#include <nlp/errc.hpp>
#include <nlp/learned_model.hpp>
#include <nlp/models.hpp>
#include <string>
#include <vector>

namespace carelisten::nlp {
namespace {

constexpr std::uint32_t kTinyBits = 10;

std::vector<TrainingExample> TinySentimentFixture() {
    auto example = [](std::string text, std::string question, std::uint8_t negative, std::uint8_t neutral,
                      std::uint8_t positive) {
        return TrainingExample{std::move(text), std::move(question), {negative, neutral, positive}};
    };
    return {
        example("The staff were lovely and kind", "What was good?", 0, 0, 1),
        example("Lovely kind nurses", "What was good?", 0, 0, 1),
        example("Kind and caring staff", "What was good?", 0, 0, 1),
        example("Waiting time too long", "What could we do better?", 1, 0, 0),
        example("The waiting time was too long", "What could we do better?", 1, 0, 0),
        example("More staff needed, waiting too long", "What could we do better?", 1, 0, 0),
        example("It was ok", "", 0, 1, 0),
        example("ok I suppose", "", 0, 1, 0),
    };
}

TrainingOptions TinyOptions() {
    TrainingOptions options;
    options.kind = OutputKind::kSoftmax;
    options.labels = {"negative", "neutral", "positive"};
    options.bits = kTinyBits;
    options.epochs = 10;
    options.min_document_frequency = 1;
    return options;
}

// Six copies each of an environment comment, a respect comment and one with neither (one-vs-rest).
std::vector<TrainingExample> TinyCategoryFixture() {
    std::vector<TrainingExample> examples;
    for (int i = 0; i < 6; ++i) {
        examples.push_back({"the car park was full", "", {1, 0}});
        examples.push_back({"the nurse was rude", "", {0, 1}});
        examples.push_back({"thank you", "", {0, 0}});
    }
    return examples;
}

TrainingOptions TinyCategoryOptions() {
    TrainingOptions options;
    options.kind = OutputKind::kOneVsRest;
    options.labels = {"environment", "respect"};
    options.bits = kTinyBits;
    options.min_document_frequency = 1;
    return options;
}

std::vector<std::uint32_t> Features(std::string_view text, std::string_view question, std::uint32_t bits) {
    return ExtractFeatures(Normalize(text), ClassifyQuestion(question), bits);
}

TEST(LearnedModel, QuestionKinds) {
    EXPECT_EQ(ClassifyQuestion(""), QuestionKind::kNone);
    EXPECT_EQ(ClassifyQuestion("What could we do better?"), QuestionKind::kWhatToImprove);
    EXPECT_EQ(ClassifyQuestion("What was good?"), QuestionKind::kWhatWasGood);
    EXPECT_EQ(ClassifyQuestion("Trust A - Q1"), QuestionKind::kOther);
}

TEST(LearnedModel, FeaturesAreSortedUniqueAndDependOnTheQuestion) {
    const auto features = Features("staff staff were kind", "What was good?", kDefaultFeatureBits);
    ASSERT_FALSE(features.empty());
    EXPECT_TRUE(std::is_sorted(features.begin(), features.end()));
    EXPECT_EQ(std::adjacent_find(features.begin(), features.end()), features.end());
    for (const std::uint32_t feature : features) {
        EXPECT_LT(feature, 1U << kDefaultFeatureBits);
    }
    EXPECT_NE(features, Features("staff staff were kind", "What could we do better?", kDefaultFeatureBits));
}

TEST(LearnedModel, TrainingIsDeterministicAndLearnsTheFixture) {
    const auto fixture = TinySentimentFixture();
    const LinearModel first = TrainLinearModel(fixture, TinyOptions());
    const LinearModel second = TrainLinearModel(fixture, TinyOptions());
    EXPECT_EQ(first, second);
    EXPECT_EQ(first.Serialize(), second.Serialize());

    const auto positive = first.Predict(Features("lovely kind staff", "What was good?", kTinyBits));
    ASSERT_EQ(positive.size(), 3U);
    EXPECT_GT(positive[2], positive[0]);
    EXPECT_NEAR(positive[0] + positive[1] + positive[2], 1.0, 1e-9);
    const auto negative = first.Predict(Features("waiting too long", "What could we do better?", kTinyBits));
    EXPECT_GT(negative[0], negative[2]);

    TrainingOptions reseeded = TinyOptions();
    reseeded.seed = 7;
    EXPECT_NE(TrainLinearModel(fixture, reseeded).Serialize(), first.Serialize());
}

TEST(LearnedModel, SerializationRoundTrips) {
    LinearModel model = TrainLinearModel(TinySentimentFixture(), TinyOptions());
    model.SetThresholds({0.25, 0.5, 0.75});
    const std::string bytes = model.Serialize();
    ASSERT_EQ(bytes.substr(0, 4), "CLLM");
    const auto parsed = LinearModel::Parse(bytes);
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(parsed.value(), model);
    EXPECT_EQ(parsed.value().Serialize(), bytes);
    const auto features = Features("lovely staff", "", kTinyBits);
    EXPECT_EQ(parsed.value().Predict(features), model.Predict(features));
}

TEST(LearnedModel, PrefixFeatureSetAddsWordPrefixesAndRoundTripsAsFormatTwo) {
    const NormalizedText text = Normalize("waiting");
    const auto words = ExtractFeatures(text, QuestionKind::kNone, kTinyBits, FeatureSet::kWords);
    const auto prefixes = ExtractFeatures(text, QuestionKind::kNone, kTinyBits, FeatureSet::kWordsAndPrefixes);
    EXPECT_EQ(prefixes.size(), words.size() + 1);  // "wait"
    EXPECT_TRUE(std::includes(prefixes.begin(), prefixes.end(), words.begin(), words.end()));
    // "waited" shares the prefix feature with "waiting" and nothing else
    const auto waited =
        ExtractFeatures(Normalize("waited"), QuestionKind::kNone, kTinyBits, FeatureSet::kWordsAndPrefixes);
    std::vector<std::uint32_t> shared;
    std::set_intersection(prefixes.begin(), prefixes.end(), waited.begin(), waited.end(), std::back_inserter(shared));
    EXPECT_EQ(shared.size(), 2U);  // the question feature and "p=wait"
    // Short words have no prefix feature of their own.
    EXPECT_EQ(ExtractFeatures(Normalize("wait"), QuestionKind::kNone, kTinyBits, FeatureSet::kWordsAndPrefixes),
              ExtractFeatures(Normalize("wait"), QuestionKind::kNone, kTinyBits, FeatureSet::kWords));

    // Words sharing a prefix give it once; TextFeatures (which reuses the word features) gives the same.
    const NormalizedText two = Normalize("waiting and waited, then waiting again");
    const auto both = ExtractFeatures(two, QuestionKind::kOther, kTinyBits, FeatureSet::kWordsAndPrefixes);
    EXPECT_TRUE(std::is_sorted(both.begin(), both.end()));
    EXPECT_EQ(std::adjacent_find(both.begin(), both.end()), both.end());
    TextFeatures cached(two);
    EXPECT_EQ(cached.Get(QuestionKind::kOther, kTinyBits), ExtractFeatures(two, QuestionKind::kOther, kTinyBits));
    EXPECT_EQ(cached.Get(QuestionKind::kOther, kTinyBits, FeatureSet::kWordsAndPrefixes), both);

    TrainingOptions options = TinyOptions();
    options.features = FeatureSet::kWordsAndPrefixes;
    const LinearModel model = TrainLinearModel(TinySentimentFixture(), options);
    EXPECT_EQ(model.Features(), FeatureSet::kWordsAndPrefixes);
    const std::string bytes = model.Serialize();
    EXPECT_EQ(bytes[4], 2);  // format version 2 names the feature set
    const auto parsed = LinearModel::Parse(bytes);
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(parsed.value(), model);
    EXPECT_EQ(TrainLinearModel(TinySentimentFixture(), TinyOptions()).Serialize()[4], 1);  // word models stay v1
}

TEST(LearnedModel, FlagFeatureSetsAddConceptsCharNgramsAndShapes) {
    const auto extract = [](std::string_view text, FeatureSet set) {
        return ExtractFeatures(Normalize(text), QuestionKind::kNone, kDefaultFeatureBits, set);
    };
    const auto words_only = [&](std::string_view text) { return extract(text, FeatureSet::kWords); };
    const auto extra = [&](std::string_view text, FeatureSet set) {
        const auto all = extract(text, set);
        const auto words = words_only(text);
        EXPECT_TRUE(std::includes(all.begin(), all.end(), words.begin(), words.end())) << text;
        EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
        EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
        return all.size() - words.size();
    };
    // Concepts: "parking" (environment) and "waiting" (process) each add k=; two environment words add k2=.
    EXPECT_EQ(extra("parking", FeatureSet::kConceptsFlag), 1U);
    EXPECT_EQ(extra("parking waiting", FeatureSet::kConceptsFlag), 2U);
    EXPECT_EQ(extra("parking and food", FeatureSet::kConceptsFlag), 2U);
    EXPECT_EQ(extra("hello there", FeatureSet::kConceptsFlag), 0U);
    // Different words of one concept share its feature.
    const auto toilet = extract("toilet", FeatureSet::kConceptsFlag);
    const auto meals = extract("meals", FeatureSet::kConceptsFlag);
    std::vector<std::uint32_t> shared;
    std::set_intersection(toilet.begin(), toilet.end(), meals.begin(), meals.end(), std::back_inserter(shared));
    EXPECT_EQ(shared.size(), 2U);  // the question feature and "k=environment"
    // Themes: one t= per NHS theme whose stems a word starts ("pain" → pain; "tablets" → medication), however
    // many words match it; "care" is no parking word.
    EXPECT_EQ(extra("pain", FeatureSet::kThemesFlag), 1U);
    EXPECT_EQ(extra("pain and more pain", FeatureSet::kThemesFlag), 1U);
    EXPECT_EQ(extra("pain tablets", FeatureSet::kThemesFlag), 2U);
    EXPECT_EQ(extra("hello there", FeatureSet::kThemesFlag), 0U);
    EXPECT_EQ(extra("the care", FeatureSet::kThemesFlag), 0U);
    EXPECT_NE(extract("pain", FeatureSet::kThemesFlag), extract("pain", FeatureSet::kConceptsFlag));
    // Character 4-grams of "<wait>": "<wai", "wait", "ait>".
    EXPECT_EQ(extra("wait", FeatureSet::kCharNgramsFlag), 3U);
    // Shapes: digit counts, words with digits, currency, capitals and length; a phone number and a short code
    // differ.
    EXPECT_GT(extra("Win \xC2\xA3"
                    "1000 now, call 09061701461 or text WIN to 87121 150ppm",
                    FeatureSet::kShapesFlag),
              5U);
    EXPECT_NE(extract("call 09061701461", FeatureSet::kShapesFlag), extract("call 87121", FeatureSet::kShapesFlag));
    EXPECT_NE(extract("win 1000", FeatureSet::kShapesFlag), extract("win \xC2\xA3"
                                                                    "1000",
                                                                    FeatureSet::kShapesFlag));
    // TextFeatures gives the same as ExtractFeatures for every set.
    const NormalizedText text = Normalize(
        "Waiting 3 hours for the parking, \xC2\xA3"
        "5 a day");
    TextFeatures cached(text);
    for (const FeatureSet set : {FeatureSet::kWordsAndPrefixes | FeatureSet::kConceptsFlag, FeatureSet::kShapesFlag,
                                 FeatureSet::kCharNgramsFlag,
                                 FeatureSet::kWordsAndPrefixes | FeatureSet::kConceptsFlag | FeatureSet::kThemesFlag}) {
        EXPECT_EQ(cached.Get(QuestionKind::kNone, kDefaultFeatureBits, set),
                  ExtractFeatures(text, QuestionKind::kNone, kDefaultFeatureBits, set));
    }
}

TEST(LearnedModel, UnknownTargetsAndPositiveWeights) {
    std::vector<TrainingExample> examples;
    for (int i = 0; i < 6; ++i) {
        examples.push_back({"the car park was full", "", {1, 0}});
        examples.push_back({"thank you", "", {0, 0}});
    }
    TrainingOptions options;
    options.kind = OutputKind::kOneVsRest;
    options.labels = {"environment", "respect"};
    options.bits = kTinyBits;
    options.min_document_frequency = 1;
    // Examples that say nothing about "respect" leave it untrained: its weights stay zero.
    std::vector<TrainingExample> unknown = examples;
    for (TrainingExample& example : unknown) {
        example.targets[1] = kUnknownTarget;
    }
    const LinearModel untrained = TrainLinearModel(unknown, options);
    EXPECT_DOUBLE_EQ(untrained.Predict(ExtractFeatures(Normalize("the car park"), QuestionKind::kNone, kTinyBits))[1],
                     0.5);
    // Weighting a rare label's positives raises its scores.
    examples.resize(8);  // 4 positives of "environment", 4 negatives
    for (int i = 0; i < 8; ++i) {
        examples.push_back({"thank you so much", "", {0, 0}});
    }
    const auto features = ExtractFeatures(Normalize("car park"), QuestionKind::kNone, kTinyBits);
    const double plain = TrainLinearModel(examples, options).Predict(features)[0];
    options.positive_weight_power = 1.0;
    EXPECT_GT(TrainLinearModel(examples, options).Predict(features)[0], plain);
}

TEST(LearnedModel, NaiveBayesScalingLearnsAndMixesIntoOneLinearModel) {
    const std::vector<TrainingExample> examples = TinyCategoryFixture();
    TrainingOptions options = TinyCategoryOptions();
    options.nb_smoothing = 1.0;
    const LinearModel scaled = TrainLinearModel(examples, options);
    EXPECT_EQ(scaled, TrainLinearModel(examples, options));  // deterministic
    const auto park = ExtractFeatures(Normalize("car park full"), QuestionKind::kNone, kTinyBits);
    const auto rude = ExtractFeatures(Normalize("rude nurse"), QuestionKind::kNone, kTinyBits);
    EXPECT_GT(scaled.Predict(park)[0], 0.5);
    EXPECT_LT(scaled.Predict(park)[1], 0.5);
    EXPECT_GT(scaled.Predict(rude)[1], 0.5);
    EXPECT_LT(scaled.Predict(rude)[0], 0.5);

    // nb_mix 0.5: the scores (logits) are the average of the plain and the scaled model's, in one model.
    TrainingOptions plain_options = options;
    plain_options.nb_smoothing = 0.0;
    const LinearModel plain = TrainLinearModel(examples, plain_options);
    options.nb_mix = 0.5;
    const LinearModel mixed = TrainLinearModel(examples, options);
    const auto logit = [](double p) { return std::log(p / (1.0 - p)); };
    for (const auto& features : {park, rude}) {
        for (std::size_t label = 0; label < 2; ++label) {
            EXPECT_NEAR(logit(mixed.Predict(features)[label]),
                        0.5 * logit(plain.Predict(features)[label]) + 0.5 * logit(scaled.Predict(features)[label]),
                        1e-4);
        }
    }
}

TEST(LearnedModel, EmailThresholdsRoundTripAsFormatThree) {
    TrainingOptions options;
    options.kind = OutputKind::kOneVsRest;
    options.labels = {"spam"};
    options.bits = kTinyBits;
    options.min_document_frequency = 1;
    options.features = FeatureSet::kShapesFlag;
    LinearModel model =
        TrainLinearModel({{"win a prize call 09061701461", "", {1}}, {"see you at 5", "", {0}}}, options);
    model.SetThresholds({0.2});
    EXPECT_EQ(model.Serialize()[4], 2);
    model.SetEmailThresholds({0.4});
    const std::string bytes = model.Serialize();
    EXPECT_EQ(bytes[4], 3);
    const auto parsed = LinearModel::Parse(bytes);
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(parsed.value(), model);
    EXPECT_EQ(parsed.value().EmailThresholds(), std::vector<double>{0.4});
    EXPECT_EQ(LinearModel::Parse(bytes.substr(0, bytes.size() - 1)).error(), NlpErrc::kCorruptModel);
}

TEST(LearnedModel, LongTextFeaturesAreSortedAndUniqueThroughTheRadixSort) {
    std::string text;
    for (int i = 0; i < 400; ++i) {  // 400 distinct letter-only words ("wbaa", "wbab"...), then two fixed ones
        const int n = i * 7919 % 1000;
        text += std::string{'w', static_cast<char>('a' + n / 676), static_cast<char>('a' + n / 26 % 26),
                            static_cast<char>('a' + n % 26)} +
                " staff waited ";
    }
    const auto features = ExtractFeatures(Normalize(text), QuestionKind::kWhatToImprove, kDefaultFeatureBits);
    ASSERT_GT(features.size(), 256U);  // above the radix sort's threshold
    EXPECT_TRUE(std::is_sorted(features.begin(), features.end()));
    EXPECT_EQ(std::adjacent_find(features.begin(), features.end()), features.end());
    EXPECT_LT(features.back(), 1U << kDefaultFeatureBits);
}

TEST(LearnedModel, CorruptBytesAreRejected) {
    const std::string bytes = TrainLinearModel(TinySentimentFixture(), TinyOptions()).Serialize();
    EXPECT_EQ(LinearModel::Parse("").error(), NlpErrc::kCorruptModel);
    EXPECT_EQ(LinearModel::Parse("XLLM" + bytes.substr(4)).error(), NlpErrc::kCorruptModel);
    EXPECT_EQ(LinearModel::Parse(bytes.substr(0, bytes.size() - 1)).error(), NlpErrc::kCorruptModel);
    EXPECT_EQ(LinearModel::Parse(bytes + "x").error(), NlpErrc::kCorruptModel);
}

TEST(LearnedModel, OneVsRestThresholdsComeFromValidation) {
    const std::vector<TrainingExample> examples = TinyCategoryFixture();
    const TrainingOptions options = TinyCategoryOptions();
    const LinearModel model = TrainLinearModel(examples, options);
    std::vector<double> f1s;
    const auto thresholds = ChooseThresholds(model, examples, &f1s);
    ASSERT_EQ(thresholds.size(), 2U);
    EXPECT_DOUBLE_EQ(f1s[0], 1.0);
    EXPECT_DOUBLE_EQ(f1s[1], 1.0);
    for (const double threshold : thresholds) {
        EXPECT_GE(threshold, 0.25);
        EXPECT_LE(threshold, 0.9);
    }
}

TEST(LearnedModel, ShippedModelsAreEmbeddedAndSmall) {
    ASSERT_FALSE(EmbeddedSentimentModel().empty());
    ASSERT_FALSE(EmbeddedCategoriesModel().empty());
    EXPECT_LT(EmbeddedSentimentModel().size(), 5U * 1024 * 1024);
    EXPECT_LT(EmbeddedCategoriesModel().size(), 5U * 1024 * 1024);
    const auto models = LoadEmbeddedModels();
    ASSERT_TRUE(models) << models.error().message();
    EXPECT_EQ(models.value()->sentiment_model.Labels().size(), 3U);
    EXPECT_EQ(models.value()->category_model.Labels().size(), std::size(kHcatCategories));
}

Analysis AnalyzeSurvey(std::string_view text, std::string_view question) {
    static const auto analyzer = Analyzer::Create();
    EXPECT_TRUE(analyzer);
    AnalysisInput input;
    input.text = text;
    input.question = question;
    input.channel = Channel::kSurvey;
    return analyzer.value().Analyze(input);
}

TEST(LearnedModel, ShippedModelGetsClearSurveyAnswersRight) {
    const Analysis cut = AnalyzeSurvey("Cut the waiting time", "What could we do better?");
    EXPECT_EQ(cut.sentiment.label, SentimentLabel::kNegative) << cut.sentiment.score;
    EXPECT_NE(std::find(cut.categories.begin(), cut.categories.end(), "institutional_processes"), cut.categories.end());
    const Analysis staff = AnalyzeSurvey("More staff needed", "What could we do better?");
    EXPECT_EQ(staff.sentiment.label, SentimentLabel::kNegative) << staff.sentiment.score;
    const Analysis lovely = AnalyzeSurvey("Lovely caring staff", "What was good?");
    EXPECT_EQ(lovely.sentiment.label, SentimentLabel::kPositive) << lovely.sentiment.score;
    const Analysis nothing = AnalyzeSurvey("Nothing.", "What could we do better?");
    EXPECT_EQ(nothing.sentiment.label, SentimentLabel::kPositive) << nothing.sentiment.score;

    for (const Analysis* analysis : {&cut, &staff, &lovely, &nothing}) {
        EXPECT_GE(analysis->sentiment.score, -1.0);
        EXPECT_LE(analysis->sentiment.score, 1.0);
        ASSERT_EQ(analysis->category_scores.size(), std::size(kHcatCategories));
        for (const CategoryScore& score : analysis->category_scores) {
            EXPECT_GE(score.confidence, 0.0);
            EXPECT_LE(score.confidence, 1.0);
        }
        EXPECT_TRUE(std::is_sorted(analysis->categories.begin(), analysis->categories.end()));
    }
}

TEST(LearnedModel, SafetyRuleRaisesSafetyOnSafeWords) {
    const std::vector<std::string> labels(std::begin(kHcatCategories), std::end(kHcatCategories));
    const auto apply = [&](std::string_view text) {
        std::vector<double> probabilities(labels.size(), 0.1);
        ApplyCategoryRules(Normalize(text), labels, probabilities);
        return probabilities;
    };
    for (const std::string_view text : {"I felt safe on the ward", "Keeping me safe.", "It felt UNSAFE at night",
                                        "Safeguarding should look at cases like mine", "for my safety"}) {
        const auto probabilities = apply(text);
        EXPECT_DOUBLE_EQ(probabilities[1], kCategoryRuleScore) << text;
        EXPECT_DOUBLE_EQ(probabilities[0], 0.1) << text;  // the other categories are left alone
    }
    EXPECT_DOUBLE_EQ(apply("The food was cold")[1], 0.1);
    // A higher model score stays; labels without "safety" (the spam model) are left alone.
    std::vector<double> high(labels.size(), 0.95);
    ApplyCategoryRules(Normalize("safe"), labels, high);
    EXPECT_DOUBLE_EQ(high[1], 0.95);
    std::vector<double> spam = {0.2};
    ApplyCategoryRules(Normalize("safe"), {"spam"}, spam);
    EXPECT_DOUBLE_EQ(spam[0], 0.2);
    // The shipped analyzer: safety is among the categories of a comment about feeling safe.
    const Analysis safe = AnalyzeSurvey("I felt safe and respected.", "What was good?");
    EXPECT_NE(std::find(safe.categories.begin(), safe.categories.end(), "safety"), safe.categories.end());
}

TEST(LearnedModel, SocialMediaStaysWithTheLexicon) {
    EXPECT_LT(LearnedSentimentWeight(Channel::kSocial, QuestionKind::kNone),
              LearnedSentimentWeight(Channel::kSurvey, QuestionKind::kNone));
    AnalysisInput input;
    input.text = "I love this so much, best day ever :)";
    input.channel = Channel::kSocial;
    static const auto analyzer = Analyzer::Create();
    const Analysis analysis = analyzer.value().Analyze(input);
    EXPECT_EQ(analysis.sentiment.label, SentimentLabel::kPositive);
}

TEST(LearnedModel, AnalysisIsDeterministic) {
    const Analysis first = AnalyzeSurvey("The parking was awful and the nurse was rude", "What could we do better?");
    const Analysis second = AnalyzeSurvey("The parking was awful and the nurse was rude", "What could we do better?");
    EXPECT_EQ(first.sentiment.score, second.sentiment.score);
    EXPECT_EQ(first.categories, second.categories);
    ASSERT_EQ(first.category_scores.size(), second.category_scores.size());
    for (std::size_t i = 0; i < first.category_scores.size(); ++i) {
        EXPECT_EQ(first.category_scores[i].confidence, second.category_scores[i].confidence);
    }
}

}  // namespace
}  // namespace carelisten::nlp
