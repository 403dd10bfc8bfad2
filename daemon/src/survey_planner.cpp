#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <charconv>
#include <daemon/mapping.hpp>
#include <daemon/survey_planner.hpp>
#include <nlp/analyzer.hpp>
#include <surveys/eligibility.hpp>
#include <surveys/schedule.hpp>
#include <surveys/sms_dialog.hpp>

namespace carelisten::daemon {
namespace {

std::string Base64Url(const unsigned char* data, std::size_t size) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    for (std::size_t i = 0; i < size; i += 3) {
        const std::uint32_t chunk = (std::uint32_t{data[i]} << 16) |
                                    (i + 1 < size ? std::uint32_t{data[i + 1]} << 8 : 0U) |
                                    (i + 2 < size ? std::uint32_t{data[i + 2]} : 0U);
        out += kAlphabet[(chunk >> 18) & 63U];
        out += kAlphabet[(chunk >> 12) & 63U];
        if (i + 1 < size) {
            out += kAlphabet[(chunk >> 6) & 63U];
        }
        if (i + 2 < size) {
            out += kAlphabet[chunk & 63U];
        }
    }
    return out;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

const surveys::Question* FindQuestion(const surveys::SurveyDefinition& definition, std::string_view id) {
    for (const auto& question : definition.questions) {
        if (question.id == id) {
            return &question;
        }
    }
    return nullptr;
}

crm::SurveyAnswerRecord ToRecord(const surveys::Question& question, const surveys::AnswerValue& value) {
    crm::SurveyAnswerRecord record;
    record.question_id = question.id;
    if (value.number) {
        record.value_number = *value.number;
    } else if (value.yes) {
        record.value_number = *value.yes ? 1 : 0;  // so a yes/no question has a proportion in the summary
    }
    record.value_text = surveys::AnswerToText(value);
    record.red_flag = surveys::RedFlagOf(question, value).value_or("");
    record.free_text = question.type == surveys::QuestionType::kFreeText;
    return record;
}

// The analyzer's flags that alert the physician when a follow-up answer raises them: clinical red flags and the
// patient's own safety (self-harm). Legal or media threats go to patient relations through the case, not here.
bool IsAlertingAnalyzerFlag(std::string_view flag) {
    return flag == "clinical" || flag.starts_with("clinical:") || flag == "self_harm" || flag == "safety_incident";
}

std::string StopLine(const std::string& unsubscribe_url) {
    return unsubscribe_url.empty() ? "\n\nTo stop these messages, tell the hospital."
                                   : "\n\nTo stop these messages: " + unsubscribe_url;
}

// An e-mail in the outbox is "<subject>\n\n<text>": the e-mail sender splits it there.
std::string MailBody(const std::string& subject, const std::string& text) {
    return subject + "\n\n" + text;
}

}  // namespace

SurveyPlanner::SurveyPlanner(SurveyPlannerOptions options) : options_(std::move(options)) {}

std::shared_ptr<const surveys::SurveyDefinition> SurveyPlanner::Definition(const crm::SurveyDefinitionRow& row) const {
    {
        std::lock_guard lock(cache_mutex_);
        if (const auto found = definitions_.find(row.id); found != definitions_.end()) {
            return found->second;
        }
    }
    auto parsed = surveys::FromJson(row.definition_json);
    if (!parsed) {
        return nullptr;
    }
    auto shared = std::make_shared<const surveys::SurveyDefinition>(std::move(*parsed));
    std::lock_guard lock(cache_mutex_);
    definitions_.emplace(row.id, shared);  // versions never change (crm refuses edits), so caching is safe
    return shared;
}

crm::DueTimeRule SurveyPlanner::DueTimeRule() const {
    return [this](const crm::SurveyDefinitionRow& row, crm::Timestamp discharged) -> std::optional<crm::Timestamp> {
        const auto definition = Definition(row);
        if (!definition) {
            return std::nullopt;
        }
        return surveys::FirstInvitationTime(discharged, *definition);
    };
}

crm::SurveyDecision SurveyPlanner::Decide(const crm::DueSurvey& survey, crm::Timestamp now) const {
    crm::SurveyDecision decision;
    const auto definition = Definition(survey.definition);
    if (!definition) {
        decision.state = "skipped";
        decision.reason = "definition_unreadable";
        return decision;  // next_action_at cleared: never looked at again
    }
    const auto quiet = surveys::ParseQuietHours(definition->quiet_start, definition->quiet_end);
    const auto allowed = quiet ? surveys::NextAllowedTime(now, *quiet, definition->time_zone) : now;
    const std::string& language = survey.language;
    const std::string form_url = FormUrl(survey.id);

    if (survey.state == "invited") {
        const auto invited_at = survey.invited_at.value_or(now);
        const auto expires = survey.expires_at.value_or(surveys::ExpiryTime(invited_at, *definition));
        if (now >= expires) {
            decision.state = "expired";
            decision.reason = "no_answer";
            return decision;
        }
        const auto reminder_due = surveys::NextReminderTime(invited_at, survey.last_sent_at.value_or(invited_at),
                                                            survey.reminders_sent, *definition);
        if (!reminder_due) {
            decision.next_action_at = expires;  // no more reminders: only the expiry is left
            return decision;
        }
        if (*reminder_due > now) {
            decision.next_action_at = *reminder_due;
            return decision;
        }
        if (allowed > now) {
            decision.next_action_at = std::min(allowed, expires);  // quiet hours: remind when they end
            return decision;
        }
        const std::string dedupe =
            "survey:" + std::to_string(survey.id) + ":reminder:" + std::to_string(survey.reminders_sent + 1);
        if (survey.channel == "sms") {
            const auto dialog = surveys::DialogFromJson(survey.dialog_json).value_or(surveys::SmsDialogState{});
            decision.messages.push_back({.source = options_.sms_source,
                                         .channel = "sms",
                                         .recipient = survey.contact,
                                         .purpose = "survey",
                                         .body = "Reminder from " + options_.hospital_name + ": " +
                                                 surveys::SmsQuestion(*definition, dialog.next_question, language),
                                         .dedupe_key = dedupe});
        } else if (survey.channel == "email") {
            decision.messages.push_back(
                {.source = options_.email_source,
                 .channel = "email",
                 .recipient = survey.contact,
                 .purpose = "survey",
                 .body = MailBody("Reminder: how are you since your stay at " + options_.hospital_name + "?",
                                  "A few days ago we asked how you are doing since you left " + options_.hospital_name +
                                      ". It takes two minutes:\n\n" + form_url +
                                      "\n\nIf you feel unwell, call your doctor or emergency services; this "
                                      "survey is not read around the clock." +
                                      StopLine(UnsubscribeUrl(survey.id))),
                 .dedupe_key = dedupe});
        }
        decision.reminded_now = true;
        const auto next = surveys::NextReminderTime(invited_at, now, survey.reminders_sent + 1, *definition);
        decision.next_action_at = next ? *next : expires;
        return decision;
    }

    // scheduled: the eligibility is checked again now, just before sending.
    surveys::EligibilityFacts facts;
    facts.deceased = survey.deceased;
    facts.readmitted = survey.readmitted;
    facts.open_serious_complaint = survey.open_serious_complaint;
    bool any_consent = false;
    for (const auto& contact : survey.contacts) {
        const bool usable_channel =
            contact.channel == "sms" ? !options_.sms_source.empty() : !options_.email_source.empty();
        if (contact.channel == "sms") {
            facts.has_sms = facts.has_sms || usable_channel;
        } else {
            facts.has_email = facts.has_email || usable_channel;
        }
        any_consent = any_consent || contact.may_send;
    }
    facts.opted_out_surveys = !survey.contacts.empty() && !any_consent;
    facts.sms_consented = std::any_of(survey.contacts.begin(), survey.contacts.end(),
                                      [](const auto& c) { return c.channel == "sms" && c.may_send; });
    facts.email_consented = std::any_of(survey.contacts.begin(), survey.contacts.end(),
                                        [](const auto& c) { return c.channel == "email" && c.may_send; });
    if (survey.encounter_cancelled) {
        decision.state = "cancelled";
        decision.reason = "encounter_cancelled";
        return decision;
    }
    const auto eligibility = surveys::CheckEligibility(facts);
    switch (eligibility.verdict) {
        case surveys::Verdict::kSkip:
            decision.state = "skipped";
            decision.reason = eligibility.reason;
            return decision;
        case surveys::Verdict::kNotifyStaff:
            decision.state = "staff_review";
            decision.reason = eligibility.reason;
            return decision;
        case surveys::Verdict::kPhoneList:
            decision.state = "phone_list";
            decision.reason = eligibility.reason;
            return decision;
        case surveys::Verdict::kSend:
            break;
    }
    if (allowed > now) {
        decision.next_action_at = allowed;  // quiet hours in the hospital's time zone: send when they end
        return decision;
    }
    for (const auto& channel : eligibility.channels) {
        const auto contact = std::find_if(survey.contacts.begin(), survey.contacts.end(),
                                          [&](const auto& c) { return c.channel == channel && c.may_send; });
        if (contact == survey.contacts.end()) {
            continue;
        }
        const std::string dedupe = "survey:" + std::to_string(survey.id) + ":invitation";
        if (channel == "sms") {
            decision.messages.push_back(
                {.source = options_.sms_source,
                 .channel = "sms",
                 .recipient = contact->value,
                 .purpose = "survey",
                 .body = surveys::SmsInvitation(*definition, language, options_.hospital_name, form_url),
                 .dedupe_key = dedupe});
            decision.dialog_json = surveys::ToJson(surveys::SmsDialogState{});
        } else {
            decision.messages.push_back(
                {.source = options_.email_source,
                 .channel = "email",
                 .recipient = contact->value,
                 .purpose = "survey",
                 .body = MailBody("How are you since your stay at " + options_.hospital_name + "?",
                                  "Two weeks ago you left " + options_.hospital_name +
                                      ". Your care team would like to know how you are doing; it takes two "
                                      "minutes:\n\n" +
                                      form_url +
                                      "\n\nIf you feel unwell, call your doctor or emergency services; this "
                                      "survey is not read around the clock." +
                                      StopLine(UnsubscribeUrl(survey.id))),
                 .dedupe_key = dedupe});
        }
        decision.state = "invited";
        decision.invited_now = true;
        decision.channel = channel;
        decision.contact = contact->value;
        const auto expires = surveys::ExpiryTime(now, *definition);
        decision.expires_at = expires;
        const auto reminder = surveys::NextReminderTime(now, now, 0, *definition);
        decision.next_action_at = reminder ? *reminder : expires;
        return decision;
    }
    decision.state = "phone_list";
    decision.reason = "no_channel";
    return decision;
}

crm::SmsReplyDecision SurveyPlanner::ApplySms(const crm::SmsSurveyReply& reply) const {
    crm::SmsReplyDecision decision;
    const auto definition = Definition(reply.definition);
    const auto state = surveys::DialogFromJson(reply.dialog_json).value_or(surveys::SmsDialogState{});
    if (!definition) {
        decision.dialog_json = surveys::ToJson(state);
        return decision;
    }
    const auto step = surveys::ApplySmsReply(*definition, state, reply.text, reply.language);
    decision.dialog_json = surveys::ToJson(step.state);
    decision.finished = step.finished;
    if (step.recorded && surveys::IsAnswered(step.recorded->second)) {
        if (const auto* question = FindQuestion(*definition, step.recorded->first)) {
            decision.answers.push_back(ToRecord(*question, step.recorded->second));
        }
    }
    if (!step.reply.empty()) {
        decision.messages.push_back(
            {.source = options_.sms_source,
             .channel = "sms",
             .recipient = reply.from,
             .purpose = "survey",
             .body = step.reply,
             .dedupe_key = "survey:" + std::to_string(reply.survey_id) + ":reply:" + std::to_string(reply.item_id)});
    }
    // The rules' flags, and the analyzer's clinical ones in a free-text answer ("the wound is oozing").
    std::vector<std::string> flags = step.red_flags;
    const bool free_text = !decision.answers.empty() && decision.answers.back().free_text;
    if (free_text) {
        for (const auto& flag : reply.analyzer_red_flags) {
            if (IsAlertingAnalyzerFlag(flag)) {
                flags.push_back(flag);
            }
        }
    }
    if (!flags.empty()) {
        decision.alert = MakeAlert(reply.survey_id, "", flags);
    }
    return decision;
}

PlannedSubmission SurveyPlanner::PlanSubmission(
    std::int64_t survey_id, const std::string& visit_number, const surveys::SurveyDefinition& definition,
    const std::vector<std::pair<std::string, surveys::AnswerValue>>& answers, const nlp::Analyzer* analyzer) const {
    PlannedSubmission plan;
    std::vector<std::string> flags;
    for (const auto& [question_id, value] : answers) {
        const auto* question = FindQuestion(definition, question_id);
        if (question == nullptr || !surveys::IsAnswered(value)) {
            continue;
        }
        auto record = ToRecord(*question, value);
        if (!record.red_flag.empty()) {
            flags.push_back(record.red_flag);
        }
        if (record.free_text && analyzer != nullptr) {
            connectors::RawItem raw;
            raw.source = "surveys";
            raw.external_id = "survey:" + std::to_string(survey_id) + ":" + question_id;
            raw.channel = "survey";
            raw.text = value.text;
            raw.question = surveys::Wording(*question, "en");
            const auto analysis = analyzer->Analyze(ToAnalysisInput(raw));
            // The analyzer's clinical red flags in free text ("the wound is red and oozing") alert like a rule.
            for (const auto& flag : analysis.red_flags) {
                if (IsAlertingAnalyzerFlag(flag)) {
                    flags.push_back(flag);
                    record.red_flag = record.red_flag.empty() ? flag : record.red_flag;
                }
            }
            plan.text_items.push_back({.question_id = question_id, .item = ToNewItem(raw, analysis, FlagPolicy{})});
        }
        plan.answers.push_back(std::move(record));
    }
    if (!flags.empty()) {
        std::sort(flags.begin(), flags.end());
        flags.erase(std::unique(flags.begin(), flags.end()), flags.end());
        plan.alert = MakeAlert(survey_id, visit_number, flags);
    }
    return plan;
}

crm::RedFlagAlert SurveyPlanner::MakeAlert(std::int64_t survey_id, const std::string& visit_number,
                                           const std::vector<std::string>& flags) const {
    crm::RedFlagAlert alert;
    alert.flags = flags;
    // Minimum necessary: the flag and where to look, never the patient's name or words.
    std::string text = "carelisten red flag in a follow-up survey (survey " + std::to_string(survey_id);
    if (!visit_number.empty()) {
        text += ", visit " + visit_number;
    }
    text += "): ";
    for (std::size_t i = 0; i < flags.size(); ++i) {
        text += (i == 0 ? "" : ", ") + flags[i];
    }
    text += ". Please review today.";
    if (!options_.console_url.empty()) {
        text += " " + options_.console_url;
    }
    alert.message = text;
    alert.sms_source = options_.sms_source;
    alert.email_source = options_.email_source;
    return alert;
}

std::string SurveyPlanner::Sign(std::string_view purpose, std::string_view text) const {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_size = 0;
    const std::string message = std::string(purpose) + ":" + std::string(text);
    HMAC(EVP_sha256(), options_.link_key.data(), static_cast<int>(options_.link_key.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &mac_size);
    // 128 of the 256 bits: unguessable still, and a link short enough for an SMS (22 characters).
    return Base64Url(mac, std::min<unsigned int>(mac_size, 16));
}

std::string SurveyPlanner::FormToken(std::int64_t survey_id) const {
    const std::string id = std::to_string(survey_id);
    return id + "." + Sign("survey-link", id);
}

std::optional<std::int64_t> SurveyPlanner::VerifyFormToken(std::string_view token) const {
    const auto dot = token.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot > 19) {
        return std::nullopt;
    }
    const std::string_view id_text = token.substr(0, dot);
    std::int64_t id = 0;
    const auto [end, error] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (error != std::errc() || end != id_text.data() + id_text.size() || id <= 0) {
        return std::nullopt;
    }
    if (!ConstantTimeEqual(token.substr(dot + 1), Sign("survey-link", id_text))) {
        return std::nullopt;
    }
    return id;
}

std::string SurveyPlanner::CsrfToken(std::string_view form_token) const {
    return Sign("survey-csrf", form_token);
}

bool SurveyPlanner::VerifyCsrfToken(std::string_view form_token, std::string_view csrf) const {
    return ConstantTimeEqual(csrf, CsrfToken(form_token));
}

std::string SurveyPlanner::FormUrl(std::int64_t survey_id) const {
    if (options_.form_base_url.empty()) {
        return {};
    }
    std::string base = options_.form_base_url;
    while (!base.empty() && base.back() == '/') {
        base.pop_back();
    }
    return base + "/survey/" + FormToken(survey_id);
}

std::string SurveyPlanner::UnsubscribeUrl(std::int64_t survey_id) const {
    const std::string form = FormUrl(survey_id);
    if (form.empty()) {
        return {};
    }
    const auto token = form.rfind('/');
    return form.substr(0, token) + "/unsubscribe" + form.substr(token);
}

}  // namespace carelisten::daemon
