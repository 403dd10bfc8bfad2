#include <crm/survey_repository.hpp>
#include <pqxx/pqxx>

#include "convert.hpp"
#include "sql_util.hpp"
#include "store_impl.hpp"

namespace carelisten::crm {
namespace {

const std::string kDefinitionColumns =
    "d.id, d.care_unit, d.version, d.approved_by, d.approved_at::text, d.definition::text";

SurveyDefinitionRow ToDefinition(const pqxx::row& row, int first) {
    SurveyDefinitionRow out;
    out.id = row[first].as<std::int64_t>();
    out.care_unit = row[first + 1].as<std::string>();
    out.version = row[first + 2].as<int>();
    out.approved_by = row[first + 3].as<std::string>();
    out.approved_at = row[first + 4].as<std::string>();
    out.definition_json = row[first + 5].as<std::string>();
    return out;
}

void EnqueueMessages(pqxx::work& txn, const std::vector<NewOutbound>& messages) {
    for (const auto& message : messages) {
        txn.exec_prepared("crm_outbound_insert", message.source, message.channel, message.recipient, message.purpose,
                          message.body, message.dedupe_key);
    }
}

void InsertAnswers(pqxx::work& txn, std::int64_t survey_id, const std::string& via,
                   const std::vector<SurveyAnswerRecord>& answers, const std::map<std::string, std::int64_t>& items,
                   std::optional<std::int64_t> default_item, Timestamp now) {
    const std::string sql =
        "INSERT INTO survey_answer (survey_id, question_id, value_number, value_text, red_flag, is_free_text, via, "
        "physician_id, care_unit, answered_at, item_id) "
        "SELECT s.id, $2, $3, $4, $5, $6, $7, s.physician_id, s.care_unit, " +
        TimeParam(8) + ", $9 FROM survey AS s WHERE s.id = $1 ON CONFLICT (survey_id, question_id) DO NOTHING";
    for (const auto& answer : answers) {
        std::optional<std::int64_t> item = default_item;
        if (const auto found = items.find(answer.question_id); found != items.end()) {
            item = found->second;
        }
        Prepared(txn, "crm_survey_1", sql, survey_id, answer.question_id, answer.value_number, answer.value_text,
                 answer.red_flag, answer.free_text, via, ToUnixMicros(now), item);
    }
}

/// Opens (or finds) the survey's urgent case, links `item_id` to it, and queues the physician's notifications.
std::int64_t RaiseAlert(pqxx::work& txn, std::int64_t survey_id, std::int64_t item_id, const RedFlagAlert& alert) {
    const auto case_id =
        Prepared1(txn, "crm_survey_2",
                  "INSERT INTO feedback_case (source, author, status, urgency, min_sentiment_score, item_count, "
                  "survey_id, patient_id, physician_id, care_unit) "
                  "SELECT 'surveys', 'survey:' || s.id, 'open', 'critical', 0, 1, s.id, s.patient_id, s.physician_id, "
                  "s.care_unit FROM survey AS s WHERE s.id = $1 "
                  "ON CONFLICT (survey_id) WHERE survey_id IS NOT NULL "
                  "DO UPDATE SET urgency = 'critical', updated_at = now() RETURNING id",
                  survey_id)[0]
            .as<std::int64_t>();
    const auto linked = Prepared(txn, "crm_survey_3",
                                 "UPDATE item SET case_id = $1, urgency = 'critical', "
                                 "red_flags = ARRAY(SELECT DISTINCT unnest(red_flags || $3::text[])) "
                                 "WHERE id = $2 AND case_id IS DISTINCT FROM $1",
                                 case_id, item_id, TextArrayLiteral(alert.flags));
    if (linked.affected_rows() > 0) {
        Prepared(txn, "crm_survey_4",
                 "UPDATE feedback_case SET item_count = (SELECT count(*) FROM item WHERE case_id = $1) WHERE id = $1",
                 case_id);
    }
    if (!alert.message.empty()) {
        const pqxx::result physician = Prepared(
            txn, "crm_survey_5",
            "SELECT p.alert_channel, p.email, p.phone FROM survey AS s JOIN physician AS p ON p.id = s.physician_id "
            "WHERE s.id = $1",
            survey_id);
        if (!physician.empty()) {
            const std::string preferred = physician[0][0].as<std::string>();
            const std::string email = physician[0][1].as<std::string>();
            const std::string phone = physician[0][2].as<std::string>();
            const bool by_sms = !phone.empty() && !alert.sms_source.empty() &&
                                (preferred == "sms" || email.empty() || alert.email_source.empty());
            const bool by_email = !by_sms && !email.empty() && !alert.email_source.empty();
            if (by_sms || by_email) {
                // One alert per item that raised it: a replayed answer never alerts twice.
                EnqueueMessages(txn, {{.source = by_sms ? alert.sms_source : alert.email_source,
                                       .channel = by_sms ? "sms" : "email",
                                       .recipient = by_sms ? phone : email,
                                       .purpose = "clinical_alert",
                                       .body = by_sms ? alert.message : alert.email_subject + "\n\n" + alert.message,
                                       .dedupe_key = "alert:" + std::to_string(item_id)}});
            }
        }
    }
    EnqueueMessages(txn, alert.notifications);
    return case_id;
}

/// A stored item for a survey answer (the free text the analyzer read, or the red-flag record of a form).
std::int64_t InsertSurveyItem(pqxx::work& txn, std::int64_t survey_id, const NewItem& item) {
    const std::string sql =
        "INSERT INTO item (source, external_id, channel, author, text, language, sentiment_label, sentiment_score, "
        "sentiment_scored, is_noise, noise_reasons, categories, urgency, red_flags, analyzer_version, question, "
        "care_unit, patient_id, patient_match) "
        "SELECT $1, $2, 'survey', '', $3, $4, $5, $6, $7, $8, $9::text[], $10::text[], $11, $12::text[], $13, $14, "
        "s.care_unit, s.patient_id, 'matched' FROM survey AS s WHERE s.id = $15 "
        "ON CONFLICT (source, external_id, item_version) DO UPDATE SET text = EXCLUDED.text RETURNING id";
    return txn
        .exec_params1(sql, item.source, item.external_id, item.text, item.language,
                      item.sentiment_label.empty() ? "neutral" : item.sentiment_label, item.sentiment_score,
                      item.sentiment_scored, item.is_noise, TextArrayLiteral(item.noise_reasons),
                      TextArrayLiteral(item.categories), item.urgency.empty() ? "none" : item.urgency,
                      TextArrayLiteral(item.red_flags), item.analyzer_version, item.question, survey_id)[0]
        .as<std::int64_t>();
}

std::string KindToStatus(const std::string& kind) {
    if (kind == "discharge") {
        return "discharged";
    }
    if (kind == "cancel_visit") {
        return "cancelled";
    }
    return "admitted";  // cancel_discharge: back in hospital; update of an unknown visit: not discharged yet
}

std::optional<SurveyDefinitionRow> NewestDefinition(pqxx::work& txn, const std::string& care_unit) {
    const pqxx::result rows = Prepared(txn, "crm_survey_6",
                                       "SELECT " + kDefinitionColumns +
                                           " FROM survey_definition AS d WHERE d.care_unit IN ($1, '*') "
                                           "ORDER BY (d.care_unit = '*'), d.version DESC LIMIT 1",
                                       care_unit);
    if (rows.empty()) {
        return std::nullopt;
    }
    return ToDefinition(rows[0], 0);
}

SurveyRow ToSurveyRow(const pqxx::row& row) {
    SurveyRow out;
    out.id = row[0].as<std::int64_t>();
    out.encounter_id = row[1].as<std::int64_t>();
    out.visit_number = row[2].as<std::string>();
    out.state = row[3].as<std::string>();
    out.reason = row[4].as<std::string>();
    out.physician_id = TextOr(row[5]);
    out.care_unit = row[6].as<std::string>();
    out.channel = row[7].as<std::string>();
    out.due_at = FromUnixMicros(row[8].as<std::int64_t>());
    out.next_action_at = OptionalTime(row[9]);
    out.invited_at = OptionalTime(row[10]);
    out.answered_at = OptionalTime(row[11]);
    out.reminders_sent = row[12].as<int>();
    out.definition_id = row[13].as<std::int64_t>();
    return out;
}

/// The summary queries, over rows already narrowed by `scope` ("a.physician_id = $1" or "a.care_unit = $1").
SummaryData ReadSummary(pqxx::work& txn, const std::string& scope_column, const std::string& key, Timestamp from,
                        Timestamp to) {
    SummaryData data;
    const auto from_us = ToUnixMicros(from);
    const auto to_us = ToUnixMicros(to);
    const auto previous_from_us = from_us - (to_us - from_us);
    const std::string survey_scope = "s." + scope_column + " = $1";
    const std::string answer_scope = "a." + scope_column + " = $1";

    const pqxx::row counts =
        Prepared1(txn, "crm_survey_7_" + scope_column,
                  // A survey answered on the phone without an invitation was reached when it was answered.
                  "SELECT count(*), count(*) FILTER (WHERE s.state = 'answered') FROM survey AS s WHERE " +
                      survey_scope + " AND coalesce(s.invited_at, s.answered_at) >= " + TimeParam(2) +
                      " AND coalesce(s.invited_at, s.answered_at) < " + TimeParam(3),
                  key, from_us, to_us);
    data.invitations = counts[0].as<std::int64_t>();
    data.responses = counts[1].as<std::int64_t>();

    auto read_questions = [&](std::int64_t begin_us, std::int64_t end_us) {
        std::vector<QuestionAggregate> questions;
        const pqxx::result rows =
            Prepared(txn, "crm_survey_8_" + scope_column,
                     "SELECT a.question_id, count(*), count(a.value_number), coalesce(sum(a.value_number), 0)::float8, "
                     "coalesce(sum(a.value_number::float8 * a.value_number), 0) FROM survey_answer AS a WHERE " +
                         answer_scope + " AND a.answered_at >= " + TimeParam(2) + " AND a.answered_at < " +
                         TimeParam(3) + " GROUP BY a.question_id ORDER BY a.question_id",
                     key, begin_us, end_us);
        for (const auto& row : rows) {
            QuestionAggregate aggregate;
            aggregate.question_id = row[0].as<std::string>();
            aggregate.answers = row[1].as<std::int64_t>();
            aggregate.numeric_answers = row[2].as<std::int64_t>();
            aggregate.total = row[3].as<double>();
            aggregate.total_squares = row[4].as<double>();
            questions.push_back(std::move(aggregate));
        }
        const pqxx::result values =
            Prepared(txn, "crm_survey_9_" + scope_column,
                     "SELECT a.question_id, a.value_text, count(*) FROM survey_answer AS a WHERE " + answer_scope +
                         " AND NOT a.is_free_text AND a.answered_at >= " + TimeParam(2) + " AND a.answered_at < " +
                         TimeParam(3) + " GROUP BY a.question_id, a.value_text",
                     key, begin_us, end_us);
        for (const auto& row : values) {
            for (auto& aggregate : questions) {
                if (aggregate.question_id == row[0].as<std::string>()) {
                    aggregate.distribution[row[1].as<std::string>()] = row[2].as<std::int64_t>();
                }
            }
        }
        return questions;
    };
    data.questions = read_questions(from_us, to_us);
    data.previous_questions = read_questions(previous_from_us, from_us);

    const pqxx::result comments = Prepared(
        txn, "crm_survey_10_" + scope_column,
        "SELECT a.survey_id, a.question_id, a.value_text, coalesce(i.sentiment_label, ''), "
        "coalesce(i.sentiment_score, 0), coalesce(i.categories, '{}'), " +
            TimeColumn("a.answered_at") + " FROM survey_answer AS a LEFT JOIN item AS i ON i.id = a.item_id WHERE " +
            answer_scope + " AND a.is_free_text AND a.answered_at >= " + TimeParam(2) + " AND a.answered_at < " +
            TimeParam(3) + " ORDER BY a.answered_at DESC LIMIT 200",
        key, from_us, to_us);
    for (const auto& row : comments) {
        data.comments.push_back({.survey_id = row[0].as<std::int64_t>(),
                                 .question_id = row[1].as<std::string>(),
                                 .text = row[2].as<std::string>(),
                                 .sentiment_label = row[3].as<std::string>(),
                                 .sentiment_score = row[4].as<double>(),
                                 .categories = ParseTextArray(row[5]),
                                 .answered_at = FromUnixMicros(row[6].as<std::int64_t>())});
    }

    const pqxx::result flags = Prepared(
        txn, "crm_survey_11_" + scope_column,
        "SELECT a.survey_id, e.visit_number, a.red_flag, c.id, coalesce(c.status, ''), " + TimeColumn("a.answered_at") +
            " FROM survey_answer AS a JOIN survey AS s ON s.id = a.survey_id JOIN encounter AS e ON e.id = "
            "s.encounter_id LEFT JOIN feedback_case AS c ON c.survey_id = a.survey_id WHERE " +
            answer_scope + " AND a.red_flag <> '' AND a.answered_at >= " + TimeParam(2) + " AND a.answered_at < " +
            TimeParam(3) + " ORDER BY a.answered_at DESC LIMIT 200",
        key, from_us, to_us);
    for (const auto& row : flags) {
        SummaryRedFlag flag;
        flag.survey_id = row[0].as<std::int64_t>();
        flag.visit_number = row[1].as<std::string>();
        flag.flag = row[2].as<std::string>();
        if (!row[3].is_null()) {
            flag.case_id = row[3].as<std::int64_t>();
        }
        flag.case_status = row[4].as<std::string>();
        flag.answered_at = FromUnixMicros(row[5].as<std::int64_t>());
        data.red_flags.push_back(std::move(flag));
    }

    const pqxx::result units =
        Prepared(txn, "crm_survey_12_" + scope_column,
                 "SELECT care_unit, question_id, answers, total, total_squares FROM survey_unit_comparison(" +
                     TimeParam(1) + ", " + TimeParam(2) + ") ORDER BY care_unit, question_id",
                 from_us, to_us);
    for (const auto& row : units) {
        data.units.push_back({.care_unit = row[0].as<std::string>(),
                              .question_id = row[1].as<std::string>(),
                              .answers = row[2].as<std::int64_t>(),
                              .total = row[3].as<double>(),
                              .total_squares = row[4].as<double>()});
    }
    return data;
}

}  // namespace

Result<SurveyDefinitionRow> SurveyRepository::AddDefinition(const SurveyDefinitionRow& definition) {
    return store_.impl_->Run<SurveyDefinitionRow>(
        "add survey definition", [&](pqxx::connection& conn) -> Result<SurveyDefinitionRow> {
            pqxx::work txn(conn, "add survey definition");
            Prepared(txn, "crm_survey_14",
                     "INSERT INTO survey_definition (care_unit, version, approved_by, approved_at, definition) "
                     "VALUES ($1, $2, $3, $4::date, $5::jsonb) ON CONFLICT (care_unit, version) DO NOTHING",
                     definition.care_unit, definition.version, definition.approved_by, definition.approved_at,
                     definition.definition_json);
            const pqxx::row row =
                Prepared1(txn, "crm_survey_15",
                          "SELECT " + kDefinitionColumns +
                              ", d.definition = $3::jsonb AND d.approved_by = $4 AND d.approved_at = $5::date "
                              "FROM survey_definition AS d WHERE d.care_unit = $1 AND d.version = $2",
                          definition.care_unit, definition.version, definition.definition_json, definition.approved_by,
                          definition.approved_at);
            if (!row[6].as<bool>()) {
                return CrmErrc::kConflict;
            }
            txn.commit();
            return ToDefinition(row, 0);
        });
}

Result<std::vector<SurveyDefinitionRow>> SurveyRepository::ListDefinitions() {
    return store_.impl_->Run<std::vector<SurveyDefinitionRow>>(
        "list survey definitions", [&](pqxx::connection& conn) -> Result<std::vector<SurveyDefinitionRow>> {
            pqxx::nontransaction txn(conn, "list survey definitions");
            std::vector<SurveyDefinitionRow> rows;
            for (const auto& row : txn.exec("SELECT " + kDefinitionColumns +
                                            " FROM survey_definition AS d ORDER BY d.care_unit, "
                                            "d.version")) {
                rows.push_back(ToDefinition(row, 0));
            }
            return rows;
        });
}

Result<EncounterOutcome> SurveyRepository::ApplyEncounterMessage(const EncounterMessage& message, Timestamp now,
                                                                 const DueTimeRule& due_time) {
    return store_.impl_->Run<
        EncounterOutcome>("apply encounter message", [&](pqxx::connection& conn) -> Result<EncounterOutcome> {
        pqxx::work txn(conn, "apply encounter message");
        EncounterOutcome outcome;
        auto read_survey = [&](std::int64_t encounter_id) {
            const pqxx::result survey =
                Prepared(txn, "crm_survey_16", "SELECT id, state FROM survey WHERE encounter_id = $1", encounter_id);
            if (!survey.empty()) {
                outcome.survey_id = survey[0][0].as<std::int64_t>();
                outcome.survey_state = survey[0][1].as<std::string>();
            }
        };
        // A replay is recognized before anything else is touched. The row lock of the INSERT below makes two
        // concurrent deliveries of one message wait for each other; the loser sees the winner's row here.
        const pqxx::result seen = Prepared(
            txn, "crm_survey_17", "SELECT encounter_id FROM encounter_message WHERE facility = $1 AND control_id = $2",
            message.facility, message.control_id);
        if (!seen.empty()) {
            outcome.replay = true;
            outcome.encounter_id = seen[0][0].as<std::int64_t>();
            read_survey(outcome.encounter_id);
            txn.commit();
            return outcome;
        }

        const auto patient_id = Prepared1(txn, "crm_survey_18",
                                          "INSERT INTO patient (mrn) VALUES ($1) ON CONFLICT (mrn) DO UPDATE SET mrn = "
                                          "EXCLUDED.mrn RETURNING id",
                                          message.mrn)[0]
                                    .as<std::int64_t>();
        if (!message.phone.empty()) {
            txn.exec_prepared("crm_add_contact", patient_id, "phone", message.phone);
        }
        if (!message.email.empty()) {
            txn.exec_prepared("crm_add_contact", patient_id, "email", message.email);
        }
        std::optional<std::string> physician;
        if (!message.physician_id.empty()) {
            physician = message.physician_id;
            Prepared(txn, "crm_survey_19",
                     "INSERT INTO physician (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = CASE WHEN "
                     "EXCLUDED.name <> '' THEN EXCLUDED.name ELSE physician.name END, updated_at = now()",
                     message.physician_id, message.physician_name);
        }
        const pqxx::row encounter = Prepared1(
            txn, "crm_survey_20",
            "INSERT INTO encounter (facility, visit_number, patient_id, physician_id, care_unit, status, "
            "discharged_at, disposition, deceased, language) VALUES ($1, $2, $3, $4, $5, $6, " +
                std::string("CASE WHEN $7::bigint IS NULL THEN NULL ELSE ") + TimeParam(7) +
                " END, $8, $9, $10) "
                "ON CONFLICT (facility, visit_number) DO UPDATE SET "
                "patient_id = EXCLUDED.patient_id, "
                "physician_id = coalesce(EXCLUDED.physician_id, encounter.physician_id), "
                "care_unit = CASE WHEN EXCLUDED.care_unit <> '' THEN EXCLUDED.care_unit ELSE encounter.care_unit "
                "END, "
                "status = CASE WHEN $11 = 'update' THEN encounter.status ELSE EXCLUDED.status END, "
                "discharged_at = CASE WHEN $11 IN ('discharge', 'update') "
                "THEN coalesce(EXCLUDED.discharged_at, encounter.discharged_at) ELSE encounter.discharged_at END, "
                "disposition = CASE WHEN EXCLUDED.disposition <> '' THEN EXCLUDED.disposition ELSE "
                "encounter.disposition END, "
                "deceased = encounter.deceased OR EXCLUDED.deceased, "
                "language = CASE WHEN EXCLUDED.language <> '' THEN EXCLUDED.language ELSE encounter.language END, "
                "updated_at = now() "
                "RETURNING id, status, care_unit, " +
                TimeColumn("discharged_at") + ", physician_id, language",
            message.facility, message.visit_number, patient_id, physician, message.care_unit,
            KindToStatus(message.kind), Micros(message.discharged_at), message.disposition, message.deceased,
            message.language, message.kind);
        outcome.encounter_id = encounter[0].as<std::int64_t>();
        const std::string status = encounter[1].as<std::string>();
        const std::string care_unit = encounter[2].as<std::string>();
        const std::optional<Timestamp> discharged_at = OptionalTime(encounter[3]);
        Prepared(txn, "crm_survey_21",
                 "INSERT INTO encounter_message (facility, control_id, kind, encounter_id, received_at) "
                 "VALUES ($1, $2, $3, $4, " +
                     TimeParam(5) + ")",
                 message.facility, message.control_id, message.kind, outcome.encounter_id, ToUnixMicros(now));

        const pqxx::result existing = Prepared(
            txn, "crm_survey_22", "SELECT id, state, definition_id FROM survey WHERE encounter_id = $1 FOR UPDATE",
            outcome.encounter_id);
        if (message.kind == "cancel_discharge" || message.kind == "cancel_visit") {
            // Answers already given stay: a cancel only stops what has not happened yet.
            Prepared(txn, "crm_survey_23",
                     "UPDATE survey SET state = 'cancelled', reason = $2, next_action_at = NULL, updated_at = "
                     "now() WHERE encounter_id = $1 AND state IN ('scheduled', 'invited', 'staff_review', "
                     "'phone_list')",
                     outcome.encounter_id, message.kind);
        } else if (status == "discharged" && discharged_at) {
            const std::string survey_state = existing.empty() ? std::string() : existing[0][1].as<std::string>();
            if (existing.empty() || survey_state == "cancelled" || survey_state == "scheduled") {
                // A new discharge, a discharge again after a cancelled one, or a correction of the discharge
                // time or unit before anything was sent: (re)compute when the survey is due.
                const auto definition = NewestDefinition(txn, care_unit);
                const auto due = definition ? due_time(*definition, *discharged_at) : std::nullopt;
                if (!definition) {
                    outcome.note = "no survey definition for the unit";
                } else if (!due) {
                    outcome.note = "the unit's definition schedules no survey";
                } else if (existing.empty()) {
                    Prepared(
                        txn, "crm_survey_24",
                        "INSERT INTO survey (encounter_id, definition_id, patient_id, physician_id, care_unit, state, "
                        "due_at, next_action_at, language) SELECT e.id, $2, e.patient_id, e.physician_id, "
                        "e.care_unit, 'scheduled', " +
                            TimeParam(3) + ", " + TimeParam(3) +
                            ", CASE WHEN e.language = '' THEN 'en' ELSE e.language END FROM encounter AS e WHERE "
                            "e.id = $1 ON CONFLICT (encounter_id) DO NOTHING",
                        outcome.encounter_id, definition->id, ToUnixMicros(*due));
                } else {
                    Prepared(
                        txn, "crm_survey_25",
                        "UPDATE survey AS s SET state = 'scheduled', reason = '', definition_id = $2, due_at = " +
                            TimeParam(3) + ", next_action_at = " + TimeParam(3) +
                            ", physician_id = e.physician_id, care_unit = e.care_unit, language = CASE WHEN "
                            "e.language = '' THEN s.language ELSE e.language END, updated_at = now() FROM encounter "
                            "AS e WHERE s.encounter_id = e.id AND e.id = $1",
                        outcome.encounter_id, definition->id, ToUnixMicros(*due));
                }
            } else if (survey_state == "invited") {
                // Already sent: a correction may change who reads the answers, not when it was sent.
                Prepared(txn, "crm_survey_26",
                         "UPDATE survey AS s SET physician_id = e.physician_id, care_unit = e.care_unit, "
                         "updated_at = now() FROM encounter AS e WHERE s.encounter_id = e.id AND e.id = $1",
                         outcome.encounter_id);
            }
        }
        read_survey(outcome.encounter_id);
        txn.commit();
        return outcome;
    });
}

Result<std::size_t> SurveyRepository::ProcessDue(Timestamp now, std::size_t limit,
                                                 const std::function<SurveyDecision(const DueSurvey&)>& decide) {
    return store_.impl_->Run<std::size_t>("process due surveys", [&](pqxx::connection& conn) -> Result<std::size_t> {
        pqxx::work txn(conn, "process due surveys");
        const std::string sql =
            "SELECT s.id, s.encounter_id, s.patient_id, s.state, coalesce(s.physician_id, ''), s.care_unit, "
            "e.visit_number, " +
            TimeColumn("s.due_at") + ", " + TimeColumn("s.invited_at") + ", " + TimeColumn("s.last_sent_at") + ", " +
            TimeColumn("s.expires_at") +
            ", s.reminders_sent, s.channel, s.contact, s.language, "
            "e.deceased, e.status, coalesce(s.dialog::text, ''), "
            "EXISTS (SELECT 1 FROM encounter AS o WHERE o.patient_id = s.patient_id AND o.id <> e.id AND o.status "
            "<> 'cancelled' AND (o.status = 'admitted' OR o.discharged_at > e.discharged_at)), "
            "EXISTS (SELECT 1 FROM feedback_case AS c WHERE c.status = 'open' AND urgency_rank(c.urgency) >= 3 AND "
            "(c.survey_id IS DISTINCT FROM s.id) AND (c.patient_id = s.patient_id OR EXISTS (SELECT 1 FROM item AS "
            "i WHERE i.case_id = c.id AND i.patient_id = s.patient_id))), " +
            kDefinitionColumns +
            // The contacts with their consent for surveys (the crm_may_send rule: the patient's consent on that
            // channel, whichever of their contacts said it), phones first, in one array of
            // "<channel>:<may send>:<value>", so the whole decision needs no query per survey.
            ", ARRAY(SELECT CASE pc.kind WHEN 'phone' THEN 'sms' ELSE 'email' END || ':' || (NOT EXISTS (SELECT 1 "
            "FROM consent AS k JOIN patient_contact AS own ON own.value = k.contact AND own.kind = pc.kind AND "
            "own.patient_id = s.patient_id WHERE k.channel = CASE pc.kind WHEN 'phone' THEN 'sms' ELSE 'email' END "
            "AND k.purpose IN ('survey', 'all') AND k.state = 'opted_out'))::text || ':' || pc.value "
            "FROM patient_contact AS pc WHERE pc.patient_id = s.patient_id AND pc.kind IN ('phone', 'email') "
            "ORDER BY pc.kind DESC, pc.value)"
            " FROM survey AS s JOIN encounter AS e ON e.id = s.encounter_id JOIN survey_definition AS d ON d.id = "
            "s.definition_id WHERE s.next_action_at <= " +
            TimeParam(1) +
            " AND s.state IN ('scheduled', 'invited') ORDER BY s.next_action_at, s.id LIMIT $2 FOR UPDATE OF s SKIP "
            "LOCKED";
        const pqxx::result due =
            Prepared(txn, "crm_survey_27", sql, ToUnixMicros(now), static_cast<std::int64_t>(limit));
        const std::string update =
            "UPDATE survey SET state = CASE WHEN $2 = '' THEN state ELSE $2 END, "
            "reason = CASE WHEN $3 = '' THEN reason ELSE $3 END, "
            "next_action_at = CASE WHEN $4::bigint IS NULL THEN NULL ELSE " +
            TimeParam(4) + " END, expires_at = CASE WHEN $5::bigint IS NULL THEN expires_at ELSE " + TimeParam(5) +
            " END, channel = CASE WHEN $6 = '' THEN channel ELSE $6 END, "
            "contact = CASE WHEN $7 = '' THEN contact ELSE $7 END, "
            "invited_at = CASE WHEN $8 THEN " +
            TimeParam(10) + " ELSE invited_at END, last_sent_at = CASE WHEN $8 OR $9 THEN " + TimeParam(10) +
            " ELSE last_sent_at END, reminders_sent = reminders_sent + CASE WHEN $9 THEN 1 ELSE 0 END, "
            "dialog = coalesce($11::jsonb, dialog), "
            "reply_after_item_id = CASE WHEN $8 THEN (SELECT coalesce(max(id), 0) FROM item) ELSE "
            "reply_after_item_id END, updated_at = now() WHERE id = $1";
        std::size_t processed = 0;
        for (const auto& row : due) {
            DueSurvey survey;
            survey.id = row[0].as<std::int64_t>();
            survey.encounter_id = row[1].as<std::int64_t>();
            survey.patient_id = row[2].as<std::int64_t>();
            survey.state = row[3].as<std::string>();
            survey.physician_id = row[4].as<std::string>();
            survey.care_unit = row[5].as<std::string>();
            survey.visit_number = row[6].as<std::string>();
            survey.due_at = FromUnixMicros(row[7].as<std::int64_t>());
            survey.invited_at = OptionalTime(row[8]);
            survey.last_sent_at = OptionalTime(row[9]);
            survey.expires_at = OptionalTime(row[10]);
            survey.reminders_sent = row[11].as<int>();
            survey.channel = row[12].as<std::string>();
            survey.contact = row[13].as<std::string>();
            survey.language = row[14].as<std::string>();
            survey.deceased = row[15].as<bool>();
            survey.encounter_cancelled = row[16].as<std::string>() != "discharged";
            survey.dialog_json = row[17].as<std::string>();
            survey.readmitted = row[18].as<bool>();
            survey.open_serious_complaint = row[19].as<bool>();
            survey.definition = ToDefinition(row, 20);
            for (const auto& contact : ParseTextArray(row[26])) {
                const auto first = contact.find(':');
                const auto second = contact.find(':', first + 1);
                survey.contacts.push_back({.channel = contact.substr(0, first),
                                           .value = contact.substr(second + 1),
                                           .may_send = contact.substr(first + 1, second - first - 1) == "true"});
            }
            const SurveyDecision decision = decide(survey);
            Prepared(txn, "crm_survey_29", update, survey.id, decision.state, decision.reason,
                     Micros(decision.next_action_at), Micros(decision.expires_at), decision.channel, decision.contact,
                     decision.invited_now, decision.reminded_now, ToUnixMicros(now), decision.dialog_json);
            EnqueueMessages(txn, decision.messages);
            ++processed;
        }
        txn.commit();
        return processed;
    });
}

Result<std::size_t> SurveyRepository::ProcessSmsReplies(
    Timestamp now, std::size_t limit, const std::function<SmsReplyDecision(const SmsSurveyReply&)>& apply) {
    return store_.impl_->Run<
        std::size_t>("process survey sms replies", [&](pqxx::connection& conn) -> Result<std::size_t> {
        pqxx::work txn(conn, "process survey sms replies");
        // Keyword messages (STOP, START) are consent events, handled by the ingest: never answers.
        const pqxx::result replies = Prepared(
            txn, "crm_survey_30",
            "SELECT i.id, i.author, i.text, s.id, coalesce(s.physician_id, ''), s.care_unit, s.language, i.red_flags "
            "FROM survey AS s JOIN item AS i ON i.channel = 'sms' AND i.author = s.contact AND i.id > "
            "s.reply_after_item_id "
            "WHERE s.state = 'invited' AND s.channel = 'sms' AND NOT ('opt_out' = ANY (i.noise_reasons)) "
            "AND NOT ('opt_in' = ANY (i.noise_reasons)) "
            "AND NOT EXISTS (SELECT 1 FROM survey_sms_reply AS r WHERE r.item_id = i.id) "
            "ORDER BY i.id LIMIT $1 FOR UPDATE OF s SKIP LOCKED",
            static_cast<std::int64_t>(limit));
        std::size_t applied = 0;
        for (const auto& row : replies) {
            SmsSurveyReply reply;
            reply.item_id = row[0].as<std::int64_t>();
            reply.from = row[1].as<std::string>();
            reply.text = row[2].as<std::string>();
            reply.survey_id = row[3].as<std::int64_t>();
            reply.physician_id = row[4].as<std::string>();
            reply.care_unit = row[5].as<std::string>();
            reply.language = row[6].as<std::string>();
            reply.analyzer_red_flags = ParseTextArray(row[7]);
            // Re-read: an earlier reply in this same batch may have moved the conversation on or finished it.
            const pqxx::row current = Prepared1(txn, "crm_survey_31",
                                                "SELECT s.state, coalesce(s.dialog::text, ''), " + kDefinitionColumns +
                                                    " FROM survey AS s JOIN survey_definition AS d ON d.id = "
                                                    "s.definition_id WHERE s.id = $1",
                                                reply.survey_id);
            Prepared(txn, "crm_survey_32", "INSERT INTO survey_sms_reply (item_id, survey_id) VALUES ($1, $2)",
                     reply.item_id, reply.survey_id);
            if (current[0].as<std::string>() != "invited") {
                continue;
            }
            reply.dialog_json = current[1].as<std::string>();
            reply.definition = ToDefinition(current, 2);
            const SmsReplyDecision decision = apply(reply);
            InsertAnswers(txn, reply.survey_id, "sms", decision.answers, {}, reply.item_id, now);
            Prepared(txn, "crm_survey_33",
                     "UPDATE survey SET dialog = $2::jsonb, state = CASE WHEN $3 THEN 'answered' ELSE state "
                     "END, answered_at = CASE WHEN $3 THEN " +
                         TimeParam(4) +
                         " ELSE answered_at END, answered_via = CASE WHEN $3 THEN 'sms' ELSE answered_via "
                         "END, next_action_at = CASE WHEN $3 THEN NULL ELSE next_action_at END, updated_at = "
                         "now() WHERE id = $1",
                     reply.survey_id, decision.dialog_json, decision.finished, ToUnixMicros(now));
            EnqueueMessages(txn, decision.messages);
            if (decision.alert) {
                RaiseAlert(txn, reply.survey_id, reply.item_id, *decision.alert);
            }
            ++applied;
        }
        txn.commit();
        return applied;
    });
}

Result<std::optional<FormSurvey>> SurveyRepository::OpenFormSurvey(std::int64_t survey_id, Timestamp now) {
    return store_.impl_->Run<std::optional<FormSurvey>>(
        "open form survey", [&](pqxx::connection& conn) -> Result<std::optional<FormSurvey>> {
            pqxx::nontransaction txn(conn, "open form survey");
            const pqxx::result rows = Prepared(
                txn, "crm_survey_34",
                "SELECT s.id, s.language, coalesce(s.physician_id, ''), s.care_unit, e.visit_number, " +
                    kDefinitionColumns +
                    " FROM survey AS s JOIN encounter AS e ON e.id = s.encounter_id JOIN survey_definition AS d ON "
                    "d.id = s.definition_id WHERE s.id = $1 AND s.state = 'invited' AND (s.expires_at IS NULL OR "
                    "s.expires_at > " +
                    TimeParam(2) + ") AND NOT EXISTS (SELECT 1 FROM survey_answer AS a WHERE a.survey_id = s.id)",
                survey_id, ToUnixMicros(now));
            if (rows.empty()) {
                return std::optional<FormSurvey>{};
            }
            FormSurvey survey;
            survey.id = rows[0][0].as<std::int64_t>();
            survey.language = rows[0][1].as<std::string>();
            survey.physician_id = rows[0][2].as<std::string>();
            survey.care_unit = rows[0][3].as<std::string>();
            survey.visit_number = rows[0][4].as<std::string>();
            survey.definition = ToDefinition(rows[0], 5);
            return std::optional<FormSurvey>{std::move(survey)};
        });
}

Result<SubmitOutcome> SurveyRepository::SubmitAnswers(std::int64_t survey_id, const std::string& via,
                                                      const std::vector<SurveyAnswerRecord>& answers,
                                                      const std::vector<SurveyTextItem>& text_items,
                                                      const std::optional<RedFlagAlert>& alert, Timestamp now) {
    return store_.impl_->Run<
        SubmitOutcome>("submit survey answers", [&](pqxx::connection& conn) -> Result<SubmitOutcome> {
        pqxx::work txn(conn, "submit survey answers");
        const pqxx::result survey = Prepared(
            txn, "crm_survey_35",
            "SELECT s.state, " + TimeColumn("s.expires_at") +
                ", EXISTS (SELECT 1 FROM survey_answer AS a WHERE a.survey_id = s.id) FROM survey AS s WHERE s.id = "
                "$1 FOR UPDATE",
            survey_id);
        if (survey.empty()) {
            return CrmErrc::kNotFound;
        }
        SubmitOutcome outcome;
        outcome.state = survey[0][0].as<std::string>();
        const auto expires_at = OptionalTime(survey[0][1]);
        const bool has_answers = survey[0][2].as<bool>();
        // A web link works only while the invitation is open; the call centre may also record answers of
        // surveys on the phone list, handed to staff, not yet sent, or expired by SMS and e-mail.
        const bool open = via == "web" ? outcome.state == "invited" && (!expires_at || now < *expires_at)
                                       : outcome.state == "scheduled" || outcome.state == "invited" ||
                                             outcome.state == "staff_review" || outcome.state == "phone_list" ||
                                             outcome.state == "expired";
        if (!open || has_answers) {
            txn.commit();
            return outcome;
        }
        std::map<std::string, std::int64_t> item_ids;
        for (const auto& text_item : text_items) {
            item_ids[text_item.question_id] = InsertSurveyItem(txn, survey_id, text_item.item);
        }
        InsertAnswers(txn, survey_id, via, answers, item_ids, std::nullopt, now);
        Prepared(txn, "crm_survey_36",
                 "UPDATE survey SET state = 'answered', answered_at = " + TimeParam(2) +
                     ", answered_via = $3, next_action_at = NULL, updated_at = now() WHERE id = $1",
                 survey_id, ToUnixMicros(now), via);
        outcome.accepted = true;
        outcome.state = "answered";
        if (alert) {
            // The case needs an item: the red-flag answers themselves, as the survey's record.
            NewItem record;
            record.source = "surveys";
            record.external_id = "survey:" + std::to_string(survey_id);
            for (const auto& answer : answers) {
                if (!answer.red_flag.empty()) {
                    record.text += (record.text.empty() ? "" : "; ") + answer.red_flag + ": " + answer.value_text;
                }
            }
            record.urgency = "critical";
            record.red_flags = alert->flags;
            record.analyzer_version = "survey-rules";
            const auto item_id = InsertSurveyItem(txn, survey_id, record);
            outcome.case_id = RaiseAlert(txn, survey_id, item_id, *alert);
        }
        txn.commit();
        return outcome;
    });
}

Result<std::optional<std::int64_t>> SurveyRepository::FindSurveyByVisit(const std::string& facility,
                                                                        const std::string& visit) {
    return store_.impl_->Run<std::optional<std::int64_t>>(
        "find survey by visit", [&](pqxx::connection& conn) -> Result<std::optional<std::int64_t>> {
            pqxx::nontransaction txn(conn, "find survey by visit");
            const pqxx::result rows = Prepared(
                txn, "crm_survey_37",
                "SELECT s.id FROM survey AS s JOIN encounter AS e ON e.id = s.encounter_id WHERE e.visit_number = $2 "
                "AND ($1 = '' OR e.facility = $1) ORDER BY s.id LIMIT 2",
                facility, visit);
            if (rows.size() != 1) {
                return std::optional<std::int64_t>{};  // none, or the same visit number at two facilities
            }
            return std::optional<std::int64_t>{rows[0][0].as<std::int64_t>()};
        });
}

Result<std::optional<SurveyRepository::SurveyRecipient>> SurveyRepository::RecipientOf(std::int64_t survey_id) {
    return store_.impl_->Run<std::optional<SurveyRecipient>>(
        "survey recipient", [&](pqxx::connection& conn) -> Result<std::optional<SurveyRecipient>> {
            pqxx::nontransaction txn(conn, "survey recipient");
            const pqxx::result rows = Prepared(
                txn, "crm_survey_recipient", "SELECT channel, contact, language FROM survey WHERE id = $1", survey_id);
            if (rows.empty()) {
                return std::optional<SurveyRecipient>{};
            }
            return std::optional<SurveyRecipient>{SurveyRecipient{
                rows[0][0].as<std::string>(), rows[0][1].as<std::string>(), rows[0][2].as<std::string>()}};
        });
}

Result<SurveyDefinitionRow> SurveyRepository::DefinitionOfSurvey(std::int64_t survey_id) {
    return store_.impl_->Run<SurveyDefinitionRow>(
        "definition of survey", [&](pqxx::connection& conn) -> Result<SurveyDefinitionRow> {
            pqxx::nontransaction txn(conn, "definition of survey");
            const pqxx::result rows =
                Prepared(txn, "crm_survey_38",
                         "SELECT " + kDefinitionColumns +
                             " FROM survey AS s JOIN survey_definition AS d ON d.id = s.definition_id WHERE s.id = $1",
                         survey_id);
            if (rows.empty()) {
                return CrmErrc::kNotFound;
            }
            return ToDefinition(rows[0], 0);
        });
}

Result<std::vector<SurveyRow>> SurveyRepository::ListSurveys(const SurveyListFilter& filter) {
    return store_.impl_->Run<std::vector<SurveyRow>>(
        "list surveys", [&](pqxx::connection& conn) -> Result<std::vector<SurveyRow>> {
            pqxx::nontransaction txn(conn, "list surveys");
            std::vector<SurveyRow> rows;
            for (const auto& row : Prepared(
                     txn, "crm_survey_39",
                     "SELECT s.id, s.encounter_id, e.visit_number, s.state, s.reason, s.physician_id, s.care_unit, "
                     "s.channel, " +
                         TimeColumn("s.due_at") + ", " + TimeColumn("s.next_action_at") + ", " +
                         TimeColumn("s.invited_at") + ", " + TimeColumn("s.answered_at") +
                         ", s.reminders_sent, s.definition_id FROM survey AS s JOIN encounter AS e ON e.id = "
                         "s.encounter_id WHERE ($1::text IS NULL OR s.state = $1) AND ($2::text IS NULL OR "
                         "s.physician_id = $2) ORDER BY s.id DESC LIMIT $3",
                     filter.state, filter.physician_id, static_cast<std::int64_t>(filter.limit))) {
                rows.push_back(ToSurveyRow(row));
            }
            return rows;
        });
}

Result<std::map<std::string, std::int64_t>> SurveyRepository::CountByState() {
    return store_.impl_->Run<std::map<std::string, std::int64_t>>(
        "count surveys", [&](pqxx::connection& conn) -> Result<std::map<std::string, std::int64_t>> {
            pqxx::nontransaction txn(conn, "count surveys");
            std::map<std::string, std::int64_t> counts;
            for (const auto& row : txn.exec("SELECT state, count(*) FROM survey GROUP BY state")) {
                counts[row[0].as<std::string>()] = row[1].as<std::int64_t>();
            }
            return counts;
        });
}

Result<SummaryData> SurveyRepository::PhysicianSummary(const std::string& physician_id, Timestamp from, Timestamp to) {
    return store_.impl_->Run<SummaryData>("physician summary", [&](pqxx::connection& conn) -> Result<SummaryData> {
        pqxx::work txn(conn, "physician summary");
        BecomePhysician(txn, physician_id);
        SummaryData data = ReadSummary(txn, "physician_id", physician_id, from, to);
        txn.commit();
        return data;
    });
}

Result<SummaryData> SurveyRepository::UnitSummary(const std::string& care_unit, Timestamp from, Timestamp to) {
    return store_.impl_->Run<SummaryData>("unit summary", [&](pqxx::connection& conn) -> Result<SummaryData> {
        pqxx::work txn(conn, "unit summary");
        SummaryData data = ReadSummary(txn, "care_unit", care_unit, from, to);
        txn.commit();
        return data;
    });
}

Result<std::vector<std::int64_t>> SurveyRepository::SurveysVisibleTo(const std::string& physician_id) {
    return store_.impl_->Run<std::vector<std::int64_t>>(
        "surveys visible to", [&](pqxx::connection& conn) -> Result<std::vector<std::int64_t>> {
            pqxx::work txn(conn, "surveys visible to");
            BecomePhysician(txn, physician_id);
            std::vector<std::int64_t> ids;
            // Deliberately no WHERE: only the row-level security policies narrow this.
            for (const auto& row : txn.exec("SELECT DISTINCT survey_id FROM survey_answer UNION SELECT id FROM survey "
                                            "ORDER BY 1")) {
                ids.push_back(row[0].as<std::int64_t>());
            }
            txn.commit();
            return ids;
        });
}

Result<std::optional<SurveyRepository::PhysicianContact>> SurveyRepository::GetPhysician(const std::string& id) {
    return store_.impl_->Run<std::optional<PhysicianContact>>(
        "get physician", [&](pqxx::connection& conn) -> Result<std::optional<PhysicianContact>> {
            pqxx::nontransaction txn(conn, "get physician");
            const pqxx::result rows = Prepared(
                txn, "crm_survey_40", "SELECT id, name, email, phone, alert_channel FROM physician WHERE id = $1", id);
            if (rows.empty()) {
                return std::optional<PhysicianContact>{};
            }
            return std::optional<PhysicianContact>{PhysicianContact{
                rows[0][0].as<std::string>(), rows[0][1].as<std::string>(), rows[0][2].as<std::string>(),
                rows[0][3].as<std::string>(), rows[0][4].as<std::string>()}};
        });
}

Result<std::vector<SurveyRepository::PhysicianContact>> SurveyRepository::ListPhysicians() {
    return store_.impl_->Run<std::vector<PhysicianContact>>(
        "list physicians", [&](pqxx::connection& conn) -> Result<std::vector<PhysicianContact>> {
            pqxx::nontransaction txn(conn, "list physicians");
            std::vector<PhysicianContact> rows;
            for (const auto& row :
                 txn.exec("SELECT id, name, email, phone, alert_channel FROM physician ORDER BY id")) {
                rows.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                                row[3].as<std::string>(), row[4].as<std::string>()});
            }
            return rows;
        });
}

Result<void> SurveyRepository::UpdatePhysicianContact(const PhysicianContact& contact) {
    return store_.impl_->Run<void>("update physician", [&](pqxx::connection& conn) -> Result<void> {
        pqxx::work txn(conn, "update physician");
        Prepared(txn, "crm_survey_41",
                 "INSERT INTO physician (id, name, email, phone, alert_channel) VALUES ($1, $2, lower($3), $4, "
                 "$5) ON CONFLICT (id) DO UPDATE SET name = CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name "
                 "ELSE physician.name END, email = EXCLUDED.email, phone = EXCLUDED.phone, alert_channel = "
                 "EXCLUDED.alert_channel, updated_at = now()",
                 contact.id, contact.name, contact.email, contact.phone,
                 contact.alert_channel.empty() ? "email" : contact.alert_channel);
        txn.commit();
        return outcome::success();
    });
}

}  // namespace carelisten::crm
