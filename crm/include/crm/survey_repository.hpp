/// @file
/// @brief The follow-up survey tables (V007): encounters from the hospital, versioned question sets, the survey
/// lifecycle, answers, red-flag cases and the per-physician and per-unit summaries.
///
/// crm knows no survey rule: what to send, when, and what an answer means are decided by the caller (daemon/
/// with the surveys module) through the callbacks below, which run INSIDE the repository's transaction so that
/// a decision and everything it causes (state, answers, outbox messages, cases) commit together or not at all.
#pragma once

#include <common/result.hpp>
#include <crm/records.hpp>
#include <crm/store.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace carelisten::crm {

/// An HL7 ADT message or an imported record, already validated and normalized (E.164 phone, lower-case e-mail).
struct EncounterMessage {
    std::string kind;  ///< discharge, cancel_discharge, update or cancel_visit
    std::string facility;
    std::string control_id;  ///< (facility, control_id) is applied once
    std::string mrn;
    std::string visit_number;
    std::string physician_id;  ///< '' when the message names none
    std::string physician_name;
    std::string care_unit;
    std::optional<Timestamp> discharged_at;
    std::string disposition;
    bool deceased = false;
    std::string phone;
    std::string email;
    std::string language;
};

struct SurveyDefinitionRow {
    std::int64_t id = 0;
    std::string care_unit;
    int version = 0;
    std::string approved_by;
    std::string approved_at;  ///< YYYY-MM-DD
    std::string definition_json;
};

/// When a discharge's survey falls due, from the unit's definition (the caller's rule); nullopt: no survey.
using DueTimeRule =
    std::function<std::optional<Timestamp>(const SurveyDefinitionRow& definition, Timestamp discharged)>;

struct EncounterOutcome {
    bool replay = false;  ///< this (facility, control_id) was applied before: nothing changed
    std::int64_t encounter_id = 0;
    std::optional<std::int64_t> survey_id;
    std::string survey_state;  ///< the survey's state after the message, '' when there is none
    std::string note;          ///< e.g. "no survey definition for the unit" (no patient data)
};

/// A contact of the patient with whether a survey may go to it (consent for "survey" or "all").
struct SurveyContact {
    std::string channel;  ///< sms or email
    std::string value;
    bool may_send = true;
};

/// A survey whose next action is due, with every fact its eligibility depends on, read in the transaction that
/// will write the decision (FOR UPDATE SKIP LOCKED: two schedulers never take the same survey).
struct DueSurvey {
    std::int64_t id = 0;
    std::int64_t encounter_id = 0;
    std::int64_t patient_id = 0;
    std::string state;  ///< scheduled or invited
    std::string physician_id;
    std::string care_unit;
    std::string visit_number;
    Timestamp due_at;
    std::optional<Timestamp> invited_at;
    std::optional<Timestamp> last_sent_at;
    std::optional<Timestamp> expires_at;
    int reminders_sent = 0;
    std::string channel;
    std::string contact;
    std::string language;
    std::string dialog_json;  ///< the SMS conversation so far ('' before the invitation)
    SurveyDefinitionRow definition;
    // Eligibility facts:
    bool deceased = false;                ///< the encounter says so (PID-30, disposition expired)
    bool readmitted = false;              ///< another encounter of the patient started after this discharge
    bool open_serious_complaint = false;  ///< an open case of high/critical urgency linked to the patient
    bool encounter_cancelled = false;     ///< the discharge or the visit was cancelled since it was scheduled
    std::vector<SurveyContact> contacts;
};

/// What the caller decided for a due survey. Empty fields change nothing.
struct SurveyDecision {
    std::string state;  ///< new state, '' unchanged
    std::string reason;
    /// next_action_at: nullopt clears it (nothing more to do).
    std::optional<Timestamp> next_action_at;
    std::optional<Timestamp> expires_at;
    std::string channel;
    std::string contact;
    bool invited_now = false;   ///< sets invited_at and last_sent_at to `now`
    bool reminded_now = false;  ///< reminders_sent + 1 and last_sent_at = now
    std::optional<std::string> dialog_json;
    std::vector<NewOutbound> messages;  ///< queued in the same transaction (dedupe keys: replays are no-ops)
};

/// One answered question.
struct SurveyAnswerRecord {
    std::string question_id;
    std::optional<int> value_number;
    std::string value_text;
    std::string red_flag;    ///< the flag's label, '' when the answer raised none
    bool free_text = false;  ///< a comment: summarized as text, not in the distributions
};

/// The caller's red-flag alert: the urgent case and the message to the physician, written with the answers.
struct RedFlagAlert {
    std::vector<std::string> flags;
    /// Sent at once to the survey's physician on their alert channel (physician.alert_channel, else whichever
    /// contact they have). A physician without a contact gets none; the case still opens for the console.
    std::string message;
    /// An e-mail alert's subject: its outbox body is "<subject>\n\n<message>" (what the e-mail sender reads).
    std::string email_subject = "Red flag in a follow-up survey";
    std::string email_source;                ///< the outbox source that sends e-mail alerts ('' : none by e-mail)
    std::string sms_source;                  ///< the outbox source that sends SMS alerts ('' : none by SMS)
    std::vector<NewOutbound> notifications;  ///< any further messages
};

/// A free-text answer, analyzed by the caller, to store as an item (channel 'survey').
struct SurveyTextItem {
    std::string question_id;
    NewItem item;
};

/// An inbound SMS that may answer an open survey (read in the same transaction as its answer is written).
struct SmsSurveyReply {
    std::int64_t item_id = 0;
    std::string from;
    std::string text;
    std::vector<std::string> analyzer_red_flags;  ///< what the analyzer found in the SMS when it was stored
    std::int64_t survey_id = 0;
    std::string physician_id;
    std::string care_unit;
    std::string language;
    std::string dialog_json;  ///< '' before the first answer
    SurveyDefinitionRow definition;
};

/// What one SMS did to its survey.
struct SmsReplyDecision {
    std::string dialog_json;
    std::vector<SurveyAnswerRecord> answers;  ///< newly recorded
    bool finished = false;                    ///< the survey is answered
    std::vector<NewOutbound> messages;        ///< the next question, a re-ask or the thank-you
    std::optional<RedFlagAlert> alert;
};

/// The survey behind a web-form link (nullopt from OpenFormSurvey when it is not open any more).
struct FormSurvey {
    std::int64_t id = 0;
    std::string language;
    std::string physician_id;
    std::string care_unit;
    std::string visit_number;
    SurveyDefinitionRow definition;
};

struct SubmitOutcome {
    bool accepted = false;  ///< false: already answered, expired or not open (nothing written)
    std::string state;      ///< the survey's state afterwards
    std::optional<std::int64_t> case_id;
};

struct SurveyRow {
    std::int64_t id = 0;
    std::int64_t encounter_id = 0;
    std::string visit_number;
    std::string state;
    std::string reason;
    std::string physician_id;
    std::string care_unit;
    std::string channel;
    Timestamp due_at;
    std::optional<Timestamp> next_action_at;
    std::optional<Timestamp> invited_at;
    std::optional<Timestamp> answered_at;
    int reminders_sent = 0;
    std::int64_t definition_id = 0;
};

struct SurveyListFilter {
    std::optional<std::string> state;
    std::optional<std::string> physician_id;
    std::size_t limit = 100;
};

/// Per question over a period: what the summary's distribution, mean and interval are computed from.
struct QuestionAggregate {
    std::string question_id;
    std::int64_t answers = 0;
    std::int64_t numeric_answers = 0;
    double total = 0.0;                                ///< of the numeric answers
    double total_squares = 0.0;                        ///< of the numeric answers
    std::map<std::string, std::int64_t> distribution;  ///< canonical answer text -> count (not for free text)
};

struct SummaryComment {
    std::int64_t survey_id = 0;
    std::string question_id;
    std::string text;
    std::string sentiment_label;
    double sentiment_score = 0.0;
    std::vector<std::string> categories;
    Timestamp answered_at;
};

struct SummaryRedFlag {
    std::int64_t survey_id = 0;
    std::string visit_number;
    std::string flag;
    std::optional<std::int64_t> case_id;
    std::string case_status;  ///< open or closed; '' without a case
    Timestamp answered_at;
};

struct UnitAggregate {
    std::string care_unit;
    std::string question_id;
    std::int64_t answers = 0;
    double total = 0.0;
    double total_squares = 0.0;
};

/// Everything a summary shows for one physician or one unit over [from, to), plus the previous period of the
/// same length for the trend. Free-text and red-flag lists are capped at 200 each, newest first.
struct SummaryData {
    std::int64_t invitations = 0;  ///< surveys invited in the period, or answered then without an invitation
    std::int64_t responses = 0;    ///< of those, answered
    std::vector<QuestionAggregate> questions;
    std::vector<QuestionAggregate> previous_questions;
    std::vector<SummaryComment> comments;
    std::vector<SummaryRedFlag> red_flags;
    std::vector<UnitAggregate> units;  ///< every unit with >= 5 numeric answers per question (others suppressed)
};

/// Lifecycle: a view over a Store's connection; use it on the Store's thread. Every call is one transaction.
class SurveyRepository {
public:
    explicit SurveyRepository(Store& store) : store_(store) {}

    /// Stores a question set version. The same (unit, version) with the same JSON again is a no-op returning the
    /// stored row; with another JSON it is refused (CrmErrc::kConflict): approved versions never change.
    Result<SurveyDefinitionRow> AddDefinition(const SurveyDefinitionRow& definition);
    Result<std::vector<SurveyDefinitionRow>> ListDefinitions();

    /// Applies an encounter message in one transaction: once per (facility, control_id); creates or updates the
    /// patient (by MRN, adding its phone and e-mail), the physician and the encounter; a discharge schedules the
    /// encounter's one survey (due per `due_time` and the newest definition of its unit, else of '*'); a cancel
    /// (discharge or visit) cancels a survey not yet answered. `now` is the caller's clock.
    Result<EncounterOutcome> ApplyEncounterMessage(const EncounterMessage& message, Timestamp now,
                                                   const DueTimeRule& due_time);

    /// Takes up to `limit` surveys whose next action is due at `now`, decides each with `decide` and writes the
    /// decision, all in one transaction. Returns how many were processed.
    Result<std::size_t> ProcessDue(Timestamp now, std::size_t limit,
                                   const std::function<SurveyDecision(const DueSurvey&)>& decide);

    /// Applies the SMS items stored since the last call (an internal cursor, advanced in the same transaction)
    /// that come from the number of an open SMS survey; up to `limit` items. Returns how many answered a survey.
    Result<std::size_t> ProcessSmsReplies(Timestamp now, std::size_t limit,
                                          const std::function<SmsReplyDecision(const SmsSurveyReply&)>& apply);

    /// The open survey (invited, not expired at `now`) behind a web-form link.
    Result<std::optional<FormSurvey>> OpenFormSurvey(std::int64_t survey_id, Timestamp now);
    /// Records a complete answer set (web form or phone import) once: the survey must be open (scheduled or
    /// invited, not expired) and have no answers yet; otherwise nothing is written and accepted is false.
    Result<SubmitOutcome> SubmitAnswers(std::int64_t survey_id, const std::string& via,
                                        const std::vector<SurveyAnswerRecord>& answers,
                                        const std::vector<SurveyTextItem>& text_items,
                                        const std::optional<RedFlagAlert>& alert, Timestamp now);
    /// The survey of an encounter, for the phone import (which knows the visit, not our id).
    Result<std::optional<std::int64_t>> FindSurveyByVisit(const std::string& facility, const std::string& visit);
    struct SurveyRecipient {
        std::string channel;  ///< sms or email, '' before the invitation
        std::string contact;
        std::string language;
    };
    /// Where a survey's invitation went (for its unsubscribe link).
    Result<std::optional<SurveyRecipient>> RecipientOf(std::int64_t survey_id);
    /// The definition a survey was started with.
    Result<SurveyDefinitionRow> DefinitionOfSurvey(std::int64_t survey_id);

    Result<std::vector<SurveyRow>> ListSurveys(const SurveyListFilter& filter);
    /// Counts per state, for metrics.
    Result<std::map<std::string, std::int64_t>> CountByState();

    /// A physician's summary, read AS that physician (role carelisten_physician with row-level security): only
    /// their own patients' rows can be read; the unit comparison comes from aggregates of >= 5 answers.
    Result<SummaryData> PhysicianSummary(const std::string& physician_id, Timestamp from, Timestamp to);
    /// A unit's summary (staff and unit leads; read as the owner).
    Result<SummaryData> UnitSummary(const std::string& care_unit, Timestamp from, Timestamp to);
    /// Rows of survey_answer visible to `physician_id` under row-level security (what the RLS test checks).
    Result<std::vector<std::int64_t>> SurveysVisibleTo(const std::string& physician_id);

    struct PhysicianContact {
        std::string id;
        std::string name;
        std::string email;
        std::string phone;
        std::string alert_channel;
    };
    Result<std::optional<PhysicianContact>> GetPhysician(const std::string& id);
    Result<std::vector<PhysicianContact>> ListPhysicians();
    /// Sets a physician's alert contacts (the HL7 feed names physicians but has no contacts for them).
    Result<void> UpdatePhysicianContact(const PhysicianContact& contact);

private:
    Store& store_;
};

}  // namespace carelisten::crm
