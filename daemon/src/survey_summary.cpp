#include <cmath>
#include <cstdio>
#include <daemon/survey_summary.hpp>
#include <map>
#include <sstream>
#include <surveys/statistics.hpp>

namespace carelisten::daemon {
namespace {

std::string Fixed(double value, int decimals = 1) {
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

std::string Percent(std::int64_t part, std::int64_t whole) {
    return whole == 0 ? "-" : Fixed(100.0 * static_cast<double>(part) / static_cast<double>(whole), 0) + "%";
}

const crm::QuestionAggregate* Find(const std::vector<crm::QuestionAggregate>& list, const std::string& id) {
    for (const auto& aggregate : list) {
        if (aggregate.question_id == id) {
            return &aggregate;
        }
    }
    return nullptr;
}

}  // namespace

std::string FormatSummary(const crm::SummaryData& summary, const std::string& title, bool include_comments) {
    std::ostringstream out;
    out << title << "\n" << std::string(title.size(), '=') << "\n";
    out << "Invitations: " << summary.invitations << ", answered: " << summary.responses;
    if (const auto rate = surveys::EstimateProportion(summary.responses, summary.invitations)) {
        out << " (response rate " << Percent(summary.responses, summary.invitations) << ", 95% CI "
            << Fixed(100 * rate->ci_low, 0) << "-" << Fixed(100 * rate->ci_high, 0) << "%)";
    }
    out << "\n\n";
    for (const auto& question : summary.questions) {
        out << "Question " << question.question_id << ": " << question.answers << " answers";
        if (question.answers < surveys::kMinGroupSize) {
            out << " (fewer than " << surveys::kMinGroupSize << ": figures withheld)\n";
            continue;
        }
        out << "\n";
        if (const auto mean = surveys::EstimateMean(question.numeric_answers, question.total, question.total_squares)) {
            out << "  mean " << Fixed(mean->mean, 2) << " (95% CI " << Fixed(mean->ci_low, 2) << " to "
                << Fixed(mean->ci_high, 2) << ")";
            const auto* previous = Find(summary.previous_questions, question.question_id);
            if (previous != nullptr && previous->numeric_answers >= surveys::kMinGroupSize) {
                const auto before =
                    surveys::EstimateMean(previous->numeric_answers, previous->total, previous->total_squares);
                if (before) {
                    const double change = mean->mean - before->mean;
                    out << "; previous period " << Fixed(before->mean, 2) << " (" << (change >= 0 ? "+" : "")
                        << Fixed(change, 2) << ")";
                }
            }
            out << "\n";
            for (const auto& unit : summary.units) {
                if (unit.question_id == question.question_id) {
                    if (const auto other = surveys::EstimateMean(unit.answers, unit.total, unit.total_squares)) {
                        out << "  unit " << unit.care_unit << ": mean " << Fixed(other->mean, 2) << " (" << unit.answers
                            << " answers)\n";
                    }
                }
            }
        }
        if (!question.distribution.empty()) {
            out << "  answers:";
            for (const auto& [value, count] : question.distribution) {
                out << " " << value << "=" << count;
            }
            out << "\n";
        }
    }
    out << "\nRed flags: " << summary.red_flags.size() << "\n";
    for (const auto& flag : summary.red_flags) {
        out << "  survey " << flag.survey_id << " (visit " << flag.visit_number << "): " << flag.flag;
        if (flag.case_id) {
            out << ", case " << *flag.case_id << " " << flag.case_status;
        }
        out << "\n";
    }
    out << "\nComments: " << summary.comments.size() << "\n";
    if (include_comments) {
        for (const auto& comment : summary.comments) {
            out << "  [" << (comment.sentiment_label.empty() ? "unscored" : comment.sentiment_label);
            for (std::size_t i = 0; i < comment.categories.size(); ++i) {
                out << (i == 0 ? "; " : ", ") << comment.categories[i];
            }
            out << "] " << comment.text << "\n";
        }
    }
    return out.str();
}

Result<std::size_t> QueueWeeklyDigests(crm::Store& store, const std::string& email_source, crm::Timestamp now,
                                       const std::string& day) {
    if (email_source.empty()) {
        return std::size_t{0};
    }
    crm::SurveyRepository surveys(store);
    BOOST_OUTCOME_TRY(physicians, surveys.ListPhysicians());
    std::size_t queued = 0;
    for (const auto& physician : physicians) {
        if (physician.email.empty()) {
            continue;
        }
        BOOST_OUTCOME_TRY(summary, surveys.PhysicianSummary(physician.id, now - std::chrono::hours(24 * 7), now));
        if (summary.invitations == 0 && summary.questions.empty()) {
            continue;  // nothing to say this week
        }
        const std::string text = FormatSummary(summary, "Your patients' follow-ups, week to " + day, false);
        const crm::NewOutbound digest{.source = email_source,
                                      .channel = "email",
                                      .recipient = physician.email,
                                      .purpose = "digest",
                                      .body = "Weekly follow-up digest\n\n" + text,
                                      .dedupe_key = "digest:" + physician.id + ":" + day};
        BOOST_OUTCOME_TRYV(store.EnqueueOutbound(digest));
        ++queued;
    }
    return queued;
}

}  // namespace carelisten::daemon
