// carelisten: the operator's command-line tool. Each subcommand is a few lines over daemon_lib.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <common/log.hpp>
#include <crm/migrator.hpp>
#include <crm/store.hpp>
#include <crm/survey_repository.hpp>
#include <ctime>
#include <daemon/analyze_command.hpp>
#include <daemon/config.hpp>
#include <daemon/console_commands.hpp>
#include <daemon/database_target.hpp>
#include <daemon/eval_command.hpp>
#include <daemon/reanalyze.hpp>
#include <daemon/replay.hpp>
#include <daemon/sms_command.hpp>
#include <daemon/status.hpp>
#include <daemon/status_client.hpp>
#include <daemon/survey_commands.hpp>
#include <daemon/survey_summary.hpp>
#include <daemon/train_command.hpp>
#include <daemon/wiring.hpp>
#include <fstream>
#include <iostream>

namespace {

using namespace carelisten;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer& writer, const char* key, std::string_view value) {
    writer.Key(key);
    writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void Time(Writer& writer, const char* key, const crm::Timestamp& time) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    Str(writer, key, text);
}

void StrList(Writer& writer, const char* key, const std::vector<std::string>& values) {
    writer.Key(key);
    writer.StartArray();
    for (const auto& value : values) {
        writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    }
    writer.EndArray();
}

int Fail(const std::string& what) {
    std::cerr << "carelisten: " << what << "\n";
    return 1;
}

// Prints each row as one JSON object per line (fields written by `fields`), or fails with the error.
template <typename Rows, typename Fields>
int PrintJsonLines(const Rows& rows, Fields fields) {
    if (!rows) {
        return Fail(rows.error().message());
    }
    for (const auto& row : rows.value()) {
        rapidjson::StringBuffer buffer;
        Writer writer(buffer);
        writer.StartObject();
        writer.Key("id");
        writer.Int64(row.id);
        fields(writer, row);
        writer.EndObject();
        std::cout << buffer.GetString() << "\n";
    }
    return 0;
}

// Opens the configured database (starting the embedded cluster for the duration of the command if
// the daemon is not running) and runs `body` with a store.
template <typename Body>
int WithStore(const std::string& config_path, Body body) {
    daemon::Config config;
    try {
        config = daemon::LoadConfigFile(config_path);
    } catch (const daemon::ConfigError& error) {
        for (const auto& problem : error.Problems()) {
            std::cerr << problem << "\n";
        }
        return 2;
    }
    // A cluster the running daemon started stays up after the command.
    daemon::DatabaseTarget database(config, /*stop_adopted_cluster=*/false);
    try {
        database.Open();
    } catch (const std::exception& error) {
        return Fail(std::string("cannot open the database: ") + error.what());
    }
    auto migrated = crm::ApplyMigrations(database.Conninfo(), database.Password());
    if (!migrated) {
        return Fail("migrations: " + migrated.error().message());
    }
    auto store = crm::Store::Open(database.Conninfo(), database.Password());
    if (!store) {
        return Fail("cannot connect: " + store.error().message());
    }
    return body(config, *store.value(), migrated.value());
}

// `carelisten status`: reads the running daemon's /status through <state_dir>/http.address.
int RunStatus(const std::string& config_path, bool json) {
    constexpr int kNotRunning = 3;  // as `systemctl status` says of a stopped unit
    daemon::Config config;
    try {
        config = daemon::LoadConfigFile(config_path);
    } catch (const daemon::ConfigError& error) {
        for (const auto& problem : error.Problems()) {
            std::cerr << problem << "\n";
        }
        return 2;
    }
    const std::string state_dir = config.daemon.GetString("state_dir");
    const std::string address = daemon::ReadHttpAddress(state_dir);
    if (address.empty()) {
        std::cerr << "carelisten: carelistend is not running (no " << state_dir << "/http.address)\n";
        return kNotRunning;
    }
    auto body = daemon::HttpGetLocal(address, "/status");
    if (!body) {
        std::cerr << "carelisten: carelistend does not answer on " << address << " (" << body.error().message()
                  << "); is it running? (systemctl status carelistend)\n";
        return kNotRunning;
    }
    bool all_ok = false;
    const auto text = daemon::FormatStatusForTerminal(body.value(), all_ok);
    if (!text) {
        std::cerr << "carelisten: " << address << "/status did not return a status document\n";
        return kNotRunning;
    }
    std::cout << (json ? body.value() : *text);
    return all_ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"carelisten: operate carelistend (database, items, cases, quarantine) and run the analyzer"};
    cli.require_subcommand(1);
    std::string config_path = "/etc/carelisten/carelistend.toml";
    if (const char* env = std::getenv("CARELISTEN_CONFIG")) {
        config_path = env;
    }
    cli.add_option("-c,--config", config_path, "configuration file (or $CARELISTEN_CONFIG)")->capture_default_str();
    log::SetMinLevel(log::Level::kWarning);

    crm::ListFilter filter;
    std::string source;
    auto add_filter = [&](CLI::App* command) {
        command->add_option("--source", source, "only this source");
        command->add_option("--limit", filter.limit, "at most this many rows")->capture_default_str();
    };

    auto* status =
        cli.add_subcommand("status", "the running daemon's health per source (exit 0 ok, 1 degraded, 3 not running)");
    bool status_json = false;
    status->add_flag("--json", status_json, "print the daemon's /status document as it is");
    auto* migrate = cli.add_subcommand("migrate", "apply pending schema migrations");
    auto* sms = cli.add_subcommand("sms", "the SMS outbox (sent by carelistend through Twilio)");
    sms->require_subcommand(1);
    daemon::SmsSendRequest sms_request;
    auto* sms_send = sms->add_subcommand("send", "queue one SMS (refused when the recipient opted out)");
    sms_send->add_option("--to", sms_request.to, "recipient phone number, any format")->required();
    sms_send->add_option("--body", sms_request.body, "message text")->required();
    sms_send->add_option("--source", sms_request.source, "twilio_sms source to send from (default: the only one)");
    sms_send->add_option("--purpose", sms_request.purpose, "consent purpose")->capture_default_str();
    std::string sms_key;
    sms_send->add_option("--key", sms_key, "idempotency key: the same key is queued once");
    std::int64_t sms_id = 0;
    auto* sms_status = sms->add_subcommand("status", "state of one outbox message");
    sms_status->add_option("id", sms_id, "outbox id (from sms send)")->required();
    auto* items = cli.add_subcommand("items", "stored feedback items");
    items->require_subcommand(1);
    auto* items_list = items->add_subcommand("list", "list items, newest first (analysis only, no text)");
    add_filter(items_list);
    auto* cases = cli.add_subcommand("cases", "cases opened for flagged items");
    cases->require_subcommand(1);
    auto* cases_list = cases->add_subcommand("list", "list cases, newest first");
    add_filter(cases_list);
    auto* quarantine = cli.add_subcommand("quarantine", "records that could not be read");
    quarantine->require_subcommand(1);
    auto* quarantine_list = quarantine->add_subcommand("list", "list quarantined records (reasons, not content)");
    add_filter(quarantine_list);
    bool include_replayed = false;
    quarantine_list->add_flag("--all", include_replayed, "include records already replayed");
    auto* quarantine_replay = quarantine->add_subcommand("replay", "retry one quarantined record after a fix");
    std::int64_t replay_id = 0;
    quarantine_replay->add_option("id", replay_id, "quarantine id (from quarantine list)")->required();
    auto* analyze = cli.add_subcommand("analyze", "JSON Lines on stdin -> one analysis per line on stdout");
    auto* train = cli.add_subcommand("train", "train the learned sentiment and category models from labelled data");
    std::string train_data_dir = "../shared/data";  // the labelled data beside the checkout
    std::string train_out_dir = "nlp/data/models";
    train->add_option("--data-dir", train_data_dir, "directory with the labelled JSON Lines")->capture_default_str();
    train->add_option("--out-dir", train_out_dir, "where to write *.model")->capture_default_str();
    auto* eval = cli.add_subcommand("eval", "measure the analyzer on labelled JSON Lines");
    std::string eval_data;
    std::string eval_kind = "both";
    std::string eval_split = "all";
    eval->add_option("--data", eval_data,
                     "labelled JSON Lines (nhs_fft_v6, nhs_fft_phase1, sms_spam or spamassassin shape)")
        ->required();
    eval->add_option("--kind", eval_kind, "sentiment, categories, both, or spam (sms_spam / spamassassin shape)")
        ->check(CLI::IsMember({"sentiment", "categories", "both", "spam"}))
        ->capture_default_str();
    eval->add_option("--split", eval_split, "all rows, or only the held-out rows of `train`'s split")
        ->check(CLI::IsMember({"all", "heldout"}))
        ->capture_default_str();

    auto* reanalyze = cli.add_subcommand(
        "reanalyze", "re-run the current analyzer over stored items; never opens, closes or moves a case");
    std::string reanalyze_since;
    std::size_t reanalyze_batch = 500;
    reanalyze->add_option("--since", reanalyze_since, "items received since YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)")
        ->required();
    reanalyze->add_option("--batch", reanalyze_batch, "items per transaction")->capture_default_str();

    auto* surveys_cmd = cli.add_subcommand("surveys", "the two-week follow-up surveys");
    surveys_cmd->require_subcommand(1);
    std::string survey_file;
    auto* surveys_define =
        surveys_cmd->add_subcommand("define", "store a unit's question set (TOML) as a new approved version");
    surveys_define->add_option("file", survey_file, "the definition (surveys/README.md)")->required();
    auto* surveys_list = surveys_cmd->add_subcommand("list", "list surveys, newest first (no patient data)");
    crm::SurveyListFilter survey_filter;
    std::string survey_state;
    std::string survey_physician;
    surveys_list->add_option("--state", survey_state, "scheduled, invited, answered, expired, staff_review, ...");
    surveys_list->add_option("--physician", survey_physician, "only this physician's");
    surveys_list->add_option("--limit", survey_filter.limit, "at most this many")->capture_default_str();
    auto* surveys_import_calls =
        surveys_cmd->add_subcommand("import-calls", "record answers a call centre collected (CSV)");
    surveys_import_calls->add_option("file", survey_file, "CSV: survey_id or visit_number, question_id, answer")
        ->required();
    auto* encounters = cli.add_subcommand("encounters", "hospital stays (from HL7, or imported)");
    encounters->require_subcommand(1);
    std::string encounters_file;
    auto* encounters_import = encounters->add_subcommand(
        "import", "apply a CSV or JSON Lines encounter export (discharges schedule surveys)");
    encounters_import->add_option("file", encounters_file, "*.csv, or JSON Lines")->required();
    auto* summary = cli.add_subcommand("summary", "follow-up summary of one physician's patients or of one unit");
    std::string summary_physician;
    std::string summary_unit;
    std::string summary_from;
    std::string summary_to;
    summary->add_option("--physician", summary_physician, "physician id (as PV1-7 names them)");
    summary->add_option("--unit", summary_unit, "care unit");
    summary->add_option("--from", summary_from, "first day, YYYY-MM-DD")->required();
    summary->add_option("--to", summary_to, "last day (included), YYYY-MM-DD")->required();
    auto* physicians = cli.add_subcommand("physicians", "physicians' alert and digest contacts");
    physicians->require_subcommand(1);
    auto* physicians_list = physicians->add_subcommand("list", "list physicians and their alert channel");
    auto* physicians_set = physicians->add_subcommand("set", "set where a physician's red-flag alerts go");
    crm::SurveyRepository::PhysicianContact physician_contact;
    physicians_set->add_option("id", physician_contact.id, "physician id")->required();
    physicians_set->add_option("--name", physician_contact.name, "display name");
    physicians_set->add_option("--email", physician_contact.email, "e-mail for alerts and the weekly digest");
    physicians_set->add_option("--phone", physician_contact.phone, "phone for SMS alerts, E.164");
    physicians_set->add_option("--alert-channel", physician_contact.alert_channel, "email or sms")
        ->check(CLI::IsMember({"email", "sms"}));

    // The staff console: users, API tokens, the audit log, corrections for retraining.
    auto* users = cli.add_subcommand("users", "console users (roles: patient_relations, physician, unit_lead, admin)");
    users->require_subcommand(1);
    crm::NewConsoleUser new_user;
    bool password_stdin = false;
    auto* users_add = users->add_subcommand("add", "add a console user (prints a generated password once)");
    users_add->add_option("username", new_user.username, "login name (a-z, 0-9, . _ -)")->required();
    users_add->add_option("--role", new_user.role, "patient_relations, physician, unit_lead or admin")->required();
    users_add->add_option("--physician", new_user.physician_id, "for a physician: their id in the HL7 feed");
    users_add->add_option("--unit", new_user.care_unit, "for a unit lead: their care unit");
    users_add->add_option("--name", new_user.display_name, "display name");
    users_add->add_flag("--password-stdin", password_stdin, "read the password from the first line of stdin");
    std::string user_name;
    auto* users_disable = users->add_subcommand("disable", "disable a user: ends sessions, revokes API tokens");
    users_disable->add_option("username", user_name)->required();
    auto* users_enable = users->add_subcommand("enable", "enable a disabled user");
    users_enable->add_option("username", user_name)->required();
    auto* users_reset = users->add_subcommand("reset", "new password (ends sessions, clears a lock-out)");
    users_reset->add_option("username", user_name)->required();
    users_reset->add_flag("--password-stdin", password_stdin, "read the password from the first line of stdin");
    auto* users_list = users->add_subcommand("list", "list users with role and state (no passwords)");
    auto* tokens = cli.add_subcommand("tokens", "API tokens for /api/v1");
    tokens->require_subcommand(1);
    std::string token_name;
    std::int64_t token_id = 0;
    auto* tokens_create = tokens->add_subcommand("create", "create a token acting as a user (printed once)");
    tokens_create->add_option("username", user_name)->required();
    tokens_create->add_option("--name", token_name, "what the token is for, e.g. the system that uses it");
    auto* tokens_revoke = tokens->add_subcommand("revoke", "revoke a token by its number");
    tokens_revoke->add_option("id", token_id)->required();
    auto* audit = cli.add_subcommand("audit", "the audit log (views of patient data and changes), JSON Lines");
    crm::AuditFilter audit_filter;
    std::string audit_since;
    std::string audit_actor;
    std::string audit_action;
    std::string audit_object;
    audit->add_option("--since", audit_since, "from this day (YYYY-MM-DD, UTC)");
    audit->add_option("--actor", audit_actor, "a username, or cli:<login>");
    audit->add_option("--action", audit_action, "e.g. view_case, assign, login_failed");
    audit->add_option("--case", audit_object, "one case's entries");
    audit->add_option("--limit", audit_filter.limit, "at most this many, newest first")->capture_default_str();
    auto* corrections = cli.add_subcommand("corrections", "staff corrections of the analyzer, JSON Lines for training");
    std::string corrections_since = "1970-01-01";
    corrections->add_option("--since", corrections_since, "from this day (YYYY-MM-DD)")->capture_default_str();

    CLI11_PARSE(cli, argc, argv);
    if (!source.empty()) {
        filter.source = source;
    }

    if (status->parsed()) {
        return RunStatus(config_path, status_json);
    }
    if (analyze->parsed()) {
        auto analyzer = nlp::Analyzer::Create();
        if (!analyzer) {
            return Fail("analyzer models: " + analyzer.error().message());
        }
        std::ios::sync_with_stdio(false);
        const auto stats = daemon::RunAnalyze(std::cin, std::cout, analyzer.value());
        std::cout.flush();
        return stats.malformed > 0 ? 1 : 0;
    }
    if (train->parsed()) {
        return daemon::RunTrain(train_data_dir, train_out_dir, std::cerr);
    }
    if (eval->parsed()) {
        std::ifstream in(eval_data);
        if (!in) {
            return Fail("cannot read " + eval_data);
        }
        auto analyzer = nlp::Analyzer::Create();
        if (!analyzer) {
            return Fail("analyzer models: " + analyzer.error().message());
        }
        daemon::EvalOptions options;
        options.kind = eval_kind == "sentiment"    ? daemon::EvalKind::kSentiment
                       : eval_kind == "categories" ? daemon::EvalKind::kCategories
                       : eval_kind == "spam"       ? daemon::EvalKind::kSpam
                                                   : daemon::EvalKind::kBoth;
        options.held_out_only = eval_split == "heldout";
        return daemon::RunEval(daemon::ParseLabelledRows(in), std::cout, analyzer.value(), options);
    }
    if (migrate->parsed()) {
        return WithStore(config_path, [](const auto&, crm::Store&, const crm::MigrationReport& report) {
            for (const auto& name : report.applied) {
                std::cout << "applied " << name << "\n";
            }
            std::cout << "schema version " << report.schema_version << "\n";
            return 0;
        });
    }
    if (items_list->parsed()) {
        return WithStore(config_path, [&](const auto&, crm::Store& store, const auto&) {
            return PrintJsonLines(store.ListItems(filter), [](Writer& writer, const auto& row) {
                Str(writer, "source", row.source);
                Str(writer, "external_id", row.external_id);
                Str(writer, "channel", row.channel);
                Str(writer, "language", row.language);
                Str(writer, "sentiment", row.sentiment_label);
                writer.Key("score");
                writer.Double(row.sentiment_score);
                writer.Key("is_noise");
                writer.Bool(row.is_noise);
                StrList(writer, "noise_reasons", row.noise_reasons);
                StrList(writer, "categories", row.categories);
                Str(writer, "urgency", row.urgency);
                StrList(writer, "red_flags", row.red_flags);
                writer.Key("case_id");
                row.case_id ? writer.Int64(*row.case_id) : writer.Null();
                Str(writer, "analyzer_version", row.analyzer_version);
                Time(writer, "received_at", row.received_at);
            });
        });
    }
    if (cases_list->parsed()) {
        return WithStore(config_path, [&](const auto&, crm::Store& store, const auto&) {
            return PrintJsonLines(store.ListCases(filter), [](Writer& writer, const auto& row) {
                Str(writer, "source", row.source);
                Str(writer, "status", row.status);
                Str(writer, "urgency", row.urgency);
                writer.Key("min_score");
                writer.Double(row.min_sentiment_score);
                writer.Key("items");
                writer.Int64(row.item_count);
                Time(writer, "opened_at", row.opened_at);
                Time(writer, "updated_at", row.updated_at);
            });
        });
    }
    if (quarantine_list->parsed()) {
        return WithStore(config_path, [&](const auto&, crm::Store& store, const auto&) {
            return PrintJsonLines(store.ListQuarantine(filter, include_replayed), [](Writer& writer, const auto& row) {
                Str(writer, "source", row.source);
                Str(writer, "locator", row.locator);
                Str(writer, "reason", row.reason);
                writer.Key("raw_bytes");
                writer.Uint64(row.raw.size());
                writer.Key("raw_truncated");
                writer.Bool(row.raw_truncated);
                writer.Key("attempts");
                writer.Int64(row.attempts);
                Time(writer, "first_seen", row.first_seen);
                writer.Key("replayed");
                writer.Bool(row.replayed_at.has_value());
            });
        });
    }
    if (sms_send->parsed()) {
        if (!sms_key.empty()) {
            sms_request.dedupe_key = sms_key;
        }
        return WithStore(config_path, [&](const daemon::Config& config, crm::Store& store, const auto&) {
            auto result = daemon::QueueSms(store, config, sms_request);
            if (!result) {
                return Fail("sms send: " + result.error().message());
            }
            if (!result.value().queued) {
                std::cerr << "sms send refused: " << result.value().refusal << "\n";
                return 3;
            }
            std::cout << "outbox " << result.value().queued->id << ": " << result.value().queued->state << "\n";
            return 0;
        });
    }
    if (sms_status->parsed()) {
        return WithStore(config_path, [&](const auto&, crm::Store& store, const auto&) {
            auto row = store.GetOutbound(sms_id);
            if (!row) {
                return Fail("sms status " + std::to_string(sms_id) + ": " + row.error().message());
            }
            std::cout << "outbox " << sms_id << ": " << row.value().state << " attempts=" << row.value().attempts
                      << (row.value().upstream_id.empty() ? "" : " sid=" + row.value().upstream_id)
                      << (row.value().error.empty() ? "" : " error=\"" + row.value().error + "\"") << "\n";
            return 0;
        });
    }
    if (quarantine_replay->parsed()) {
        return WithStore(config_path, [&](const daemon::Config& config, crm::Store& store, const auto&) {
            auto analyzer = nlp::Analyzer::Create(daemon::MakeAnalyzerOptions(config));
            if (!analyzer) {
                return Fail("analyzer models: " + analyzer.error().message());
            }
            auto result = daemon::ReplayQuarantined(store, config, analyzer.value(), replay_id);
            if (!result) {
                return Fail("replay of quarantine " + std::to_string(replay_id) + ": " + result.error().message());
            }
            std::cout << "quarantine " << replay_id << ": " << result.value().message << "\n";
            return result.value().stored ? 0 : 1;
        });
    }
    if (users_add->parsed()) {
        return WithStore(config_path, [&](const auto&, crm::Store& store, const auto&) {
            return daemon::RunUsersAdd(store, new_user, password_stdin, std::cin, std::cout, std::cerr);
        });
    }
    if (users_disable->parsed() || users_enable->parsed()) {
        return WithStore(config_path, [&](const auto&, crm::Store& store, const auto&) {
            return daemon::RunUsersSetDisabled(store, user_name, users_disable->parsed(), std::cout, std::cerr);
        });
    }
    if (users_reset->parsed()) {
        return WithStore(config_path, [&](const auto&, crm::Store& store, const auto&) {
            return daemon::RunUsersReset(store, user_name, password_stdin, std::cin, std::cout, std::cerr);
        });
    }
    if (users_list->parsed()) {
        return WithStore(config_path, [&](const auto&, crm::Store& store, const auto&) {
            return daemon::RunUsersList(store, std::cout, std::cerr);
        });
    }
    if (tokens_create->parsed()) {
        return WithStore(config_path, [&](const auto&, crm::Store& store, const auto&) {
            return daemon::RunTokensCreate(store, user_name, token_name, std::cout, std::cerr);
        });
    }
    if (tokens_revoke->parsed()) {
        return WithStore(config_path, [&](const auto&, crm::Store& store, const auto&) {
            return daemon::RunTokensRevoke(store, token_id, std::cout, std::cerr);
        });
    }
    if (audit->parsed()) {
        if (!audit_since.empty()) {
            const auto since = daemon::ParseDay(audit_since);
            if (!since) {
                return Fail("audit --since: expected YYYY-MM-DD");
            }
            audit_filter.since = *since;
        }
        if (!audit_actor.empty()) {
            audit_filter.actor = audit_actor;
        }
        if (!audit_action.empty()) {
            audit_filter.action = audit_action;
        }
        if (!audit_object.empty()) {
            audit_filter.object_type = "case";
            audit_filter.object_id = audit_object;
        }
        return WithStore(config_path, [&](const auto&, crm::Store& store, const auto&) {
            return daemon::RunAudit(store, audit_filter, std::cout, std::cerr);
        });
    }
    if (corrections->parsed()) {
        const auto since = daemon::ParseDay(corrections_since);
        if (!since) {
            return Fail("corrections --since: expected YYYY-MM-DD");
        }
        return WithStore(config_path, [&](const auto&, crm::Store& store, const auto&) {
            return daemon::RunCorrections(store, *since, std::cout, std::cerr);
        });
    }
    if (surveys_define->parsed()) {
        return WithStore(config_path, [&](const auto&, crm::Store& store, const auto&) {
            return daemon::RunSurveysDefine(store, survey_file, std::cout, std::cerr);
        });
    }
    if (surveys_list->parsed()) {
        if (!survey_state.empty()) {
            survey_filter.state = survey_state;
        }
        if (!survey_physician.empty()) {
            survey_filter.physician_id = survey_physician;
        }
        return WithStore(config_path, [&](const auto&, crm::Store& store, const auto&) {
            crm::SurveyRepository surveys(store);
            return PrintJsonLines(surveys.ListSurveys(survey_filter), [](Writer& writer, const crm::SurveyRow& row) {
                Str(writer, "visit", row.visit_number);
                Str(writer, "state", row.state);
                Str(writer, "reason", row.reason);
                Str(writer, "physician", row.physician_id);
                Str(writer, "unit", row.care_unit);
                Str(writer, "channel", row.channel);
                Time(writer, "due_at", row.due_at);
                if (row.invited_at) {
                    Time(writer, "invited_at", *row.invited_at);
                }
                if (row.answered_at) {
                    Time(writer, "answered_at", *row.answered_at);
                }
                writer.Key("reminders");
                writer.Int(row.reminders_sent);
            });
        });
    }
    if (surveys_import_calls->parsed()) {
        return WithStore(config_path, [&](const daemon::Config& config, crm::Store& store, const auto&) {
            auto analyzer = nlp::Analyzer::Create(daemon::MakeAnalyzerOptions(config));
            if (!analyzer) {
                return Fail("analyzer models: " + analyzer.error().message());
            }
            return daemon::RunImportCalls(store, config, &analyzer.value(), survey_file,
                                          std::chrono::system_clock::now(), std::cout, std::cerr);
        });
    }
    if (encounters_import->parsed()) {
        return WithStore(config_path, [&](const daemon::Config& config, crm::Store& store, const auto&) {
            return daemon::RunEncountersImport(store, config, encounters_file, std::chrono::system_clock::now(),
                                               std::cout, std::cerr);
        });
    }
    if (summary->parsed()) {
        const auto from = daemon::ParseDay(summary_from);
        const auto to = daemon::ParseDay(summary_to);
        if (!from || !to || *to < *from) {
            return Fail("--from and --to: YYYY-MM-DD, --to not before --from");
        }
        if (summary_physician.empty() == summary_unit.empty()) {
            return Fail("summary: give --physician ID or --unit UNIT");
        }
        return WithStore(config_path, [&](const auto&, crm::Store& store, const auto&) {
            crm::SurveyRepository surveys(store);
            const auto end = *to + std::chrono::hours(24);
            auto data = summary_physician.empty() ? surveys.UnitSummary(summary_unit, *from, end)
                                                  : surveys.PhysicianSummary(summary_physician, *from, end);
            if (!data) {
                return Fail("summary: " + data.error().message());
            }
            const std::string who =
                summary_physician.empty() ? "unit " + summary_unit : "physician " + summary_physician;
            std::cout << daemon::FormatSummary(
                data.value(), "Follow-ups of " + who + ", " + summary_from + " to " + summary_to, true);
            return 0;
        });
    }
    if (physicians_list->parsed()) {
        return WithStore(config_path, [&](const auto&, crm::Store& store, const auto&) {
            crm::SurveyRepository surveys(store);
            auto rows = surveys.ListPhysicians();
            if (!rows) {
                return Fail(rows.error().message());
            }
            for (const auto& row : rows.value()) {
                std::cout << row.id << "\t" << row.name << "\talerts by " << row.alert_channel
                          << (row.email.empty() ? "" : "\temail set") << (row.phone.empty() ? "" : "\tphone set")
                          << "\n";
            }
            return 0;
        });
    }
    if (physicians_set->parsed()) {
        return WithStore(config_path, [&](const auto&, crm::Store& store, const auto&) {
            crm::SurveyRepository surveys(store);
            auto existing = surveys.GetPhysician(physician_contact.id);
            if (!existing) {
                return Fail(existing.error().message());
            }
            auto contact =
                existing.value().value_or(crm::SurveyRepository::PhysicianContact{.id = physician_contact.id});
            contact.name = physician_contact.name.empty() ? contact.name : physician_contact.name;
            contact.email = physician_contact.email.empty() ? contact.email : physician_contact.email;
            contact.phone = physician_contact.phone.empty() ? contact.phone : physician_contact.phone;
            contact.alert_channel =
                physician_contact.alert_channel.empty() ? contact.alert_channel : physician_contact.alert_channel;
            auto updated = surveys.UpdatePhysicianContact(contact);
            if (!updated) {
                return Fail("physicians set: " + updated.error().message());
            }
            std::cout << "physician " << contact.id << ": alerts by "
                      << (contact.alert_channel.empty() ? "email" : contact.alert_channel) << "\n";
            return 0;
        });
    }
    if (reanalyze->parsed()) {
        const auto since = daemon::ParseSinceDate(reanalyze_since);
        if (!since) {
            return Fail("--since: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, got \"" + reanalyze_since + "\"");
        }
        return WithStore(config_path, [&](const daemon::Config& config, crm::Store& store, const auto&) {
            auto analyzer = nlp::Analyzer::Create(daemon::MakeAnalyzerOptions(config));
            if (!analyzer) {
                return Fail("analyzer models: " + analyzer.error().message());
            }
            const daemon::ReanalyzeOptions options{.since = *since, .batch_size = reanalyze_batch};
            auto report = daemon::Reanalyze(store, analyzer.value(), daemon::MakeFlagPolicy(config), options);
            if (!report) {
                return Fail("reanalyze: " + report.error().message() + " (finished batches are kept; run it again)");
            }
            const daemon::ReanalyzeReport& r = report.value();
            std::cout << "analyzer " << analyzer.value().Version() << "\n"
                      << "examined " << r.examined << " item(s) in " << r.batches << " batch(es), updated " << r.updated
                      << "\n"
                      << "analyzer version changed for " << r.version_changed << ", noise verdict changed for "
                      << r.noise_changed << "\n"
                      << "would now be flagged but are in no case: " << r.would_flag_without_case
                      << " (no case opened: review them with `items list`)\n"
                      << "in a case but no longer flagged: " << r.in_case_no_longer_flagged
                      << " (cases left as they are)\n";
            return 0;
        });
    }
    return 0;
}
