/// @file
/// @brief The survey lifecycle's decisions, between the surveys module's rules and the crm's survey tables:
/// when a discharge's survey is due, what a due survey gets (invitation, reminder, expiry, skip, staff), what an
/// inbound SMS does to its conversation, what a web form or call-centre submission records, and the signed
/// web-form links. No I/O: every call takes `now`, so tests run the whole two weeks on a fake clock.
#pragma once

#include <crm/records.hpp>
#include <crm/survey_repository.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <surveys/answer.hpp>
#include <surveys/definition.hpp>
#include <vector>

namespace carelisten::nlp {
class Analyzer;
}

namespace carelisten::daemon {

/// The outbox source of survey e-mail, alerts and digests (sent by the daemon's e-mail sender).
inline constexpr std::string_view kSurveyEmailSource = "surveys_email";

struct SurveyPlannerOptions {
    std::string hospital_name = "the hospital";
    /// The twilio_sms source that sends survey SMS and SMS alerts; '' : no SMS.
    std::string sms_source;
    /// '' : no e-mail (no SMTP configured).
    std::string email_source;
    /// Where the form is served, e.g. https://feedback.hospital.example (the public listener); links are
    /// <base>/survey/<token>. '' : invitations carry no link.
    std::string form_base_url;
    /// The secret that signs form links and their CSRF tokens (at least 32 bytes).
    std::string link_key;
    /// The staff console, named in physicians' alerts ('' : not named).
    std::string console_url;
};

/// What a submission (web form or call-centre import) writes, ready for SurveyRepository::SubmitAnswers.
struct PlannedSubmission {
    std::vector<crm::SurveyAnswerRecord> answers;
    std::vector<crm::SurveyTextItem> text_items;
    std::optional<crm::RedFlagAlert> alert;
};

/// Lifecycle: built once from validated settings; immutable except for the definition cache. Thread-safety:
/// every member may be called from any thread.
class SurveyPlanner {
public:
    explicit SurveyPlanner(SurveyPlannerOptions options);

    const SurveyPlannerOptions& Options() const { return options_; }

    /// The crm's rule for a discharge: the definition's days after discharge, moved out of quiet hours.
    crm::DueTimeRule DueTimeRule() const;
    /// The decision for a due survey (see the file comment). Deterministic for the same survey and `now`.
    crm::SurveyDecision Decide(const crm::DueSurvey& survey, crm::Timestamp now) const;
    /// One inbound SMS applied to its conversation: the answer, the next question (or re-ask or thanks) and a
    /// red-flag alert when the answer raised one.
    crm::SmsReplyDecision ApplySms(const crm::SmsSurveyReply& reply) const;
    /// Answers from the web form or the call centre; free-text answers are analyzed with `analyzer` (may be
    /// null: stored unanalyzed).
    PlannedSubmission PlanSubmission(std::int64_t survey_id, const std::string& visit_number,
                                     const surveys::SurveyDefinition& definition,
                                     const std::vector<std::pair<std::string, surveys::AnswerValue>>& answers,
                                     const nlp::Analyzer* analyzer) const;

    /// The parsed definition of a stored version (cached by id); nullptr when its JSON does not parse.
    std::shared_ptr<const surveys::SurveyDefinition> Definition(const crm::SurveyDefinitionRow& row) const;

    /// "<survey id>.<HMAC-SHA256 of it, base64url>": unguessable, and needs no storage to verify.
    std::string FormToken(std::int64_t survey_id) const;
    /// The survey id of a genuine token; nullopt for anything else (compared in constant time).
    std::optional<std::int64_t> VerifyFormToken(std::string_view token) const;
    /// The CSRF token the form carries for its link (a different HMAC of the same token).
    std::string CsrfToken(std::string_view form_token) const;
    bool VerifyCsrfToken(std::string_view form_token, std::string_view csrf) const;
    /// <form_base_url>/survey/<token>, or '' without a base URL.
    std::string FormUrl(std::int64_t survey_id) const;
    /// <form_base_url>/survey/unsubscribe/<token> (e-mail: stops survey messages to that address), or ''.
    std::string UnsubscribeUrl(std::int64_t survey_id) const;

private:
    crm::RedFlagAlert MakeAlert(std::int64_t survey_id, const std::string& visit_number,
                                const std::vector<std::string>& flags) const;
    std::string Sign(std::string_view purpose, std::string_view text) const;

    SurveyPlannerOptions options_;
    mutable std::mutex cache_mutex_;
    mutable std::map<std::int64_t, std::shared_ptr<const surveys::SurveyDefinition>> definitions_;
};

}  // namespace carelisten::daemon
