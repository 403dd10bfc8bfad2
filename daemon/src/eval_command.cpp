#include <rapidjson/document.h>

#include <algorithm>
#include <connectors/mail/mail_wire.hpp>
#include <cstdio>
#include <daemon/eval_command.hpp>
#include <istream>
#include <map>
#include <nlp/learned_model.hpp>
#include <nlp/models.hpp>
#include <nlp/noise.hpp>
#include <nlp/normalize.hpp>
#include <ostream>
#include <set>

namespace carelisten::daemon {
namespace {

constexpr std::uint64_t kHeldOutPercent = 20;

struct ThemeMapping {
    std::string_view theme;
    std::string_view category;
};

// data/README.md, "Complaint categories".
constexpr ThemeMapping kThemes[] = {
    {"Competence & training", "quality"},
    {"Diagnosis & triage", "quality"},
    {"Impact of treatment/ care", "quality"},
    {"Pain management", "quality"},
    {"Care plans", "quality"},
    {"Supplying & understanding medication", "quality"},
    {"Staff responsiveness", "quality"},
    {"Feeling safe", "safety"},
    {"Safeguarding concerns?", "safety"},
    {"Environment & Facilities", "environment"},
    {"Food & drink provision & facilities", "environment"},
    {"Cleanliness, tidiness & infection control", "environment"},
    {"Parking", "environment"},
    {"Service location", "environment"},
    {"Sensory experience", "environment"},
    {"Electronic entertainment", "environment"},
    {"Activities & access to fresh air", "environment"},
    {"Provision of medical equipment", "environment"},
    {"Timeliness of care", "institutional_processes"},
    {"Appointment arrangements", "institutional_processes"},
    {"Appointment method", "institutional_processes"},
    {"Contacting services", "institutional_processes"},
    {"Transport to/ from services", "institutional_processes"},
    {"Admission", "institutional_processes"},
    {"Discharge", "institutional_processes"},
    {"Referals & continuity of care", "institutional_processes"},
    {"Organisation & efficiency", "institutional_processes"},
    {"Number & deployment of staff", "institutional_processes"},
    {"Staff continuity", "institutional_processes"},
    {"Funding & use of financial resources", "institutional_processes"},
    {"Patient records", "institutional_processes"},
    {"Staff listening, understanding & involving patients", "listening"},
    {"Unspecified communication", "communication"},
    {"Information directly from staff during care", "communication"},
    {"Information provision & guidance", "communication"},
    {"Being kept informed, clarity & consistency of information", "communication"},
    {"Interaction with family/ carers", "communication"},
    {"Staff manner & personal attributes", "respect"},
    {"Equality, Diversity & Inclusion", "respect"},
    {"Mental Health Act", "respect"},
    {"Patient appearance & grooming", "respect"},
};

std::string GetString(const rapidjson::Value& object, const char* key) {
    const auto it = object.FindMember(key);
    if (it == object.MemberEnd() || !it->value.IsString()) {
        return {};
    }
    return {it->value.GetString(), it->value.GetStringLength()};
}

std::optional<int> GetInt(const rapidjson::Value& object, const char* key) {
    const auto it = object.FindMember(key);
    if (it == object.MemberEnd() || !it->value.IsInt()) {
        return std::nullopt;
    }
    return it->value.GetInt();
}

struct Counts {
    std::size_t tp = 0;
    std::size_t fp = 0;
    std::size_t fn = 0;
};

double Ratio(std::size_t a, std::size_t b) {
    return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

double F1(const Counts& c) {
    return Ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
}

std::string Fixed(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4f", value);
    return text;
}

void PrintClassLine(std::ostream& out, std::string_view name, const Counts& c) {
    out << "  " << name << ": precision " << Fixed(Ratio(c.tp, c.tp + c.fp)) << " recall "
        << Fixed(Ratio(c.tp, c.tp + c.fn)) << " f1 " << Fixed(F1(c)) << " support " << (c.tp + c.fn) << "\n";
}

nlp::Analysis AnalyzeRow(const nlp::Analyzer& analyzer, const LabelledRow& row) {
    nlp::AnalysisInput input;
    input.text = row.text;
    input.question = row.question;
    input.channel = row.channel;
    return analyzer.Analyze(input);
}

}  // namespace

std::vector<std::string> HcatFromThemes(const std::vector<std::string>& themes) {
    std::set<std::string> categories;
    for (const std::string& theme : themes) {
        for (const ThemeMapping& mapping : kThemes) {
            if (mapping.theme == theme) {
                categories.emplace(mapping.category);
            }
        }
    }
    return {categories.begin(), categories.end()};
}

std::vector<LabelledRow> ParseLabelledRows(std::istream& in, std::size_t* skipped) {
    std::vector<LabelledRow> rows;
    std::size_t bad = 0;
    std::string line;
    while (std::getline(in, line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            continue;
        }
        rapidjson::Document document;
        document.Parse(line.data(), line.size());
        const bool mail = !document.HasParseError() && document.IsObject() && document.HasMember("mime") &&
                          document["mime"].IsString();
        if (document.HasParseError() || !document.IsObject() ||
            (!mail && (!document.HasMember("text") || !document["text"].IsString()))) {
            ++bad;
            continue;
        }
        LabelledRow row;
        if (mail) {
            const auto parsed = connectors::mail::ParseMailText(GetString(document, "mime"));
            if (!parsed) {
                ++bad;
                continue;
            }
            row.text = parsed->subject + "\n\n" + parsed->body;
            row.email = true;
        } else {
            row.text = GetString(document, "text");
        }
        row.question = GetString(document, "question");
        if (document.HasMember("channel")) {
            const auto channel = nlp::ParseChannel(GetString(document, "channel"));
            if (!channel) {
                ++bad;
                continue;
            }
            row.channel = *channel;
        }
        if (const std::string label = GetString(document, "label"); label == "spam" || label == "ham") {
            row.spam = label == "spam";
        } else if (document.HasMember("sentiment") && document["sentiment"].IsString()) {
            row.sentiment = nlp::ParseSentimentLabel(GetString(document, "sentiment"));
            if (!row.sentiment) {
                ++bad;
                continue;
            }
        } else if (document.HasMember("criticality")) {
            row.phase1 = true;
            // "Trust A - Q1"
            if (row.question.rfind("Trust ", 0) == 0 && row.question.size() > 6) {
                row.trust = row.question.substr(6, 1);
            }
            if (const auto criticality = GetInt(document, "criticality")) {
                if (*criticality > 0) {
                    row.sentiment = nlp::SentimentLabel::kPositive;
                } else if (*criticality < 0) {
                    row.sentiment = nlp::SentimentLabel::kNegative;
                } else if (row.trust != "B") {  // Trust B uses 0 for "not scored"
                    row.sentiment = nlp::SentimentLabel::kNeutral;
                }
            }
        } else {
            row.trust = GetString(document, "trust");
            if (const auto rating = GetInt(document, "sentiment_1to5")) {
                if (*rating <= 2) {
                    row.sentiment = nlp::SentimentLabel::kPositive;
                } else if (*rating == 3) {
                    row.sentiment = nlp::SentimentLabel::kNeutral;
                } else {
                    row.sentiment = nlp::SentimentLabel::kNegative;
                }
            }
            const auto themes = document.FindMember("themes");
            if (themes != document.MemberEnd() && themes->value.IsArray()) {
                std::vector<std::string> names;
                for (const auto& theme : themes->value.GetArray()) {
                    if (theme.IsString()) {
                        names.emplace_back(theme.GetString(), theme.GetStringLength());
                    }
                }
                row.hcat = HcatFromThemes(names);
            }
        }
        rows.push_back(std::move(row));
    }
    if (skipped != nullptr) {
        *skipped = bad;
    }
    return rows;
}

std::string DistinctTextKey(std::string_view text) {
    return nlp::Normalize(text).text;
}

bool IsHeldOut(const LabelledRow& row) {
    if (row.phase1) {
        return row.trust == "C";
    }
    return nlp::Fnv1a64(DistinctTextKey(row.text)) % 100 < kHeldOutPercent;
}

bool IsValidation(const LabelledRow& row) {
    return nlp::Fnv1a64("validation:" + DistinctTextKey(row.text)) % 100 < kHeldOutPercent;
}

namespace {

int RunSpamEval(const std::vector<LabelledRow>& rows, std::ostream& out, const nlp::Analyzer& analyzer,
                bool held_out_only) {
    std::size_t spam = 0;
    std::size_t caught = 0;
    std::size_t ham = 0;
    std::size_t dropped = 0;
    for (const LabelledRow& row : rows) {
        if (!row.spam || (held_out_only && !IsHeldOut(row))) {
            continue;
        }
        nlp::AnalysisInput input;
        input.text = row.text;
        input.channel = row.email ? nlp::Channel::kEmail : nlp::Channel::kSms;
        const nlp::Analysis analysis = analyzer.Analyze(input);
        const bool flagged = std::find(analysis.noise.reasons.begin(), analysis.noise.reasons.end(), nlp::kNoiseSpam) !=
                             analysis.noise.reasons.end();
        if (*row.spam) {
            ++spam;
            caught += flagged ? 1 : 0;
        } else {
            ++ham;
            dropped += flagged ? 1 : 0;
        }
    }
    out << "analyzer " << analyzer.Version() << (held_out_only ? " (held-out split)" : "") << "\n";
    out << "spam: rows " << (spam + ham) << " spam " << spam << " ham " << ham << "\n";
    out << "  spam caught (recall) " << Fixed(Ratio(caught, spam)) << " (" << caught << "/" << spam << ")\n";
    out << "  ham dropped " << Fixed(Ratio(dropped, ham)) << " (" << dropped << "/" << ham << ")\n";
    out << "  precision " << Fixed(Ratio(caught, caught + dropped)) << "\n";
    return (spam + ham) == 0 ? 1 : 0;
}

}  // namespace

int RunEval(const std::vector<LabelledRow>& rows, std::ostream& out, const nlp::Analyzer& analyzer,
            const EvalOptions& options) {
    if (options.kind == EvalKind::kSpam) {
        return RunSpamEval(rows, out, analyzer, options.held_out_only);
    }
    const bool sentiment = options.kind != EvalKind::kCategories;
    const bool categories = options.kind != EvalKind::kSentiment;
    constexpr nlp::SentimentLabel kClasses[] = {nlp::SentimentLabel::kNegative, nlp::SentimentLabel::kNeutral,
                                                nlp::SentimentLabel::kPositive};
    std::map<nlp::SentimentLabel, Counts> sentiment_counts;
    std::size_t sentiment_rows = 0;
    std::size_t sentiment_correct = 0;
    std::map<std::string, Counts> category_counts;
    for (const std::string_view name : nlp::kHcatCategories) {
        category_counts[std::string(name)] = {};
    }
    std::size_t category_rows = 0;
    std::size_t category_exact = 0;
    for (const LabelledRow& row : rows) {
        if (options.held_out_only && !IsHeldOut(row)) {
            continue;
        }
        const bool score_sentiment = sentiment && row.sentiment.has_value();
        const bool score_categories = categories && row.hcat.has_value();
        if (!score_sentiment && !score_categories) {
            continue;
        }
        const nlp::Analysis analysis = AnalyzeRow(analyzer, row);
        if (score_sentiment) {
            ++sentiment_rows;
            const nlp::SentimentLabel predicted = analysis.sentiment.label;
            if (predicted == *row.sentiment) {
                ++sentiment_correct;
                ++sentiment_counts[predicted].tp;
            } else {
                ++sentiment_counts[predicted].fp;
                ++sentiment_counts[*row.sentiment].fn;
            }
        }
        if (score_categories) {
            ++category_rows;
            const std::vector<std::string>& actual = *row.hcat;
            category_exact += (analysis.categories == actual) ? 1 : 0;
            for (auto& [name, counts] : category_counts) {
                const bool is_predicted = std::find(analysis.categories.begin(), analysis.categories.end(), name) !=
                                          analysis.categories.end();
                const bool is_actual = std::find(actual.begin(), actual.end(), name) != actual.end();
                counts.tp += (is_predicted && is_actual) ? 1 : 0;
                counts.fp += (is_predicted && !is_actual) ? 1 : 0;
                counts.fn += (!is_predicted && is_actual) ? 1 : 0;
            }
        }
    }
    out << "analyzer " << analyzer.Version() << (options.held_out_only ? " (held-out split)" : "") << "\n";
    if (sentiment) {
        out << "sentiment: rows " << sentiment_rows << " accuracy " << Fixed(Ratio(sentiment_correct, sentiment_rows))
            << "\n";
        double macro = 0.0;
        for (const nlp::SentimentLabel label : kClasses) {
            PrintClassLine(out, nlp::ToString(label), sentiment_counts[label]);
            macro += F1(sentiment_counts[label]);
        }
        out << "  macro-f1 " << Fixed(macro / 3.0) << "\n";
    }
    if (categories) {
        out << "categories: rows " << category_rows << " exact-match " << Fixed(Ratio(category_exact, category_rows))
            << "\n";
        Counts micro;
        double macro = 0.0;
        for (const std::string_view name : nlp::kHcatCategories) {
            const Counts& counts = category_counts[std::string(name)];
            PrintClassLine(out, name, counts);
            macro += F1(counts);
            micro.tp += counts.tp;
            micro.fp += counts.fp;
            micro.fn += counts.fn;
        }
        out << "  micro-f1 " << Fixed(F1(micro)) << " macro-f1 "
            << Fixed(macro / static_cast<double>(std::size(nlp::kHcatCategories))) << "\n";
    }
    return (sentiment_rows + category_rows) == 0 ? 1 : 0;
}

}  // namespace carelisten::daemon
