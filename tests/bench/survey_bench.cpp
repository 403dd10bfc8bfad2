// survey_bench: the follow-up surveys at a hospital network's volume, in a private PostgreSQL cluster.
//  1. scheduling: N discharges applied one transaction each (as the HL7 listener applies them, replay check,
//     patient, physician, encounter and the survey), then every survey invited by the scheduler's passes;
//  2. summaries: M answers (100 physicians, 10 units, 60 days) loaded with COPY, then a physician's summary (under
//     row-level security) and a unit's summary, each the median of 5 runs, over the whole period.
//
//   survey_bench --discharges 100000 --answers 1000000
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <common/log.hpp>
#include <crm/migrator.hpp>
#include <crm/store.hpp>
#include <crm/survey_repository.hpp>
#include <daemon/embedded_postgres.hpp>
#include <daemon/survey_planner.hpp>
#include <daemon/survey_service.hpp>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <sstream>
#include <support/temp_dir.hpp>
#include <surveys/definition.hpp>

namespace {

using namespace carelisten;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
}

template <typename Fn>
double MedianSeconds(int runs, Fn fn) {
    std::vector<double> times;
    for (int i = 0; i < runs; ++i) {
        const auto start = Clock::now();
        fn();
        times.push_back(Seconds(start));
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"survey scheduling and summary benchmark"};
    std::size_t discharges = 100000;
    std::size_t answers = 1000000;
    cli.add_option("--discharges", discharges, "discharges to schedule and invite")->capture_default_str();
    cli.add_option("--answers", answers, "answers to summarize")->capture_default_str();
    std::string dsn;
    cli.add_option("--dsn", dsn, "an empty database to use instead of a private cluster (key/value DSN)");
    CLI11_PARSE(cli, argc, argv);
    log::SetMinLevel(log::Level::kWarning);

    testing::TempDir dir;
    daemon::EmbeddedPostgres postgres(
        {.state_dir = (dir.Path() / "state").string(), .run_as = "postgres", .bin_dir = ""});
    if (dsn.empty()) {
        postgres.Start();
    }
    const std::string conninfo = dsn.empty() ? postgres.Conninfo() : dsn;
    if (auto migrated = crm::ApplyMigrations(conninfo, ""); !migrated) {
        std::cerr << "migrations failed: " << migrated.error().message() << "\n";
        return 1;
    }
    auto opened = crm::Store::Open(conninfo);
    if (!opened) {
        std::cerr << "cannot connect\n";
        return 1;
    }
    crm::Store& store = *opened.value();
    crm::SurveyRepository surveys(store);

    surveys::SurveyDefinition definition;
    definition.unit = "*";
    definition.version = 1;
    definition.approved_by = "bench";
    definition.approved_at = "2026-01-01";
    definition.quiet_start = "00:00";
    definition.quiet_end = "00:00";
    surveys::Question pain;
    pain.id = "pain";
    pain.type = surveys::QuestionType::kScale0To10;
    pain.text = {{"en", "Pain 0-10?"}};
    definition.questions.push_back(pain);
    if (!surveys.AddDefinition({.care_unit = "*",
                                .version = 1,
                                .approved_by = "bench",
                                .approved_at = "2026-01-01",
                                .definition_json = surveys::ToJson(definition)})) {
        std::cerr << "definition refused\n";
        return 1;
    }
    const daemon::SurveyPlanner planner({.hospital_name = "Bench Hospital",
                                         .sms_source = "sms",
                                         .form_base_url = "https://feedback.example",
                                         .link_key = std::string(32, 'b')});

    // 1. Scheduling.
    const auto discharged = std::chrono::system_clock::now() - std::chrono::hours(24 * 15);
    const auto schedule_start = Clock::now();
    for (std::size_t i = 0; i < discharges; ++i) {
        crm::EncounterMessage message;
        message.kind = "discharge";
        message.facility = "BENCH";
        message.control_id = "C" + std::to_string(i);
        message.mrn = "M" + std::to_string(i);
        message.visit_number = "V" + std::to_string(i);
        message.physician_id = "P" + std::to_string(i % 100);
        message.care_unit = "unit" + std::to_string(i % 10);
        message.discharged_at = discharged;
        message.phone = "+1555" + std::to_string(1000000 + i);
        auto outcome = surveys.ApplyEncounterMessage(message, discharged, planner.DueTimeRule());
        if (!outcome || !outcome.value().survey_id) {
            std::cerr << "discharge " << i << " not scheduled\n";
            return 1;
        }
    }
    const double schedule_seconds = Seconds(schedule_start);
    const auto invite_start = Clock::now();
    auto passed = daemon::RunSurveyPass(planner, store, std::chrono::system_clock::now());
    const double invite_seconds = Seconds(invite_start);
    if (!passed || passed.value().due_processed != discharges) {
        std::cerr << "the pass invited " << (passed ? passed.value().due_processed : 0) << "\n";
        return 1;
    }

    // 2. Summaries over `answers` answers: surveys and answers loaded with COPY (what the flow would have written).
    pqxx::connection connection(conninfo);
    {
        pqxx::work work(connection);
        work.exec0("INSERT INTO physician (id) SELECT 'Q' || g FROM generate_series(0, 99) AS g");
        work.exec0("INSERT INTO patient (mrn) SELECT 'SM' || g FROM generate_series(0, " + std::to_string(answers / 4) +
                   ") AS g");
        work.exec0(
            "INSERT INTO encounter (facility, visit_number, patient_id, physician_id, care_unit, status, "
            "discharged_at) SELECT 'SUM', 'S' || p.id, p.id, 'Q' || (p.id % 100), 'unit' || (p.id % 10), "
            "'discharged', now() - interval '75 days' FROM patient AS p WHERE p.mrn LIKE 'SM%'");
        work.exec0(
            "INSERT INTO survey (encounter_id, definition_id, patient_id, physician_id, care_unit, state, "
            "due_at, invited_at, answered_at) SELECT e.id, 1, e.patient_id, e.physician_id, e.care_unit, "
            "'answered', now() - interval '61 days', now() - interval '60 days' + (e.id % 60) * interval '1 "
            "day', now() - interval '59 days' + (e.id % 60) * interval '1 day' FROM encounter AS e WHERE "
            "e.facility = 'SUM'");
        work.commit();
    }
    const auto load_start = Clock::now();
    {
        pqxx::work work(connection);
        const pqxx::result survey_rows = work.exec(
            "SELECT id, physician_id, care_unit, answered_at::text FROM survey WHERE state = 'answered' ORDER BY id");
        pqxx::stream_to stream(work, "survey_answer",
                               std::vector<std::string>{"survey_id", "question_id", "value_number", "value_text", "via",
                                                        "physician_id", "care_unit", "answered_at"});
        const char* const questions[] = {"pain", "fever", "wound", "overall"};
        std::size_t written = 0;
        for (std::size_t r = 0; written < answers && r < survey_rows.size(); ++r) {
            for (std::size_t q = 0; q < 4 && written < answers; ++q, ++written) {
                const int value = static_cast<int>((r * 7 + q * 3) % 11);
                stream << std::make_tuple(survey_rows[r][0].as<std::int64_t>(), std::string(questions[q]), value,
                                          std::to_string(value), std::string("sms"),
                                          survey_rows[r][1].as<std::string>(), survey_rows[r][2].as<std::string>(),
                                          survey_rows[r][3].as<std::string>());
            }
        }
        stream.complete();
        work.exec0("ANALYZE survey_answer");
        work.exec0("ANALYZE survey");
        work.commit();
    }
    const double load_seconds = Seconds(load_start);
    const auto total = pqxx::nontransaction(connection).exec1("SELECT count(*) FROM survey_answer")[0].as<long>();

    const auto to = std::chrono::system_clock::now() + std::chrono::hours(24);
    const auto from = to - std::chrono::hours(24 * 90);
    std::int64_t physician_answers = 0;
    const double physician_seconds = MedianSeconds(5, [&] {
        auto summary = surveys.PhysicianSummary("Q7", from, to);
        physician_answers = summary ? summary.value().questions.empty() ? 0 : summary.value().questions[0].answers : -1;
    });
    std::int64_t unit_answers = 0;
    const double unit_seconds = MedianSeconds(5, [&] {
        auto summary = surveys.UnitSummary("unit3", from, to);
        unit_answers = summary ? summary.value().questions.empty() ? 0 : summary.value().questions[0].answers : -1;
    });

    std::cout << "scheduling: " << discharges << " discharges applied (one transaction each) in " << schedule_seconds
              << " s: " << static_cast<long>(static_cast<double>(discharges) / schedule_seconds) << " discharges/s\n"
              << "invitations: " << discharges << " surveys invited by the scheduler in " << invite_seconds
              << " s: " << static_cast<long>(static_cast<double>(discharges) / invite_seconds) << " surveys/s\n"
              << "answers loaded (COPY): " << total << " in " << load_seconds << " s\n"
              << "physician summary over " << total << " answers (row-level security; " << physician_answers
              << " of theirs per question): " << physician_seconds * 1000 << " ms (median of 5)\n"
              << "unit summary over " << total << " answers (" << unit_answers
              << " of the unit's per question): " << unit_seconds * 1000 << " ms (median of 5)\n";
    if (dsn.empty()) {
        postgres.Stop();
    }
    return 0;
}
