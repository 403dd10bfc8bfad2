#include <algorithm>
#include <daemon/train_command.hpp>
#include <fstream>
#include <nlp/learned_model.hpp>
#include <nlp/models.hpp>
#include <nlp/sentiment.hpp>
#include <ostream>
#include <set>
#include <string>

namespace carelisten::daemon {
namespace {

// Chosen on the validation split (train logs the validation macro-F1): 10 epochs at 0.1 and the default
// minimum document frequency of 2 were on the plateau of a small grid (5-20 epochs, 0.03-1.0, 1-3).
constexpr std::uint32_t kCategoryEpochs = 10;
constexpr double kCategoryLearningRate = 0.1;
// Word prefixes as crude stems (FeatureSet::kWordsAndPrefixes): validation macro-F1 0.545 without them,
// 0.574 with 4-byte prefixes (0.566 with 5, 0.560 with 6); the held-out split was not looked at to choose.
// Concept features (kConceptsFlag, the categories' own vocabulary): validation macro-F1 0.558 → 0.585
// (thresholds from cross-validation of the fitting part), 5-fold out-of-fold macro-F1 0.591 → 0.614.
// Character 4-grams (kCharNgramsFlag) were no better (0.565 alone, 0.573 with concepts) and were not kept.
// Theme concepts (kThemesFlag, one per NHS theme of the HCAT table): validation macro-F1 0.585 → 0.588,
// out-of-fold 0.621 → 0.628, quality (the weakest large category) 0.536 → 0.557 and 0.504 → 0.534.
// (The safety rule, nlp::ApplyCategoryRules, then: validation 0.670, out-of-fold 0.693.)
constexpr nlp::FeatureSet kCategoryFeatures =
    nlp::FeatureSet::kWordsAndPrefixes | nlp::FeatureSet::kConceptsFlag | nlp::FeatureSet::kThemesFlag;
// NB-LR for the category and spam models (0.9.0): the average of a plain and a naive-Bayes-scaled model
// (TrainingOptions::nb_smoothing, nb_mix). Categories, validation / out-of-fold macro-F1: 0.670 / 0.693 plain;
// scaled alone at smoothing 0.1 / 0.5 / 1 / 2 / 4 (rate 0.1) 0.633 / 0.683, 0.650 / 0.697, 0.666 / 0.705,
// 0.669 / 0.706, 0.665 / 0.707; mixed half and half at smoothing 2: 0.675 / 0.702 (at 1: 0.676 / 0.702; 0.7
// scaled: 0.669 / 0.707). Out-of-fold F1 rose for all six categories with enough rows (quality 0.534 → 0.543).
// Spam, out-of-fold SMS caught at 0/2/4/6/9/12/18 of 1,937 ham dropped, of 302: plain 264/275/281/283/285/285/288,
// mixed at smoothing 2 272/277/281/285/286/287/289 (e-mail at its threshold 352 → 356 of 406); validation SMS
// 65/67 → 64/67 and e-mail 74/82 → 72/82, each with 2 and 1 ham dropped: within noise both ways. Also tried: a
// phase1-category model's predictions as category features (0.648 / 0.682), WordNet supersenses and hypernyms
// of each word (0.662 / 0.691 and 0.653 / 0.683), per-theme models combined by noisy-or (out-of-fold 0.567-0.680).
constexpr double kNaiveBayesSmoothing = 2.0;
constexpr double kNaiveBayesMix = 0.5;
// Category thresholds are chosen on out-of-fold predictions of this many folds (split by distinct text):
// every training row counts, so a rare category (safety: about a dozen rows) gets a threshold of its own.
constexpr std::uint64_t kCategoryFolds = 5;
// The spam model's rate: at 0.3 long e-mails saturate p(spam) and the ham bound pushed the threshold to
// 0.995 (validation SMS spam caught 41/67); at 0.1 it was 0.43 (58/67, e-mail 64/72); 0.03 was worse
// (measured before patient comments joined the ham; `train` logs the current figures). Now 0.05, below.
constexpr double kSpamLearningRate = 0.05;
// Typed-token shapes (FeatureSet::kShapesFlag), 0.05 and 16 epochs, chosen on 5-fold out-of-fold predictions
// of the training rows: SMS spam caught with at most 9 of 1,937 SMS ham dropped 278 → 286 of 302 (words
// alone at 0.1 and 8 epochs → shapes at 0.05 and 16); e-mail at 9 of 2,102 ham 330 → 329 of 406. Character
// 4-grams helped e-mail (338) but not SMS (268) and were not kept.
// Tried for 0.8.0 and not kept (`train` logs the ranking: spams caught at 0/2/4/6/9/12/18 ham dropped): a
// premium-rate number feature (09, 087, 084, 070), out-of-fold SMS 264/275/281/283/285 → 264/275/282/285/286
// of 302 but 283 → 282 at the chosen threshold, validation unchanged; the other field rules tried with it (a
// call to action before a long number, "to <short code>", prize words with money, STOP, "150p"-style rates,
// "free" with a call to action: 284 at 9 ham, validation 65/67 caught but 4/369 ham dropped); a separate output for
// e-mail (one-vs-rest label each, the other source's rows unknown: SMS 282 at 9); character 4-grams in that
// split model (275); models averaged over five seeds (284 at 9, validation 63/67 at its threshold); rate 0.03 with
// 24 epochs (SMS 289 at 9, e-mail 328 → 315); minimum document frequency 1; shipping the average of the five
// fold models whose out-of-fold scores set the thresholds (validation SMS 65 → 62 of 67, e-mail 74 → 70).
constexpr std::uint32_t kSpamEpochs = 16;
constexpr nlp::FeatureSet kSpamFeatures = nlp::FeatureSet::kShapesFlag;
constexpr std::uint64_t kSpamFolds = 5;

struct SpamThresholds {
    double sms;
    double email;
};

std::vector<std::string> Labels(const auto& names) {
    std::vector<std::string> labels;
    for (const std::string_view name : names) {
        labels.emplace_back(name);
    }
    return labels;
}

nlp::TrainingExample SentimentExample(const LabelledRow& row) {
    nlp::TrainingExample example{row.text, row.question, std::vector<std::uint8_t>(3, 0)};
    switch (*row.sentiment) {
        case nlp::SentimentLabel::kNegative:
            example.targets[0] = 1;
            break;
        case nlp::SentimentLabel::kNeutral:
            example.targets[1] = 1;
            break;
        case nlp::SentimentLabel::kPositive:
            example.targets[2] = 1;
            break;
    }
    return example;
}

nlp::TrainingExample CategoryExample(const LabelledRow& row) {
    nlp::TrainingExample example{row.text, row.question, {}};
    for (const std::string_view name : nlp::kHcatCategories) {
        const bool present = std::find(row.hcat->begin(), row.hcat->end(), name) != row.hcat->end();
        example.targets.push_back(present ? 1 : 0);
    }
    return example;
}

// The blend of lexicon and learned scores on the validation rows, for a range of learned-model weights
// (the model trained without them): how LearnedSentimentWeight's survey weight was chosen.
void ReportSentimentValidation(const std::vector<nlp::TrainingExample>& fit,
                               const std::vector<nlp::TrainingExample>& validation, const nlp::TrainingOptions& options,
                               std::ostream& log) {
    const auto models = nlp::LoadEmbeddedModels();
    if (!models || validation.empty()) {
        return;
    }
    const nlp::LinearModel model = nlp::TrainLinearModel(fit, options);
    constexpr double kWeights[] = {0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
    log << "sentiment validation (" << validation.size() << " rows), accuracy / negative recall by learned weight:";
    for (const double weight : kWeights) {
        std::size_t correct = 0;
        std::size_t negatives = 0;
        std::size_t negatives_found = 0;
        for (const nlp::TrainingExample& example : validation) {
            const nlp::NormalizedText text = nlp::Normalize(example.text);
            const nlp::Sentiment lexicon = nlp::ScoreSentiment(models.value()->lexicon, text, example.question);
            const auto probabilities = model.Predict(
                nlp::ExtractFeatures(text, nlp::ClassifyQuestion(example.question), model.Bits(), model.Features()));
            const double score = (1.0 - weight) * lexicon.score + weight * (probabilities[2] - probabilities[0]);
            const nlp::SentimentLabel label = nlp::LabelForScore(score);
            const std::size_t index = label == nlp::SentimentLabel::kNegative  ? 0
                                      : label == nlp::SentimentLabel::kNeutral ? 1
                                                                               : 2;
            correct += example.targets[index];
            negatives += example.targets[0];
            negatives_found += (example.targets[0] != 0 && index == 0) ? 1 : 0;
        }
        log << " " << weight << ": " << static_cast<double>(correct) / static_cast<double>(validation.size()) << " / "
            << static_cast<double>(negatives_found) / static_cast<double>(negatives == 0 ? 1 : negatives);
    }
    log << "\n";
}

// Out-of-fold predictions: the examples fall into `folds` folds by distinct text, and each fold is predicted by a
// model trained on the other folds and on `always` (rows that train every fold and are never predicted).
// `read_question`: the model reads the survey question as context (the category model does, spam does not).
std::vector<std::vector<double>> OutOfFoldPredictions(const std::vector<nlp::TrainingExample>& examples,
                                                      const std::vector<nlp::TrainingExample>& always,
                                                      const nlp::TrainingOptions& options, std::uint64_t folds,
                                                      bool read_question) {
    std::vector<std::vector<double>> out_of_fold(examples.size());
    std::vector<std::uint64_t> fold(examples.size());
    for (std::size_t i = 0; i < examples.size(); ++i) {
        fold[i] = nlp::Fnv1a64("fold:" + DistinctTextKey(examples[i].text)) % folds;
    }
    for (std::uint64_t f = 0; f < folds; ++f) {
        std::vector<nlp::TrainingExample> train = always;
        for (std::size_t i = 0; i < examples.size(); ++i) {
            if (fold[i] != f) {
                train.push_back(examples[i]);
            }
        }
        const nlp::LinearModel model = nlp::TrainLinearModel(train, options);
        for (std::size_t i = 0; i < examples.size(); ++i) {
            if (fold[i] == f) {
                const nlp::QuestionKind question =
                    read_question ? nlp::ClassifyQuestion(examples[i].question) : nlp::QuestionKind::kNone;
                const nlp::NormalizedText text = nlp::Normalize(examples[i].text);
                out_of_fold[i] = model.Predict(nlp::ExtractFeatures(text, question, model.Bits(), model.Features()));
                // The category definitions' rules, as ScoreCategories applies them (a no-op for spam labels).
                nlp::ApplyCategoryRules(text, model.Labels(), out_of_fold[i]);
            }
        }
    }
    return out_of_fold;
}

// Thresholds chosen on out-of-fold predictions of the category model.
std::vector<double> CrossValidatedThresholds(const std::vector<nlp::TrainingExample>& examples,
                                             const nlp::TrainingOptions& options, std::vector<double>* f1s) {
    const auto out_of_fold = OutOfFoldPredictions(examples, {}, options, kCategoryFolds, true);
    return nlp::ChooseThresholds(out_of_fold, examples, options.labels.size(), f1s);
}

nlp::TrainingExample SpamExample(const LabelledRow& row) {
    return {row.text, {}, {static_cast<std::uint8_t>(*row.spam ? 1 : 0)}};
}

// 5-fold out-of-fold p(spam) of the spam rows (folds by distinct text); `always` (patient comments as ham)
// trains every fold and is never predicted.
std::vector<double> SpamOutOfFold(const std::vector<nlp::TrainingExample>& examples,
                                  const std::vector<nlp::TrainingExample>& always,
                                  const nlp::TrainingOptions& options) {
    std::vector<double> spam;
    spam.reserve(examples.size());
    for (const auto& probabilities : OutOfFoldPredictions(examples, always, options, kSpamFolds, false)) {
        spam.push_back(probabilities[0]);
    }
    return spam;
}

// Spam caught and ham dropped per source (0 SMS, 1 e-mail) at a threshold.
struct SpamCounts {
    std::size_t ham[2] = {0, 0};
    std::size_t dropped[2] = {0, 0};
    std::size_t spam[2] = {0, 0};
    std::size_t caught[2] = {0, 0};
};

SpamCounts CountSpam(const std::vector<double>& probabilities, const std::vector<nlp::TrainingExample>& examples,
                     const std::vector<bool>& email, double sms_threshold, double email_threshold) {
    SpamCounts counts;
    for (std::size_t i = 0; i < examples.size(); ++i) {
        const std::size_t source = email[i] ? 1 : 0;
        const bool flagged = probabilities[i] >= (email[i] ? email_threshold : sms_threshold);
        if (examples[i].targets[0] != 0) {
            ++counts.spam[source];
            counts.caught[source] += flagged ? 1 : 0;
        } else {
            ++counts.ham[source];
            counts.dropped[source] += flagged ? 1 : 0;
        }
    }
    return counts;
}

double Rate(std::size_t a, std::size_t b) {
    return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

void LogSpamCounts(const SpamCounts& c, std::ostream& log) {
    log << "sms caught " << c.caught[0] << "/" << c.spam[0] << " ham dropped " << c.dropped[0] << "/" << c.ham[0]
        << "; e-mail caught " << c.caught[1] << "/" << c.spam[1] << " ham dropped " << c.dropped[1] << "/" << c.ham[1];
}

// How many spams a score ranks above all but k hams, per source, for a few k: the ranking at the operating
// points that matter (the thresholds' grid only samples it), e.g. "sms caught at 0/2/4/6/9/12/18 ham dropped".
void LogSpamRanking(const std::vector<double>& probabilities, const std::vector<nlp::TrainingExample>& examples,
                    const std::vector<bool>& email, std::ostream& log) {
    for (int source = 0; source < 2; ++source) {
        std::vector<double> ham;
        std::vector<double> spam;
        for (std::size_t i = 0; i < examples.size(); ++i) {
            if (email[i] == (source == 1)) {
                (examples[i].targets[0] != 0 ? spam : ham).push_back(probabilities[i]);
            }
        }
        std::sort(ham.rbegin(), ham.rend());
        log << (source == 0 ? "sms" : "; e-mail") << " caught at 0/2/4/6/9/12/18 ham dropped";
        char separator = ' ';
        for (const std::size_t k : {0, 2, 4, 6, 9, 12, 18}) {
            const double bar = k < ham.size() ? ham[k] : 0.0;
            log << separator << std::count_if(spam.begin(), spam.end(), [&](double p) { return p > bar; });
            separator = '/';
        }
        log << " of " << spam.size() << " (" << ham.size() << " ham)";
    }
}

// The spam thresholds from out-of-fold predictions: for SMS the lowest grid value that drops at most
// kMaxHamDropped of the SMS ham; for e-mail the lowest that drops at most kMaxHamDropped of the SMS and
// e-mail ham together (the rule both channels shared before SMS had its own). Grid: 0.05 … 0.99 by 0.01,
// then 0.991 … 0.999 by 0.001 (long e-mails give confident scores).
SpamThresholds ChooseSpamThresholds(const std::vector<double>& probabilities,
                                    const std::vector<nlp::TrainingExample>& examples, const std::vector<bool>& email) {
    SpamThresholds chosen{0.999, 0.999};
    bool sms_found = false;
    bool email_found = false;
    for (int step = 50; step <= 999 && !(sms_found && email_found); step += step < 990 ? 10 : 1) {
        const double threshold = step / 1000.0;
        const SpamCounts c = CountSpam(probabilities, examples, email, threshold, threshold);
        if (!sms_found && Rate(c.dropped[0], c.ham[0]) <= kMaxHamDropped) {
            chosen.sms = threshold;
            sms_found = true;
        }
        if (!email_found && Rate(c.dropped[0] + c.dropped[1], c.ham[0] + c.ham[1]) <= kMaxHamDropped) {
            chosen.email = threshold;
            email_found = true;
        }
    }
    return chosen;
}

bool ReadRows(const std::filesystem::path& path, std::vector<LabelledRow>& rows, std::ostream& log) {
    std::ifstream in(path);
    if (!in) {
        log << "cannot read " << path.string() << "\n";
        return false;
    }
    std::size_t skipped = 0;
    auto more = ParseLabelledRows(in, &skipped);
    log << path.filename().string() << ": " << more.size() << " rows, " << skipped << " skipped\n";
    rows.insert(rows.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    return true;
}

bool WriteFile(const std::filesystem::path& path, const std::string& bytes, std::ostream& log) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
        log << "cannot write " << path.string() << "\n";
        return false;
    }
    log << "wrote " << path.string() << " (" << bytes.size() << " bytes)\n";
    return true;
}

}  // namespace

TrainedModels TrainModels(const std::vector<LabelledRow>& rows, std::ostream& log) {
    std::set<std::string> held_out_texts;
    for (const LabelledRow& row : rows) {
        if (IsHeldOut(row)) {
            held_out_texts.insert(DistinctTextKey(row.text));
        }
    }
    std::vector<nlp::TrainingExample> sentiment_all;
    std::vector<nlp::TrainingExample> sentiment_fit;
    std::vector<nlp::TrainingExample> sentiment_validation;
    std::vector<nlp::TrainingExample> category_all;
    std::vector<nlp::TrainingExample> category_fit;
    std::vector<nlp::TrainingExample> category_validation;
    std::vector<nlp::TrainingExample> spam_all;
    std::vector<nlp::TrainingExample> spam_fit;
    std::vector<nlp::TrainingExample> spam_validation;
    std::vector<bool> spam_validation_email;
    std::vector<nlp::TrainingExample> patient_ham;
    std::size_t excluded = 0;
    for (const LabelledRow& row : rows) {
        if (IsHeldOut(row) || held_out_texts.contains(DistinctTextKey(row.text))) {
            ++excluded;
            continue;
        }
        if (row.spam) {
            spam_all.push_back(SpamExample(row));
            if (IsValidation(row)) {
                spam_validation.push_back(spam_all.back());
                spam_validation_email.push_back(row.email);
            } else {
                spam_fit.push_back(spam_all.back());
            }
        } else if (!IsValidation(row)) {
            // Patient comments are the ham that matters most ("call me back" is not a premium-rate
            // number): the spam model fits on them too; the threshold is still set on SMS and e-mail ham.
            patient_ham.push_back({row.text, {}, {0}});
        }
        if (row.sentiment) {
            sentiment_all.push_back(SentimentExample(row));
            (IsValidation(row) ? sentiment_validation : sentiment_fit).push_back(sentiment_all.back());
        }
        if (row.hcat) {
            category_all.push_back(CategoryExample(row));
            (IsValidation(row) ? category_validation : category_fit).push_back(category_all.back());
        }
    }
    log << "held out (or sharing a held-out text): " << excluded << " rows; sentiment training " << sentiment_all.size()
        << ", category training " << category_all.size() << " (validation " << category_validation.size() << ")\n";

    nlp::TrainingOptions sentiment_options;
    sentiment_options.kind = nlp::OutputKind::kSoftmax;
    sentiment_options.labels = Labels(nlp::kSentimentLabels);
    TrainedModels trained;
    trained.sentiment = nlp::TrainLinearModel(sentiment_all, sentiment_options);
    ReportSentimentValidation(sentiment_fit, sentiment_validation, sentiment_options, log);

    nlp::TrainingOptions category_options;
    category_options.kind = nlp::OutputKind::kOneVsRest;
    category_options.labels = Labels(nlp::kHcatCategories);
    category_options.epochs = kCategoryEpochs;
    category_options.learning_rate = kCategoryLearningRate;
    category_options.features = kCategoryFeatures;
    category_options.nb_smoothing = kNaiveBayesSmoothing;
    category_options.nb_mix = kNaiveBayesMix;
    // The validation figure: a model fitted without the validation rows, with thresholds from cross-validation
    // of the fitting rows alone, measured on the validation rows.
    const nlp::LinearModel fitted = nlp::TrainLinearModel(category_fit, category_options);
    const std::vector<double> fit_thresholds = CrossValidatedThresholds(category_fit, category_options, nullptr);
    {
        double macro = 0.0;
        log << "category validation F1 (thresholds from cross-validation of the fitting rows):";
        for (std::size_t i = 0; i < fit_thresholds.size(); ++i) {
            std::size_t tp = 0;
            std::size_t fp = 0;
            std::size_t fn = 0;
            for (const nlp::TrainingExample& example : category_validation) {
                const nlp::NormalizedText text = nlp::Normalize(example.text);
                std::vector<double> probabilities = fitted.Predict(nlp::ExtractFeatures(
                    text, nlp::ClassifyQuestion(example.question), fitted.Bits(), fitted.Features()));
                nlp::ApplyCategoryRules(text, fitted.Labels(), probabilities);
                const double p = probabilities[i];
                const bool predicted = p >= fit_thresholds[i];
                const bool actual = example.targets[i] != 0;
                tp += (predicted && actual) ? 1 : 0;
                fp += (predicted && !actual) ? 1 : 0;
                fn += (!predicted && actual) ? 1 : 0;
            }
            const double f1 = tp == 0 ? 0.0 : 2.0 * static_cast<double>(tp) / static_cast<double>(2 * tp + fp + fn);
            log << " " << category_options.labels[i] << "=" << f1 << " (support " << (tp + fn) << ")";
            macro += f1;
        }
        log << "\nvalidation category macro-F1 " << macro / static_cast<double>(fit_thresholds.size()) << "\n";
    }
    std::vector<double> f1s;
    std::vector<double> thresholds = CrossValidatedThresholds(category_all, category_options, &f1s);
    double macro = 0.0;
    log << "category thresholds (out-of-fold F1 over all " << category_all.size() << " training rows):";
    for (std::size_t i = 0; i < thresholds.size(); ++i) {
        log << " " << category_options.labels[i] << "=" << thresholds[i] << " (" << f1s[i] << ")";
        macro += f1s[i];
    }
    log << "\nout-of-fold category macro-F1 " << macro / static_cast<double>(thresholds.size()) << "\n";
    trained.categories = nlp::TrainLinearModel(category_all, category_options);
    trained.categories.SetThresholds(std::move(thresholds));

    if (!spam_all.empty()) {
        nlp::TrainingOptions spam_options;
        spam_options.kind = nlp::OutputKind::kOneVsRest;
        spam_options.labels = {"spam"};
        spam_options.learning_rate = kSpamLearningRate;
        spam_options.epochs = kSpamEpochs;
        spam_options.features = kSpamFeatures;
        spam_options.nb_smoothing = kNaiveBayesSmoothing;
        spam_options.nb_mix = kNaiveBayesMix;
        log << "spam training " << spam_all.size() + patient_ham.size() << " (validation " << spam_validation.size()
            << ")\n";
        // The validation figure: thresholds from cross-validation of the fitting rows, a model fitted on them
        // (and the patient comments), measured on the validation rows.
        std::vector<bool> fit_email;
        std::vector<bool> all_email;
        for (const LabelledRow& row : rows) {
            if (!row.spam || IsHeldOut(row) || held_out_texts.contains(DistinctTextKey(row.text))) {
                continue;
            }
            all_email.push_back(row.email);
            if (!IsValidation(row)) {
                fit_email.push_back(row.email);
            }
        }
        const SpamThresholds fit_spam_thresholds =
            ChooseSpamThresholds(SpamOutOfFold(spam_fit, patient_ham, spam_options), spam_fit, fit_email);
        std::vector<nlp::TrainingExample> fit_and_ham = spam_fit;
        fit_and_ham.insert(fit_and_ham.end(), patient_ham.begin(), patient_ham.end());
        const nlp::LinearModel fitted_spam = nlp::TrainLinearModel(fit_and_ham, spam_options);
        std::vector<double> validation_probabilities;
        for (const nlp::TrainingExample& example : spam_validation) {
            validation_probabilities.push_back(
                fitted_spam.Predict(nlp::ExtractFeatures(nlp::Normalize(example.text), nlp::QuestionKind::kNone,
                                                         fitted_spam.Bits(), fitted_spam.Features()))[0]);
        }
        log << "spam validation at thresholds sms " << fit_spam_thresholds.sms << ", e-mail "
            << fit_spam_thresholds.email << ": ";
        LogSpamCounts(CountSpam(validation_probabilities, spam_validation, spam_validation_email,
                                fit_spam_thresholds.sms, fit_spam_thresholds.email),
                      log);
        log << "\nspam validation ranking: ";
        LogSpamRanking(validation_probabilities, spam_validation, spam_validation_email, log);
        log << "\n";

        const std::vector<double> out_of_fold = SpamOutOfFold(spam_all, patient_ham, spam_options);
        const SpamThresholds spam_thresholds = ChooseSpamThresholds(out_of_fold, spam_all, all_email);
        log << "spam thresholds sms " << spam_thresholds.sms << ", e-mail " << spam_thresholds.email
            << " (out-of-fold: ";
        LogSpamCounts(CountSpam(out_of_fold, spam_all, all_email, spam_thresholds.sms, spam_thresholds.email), log);
        log << ")\nspam out-of-fold ranking: ";
        LogSpamRanking(out_of_fold, spam_all, all_email, log);
        log << "\n";
        spam_all.insert(spam_all.end(), patient_ham.begin(), patient_ham.end());
        trained.spam = nlp::TrainLinearModel(spam_all, spam_options);
        trained.spam.SetThresholds({spam_thresholds.sms});
        trained.spam.SetEmailThresholds({spam_thresholds.email});
    }
    return trained;
}

int RunTrain(const std::filesystem::path& data_dir, const std::filesystem::path& out_dir, std::ostream& log) {
    std::vector<LabelledRow> rows;
    if (!ReadRows(data_dir / "nhs_fft_v6_dev.jsonl", rows, log) ||
        !ReadRows(data_dir / "nhs_fft_phase1_dev.jsonl", rows, log) ||
        !ReadRows(data_dir / "sms_spam_dev.jsonl", rows, log) ||
        !ReadRows(data_dir / "spamassassin_dev.jsonl", rows, log)) {
        return 1;
    }
    const TrainedModels trained = TrainModels(rows, log);
    std::error_code error;
    std::filesystem::create_directories(out_dir, error);
    if (!WriteFile(out_dir / "sentiment.model", trained.sentiment.Serialize(), log) ||
        !WriteFile(out_dir / "categories.model", trained.categories.Serialize(), log) ||
        !WriteFile(out_dir / "spam.model", trained.spam.Empty() ? std::string() : trained.spam.Serialize(), log)) {
        return 1;
    }
    return 0;
}

}  // namespace carelisten::daemon
