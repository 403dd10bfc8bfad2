/// @file
/// @brief The operator's survey commands (`carelisten surveys define|list|import-calls`, `encounters import`,
/// `summary`, `physicians set|list`): each reads a file or arguments and talks to the crm through the same
/// repository and planner the daemon uses. Output goes to `out`, problems (with line numbers, never patient data)
/// to `err`; each returns the process exit status.
#pragma once

#include <crm/store.hpp>
#include <crm/survey_repository.hpp>
#include <iosfwd>
#include <optional>
#include <string>

namespace carelisten::nlp {
class Analyzer;
}

namespace carelisten::daemon {

struct Config;

/// Stores a question set (TOML, surveys/README.md) as a new approved version of its unit.
int RunSurveysDefine(crm::Store& store, const std::string& path, std::ostream& out, std::ostream& err);

/// Applies a CSV or JSON Lines encounter export (by extension: .csv, else JSON Lines) like HL7 messages: each
/// record once (facility + record_id), discharges schedule surveys. Exit 1 when any record was refused.
int RunEncountersImport(crm::Store& store, const Config& config, const std::string& path, crm::Timestamp now,
                        std::ostream& out, std::ostream& err);

/// Answers a call centre collected: CSV with a header, columns survey_id or visit_number (+ optional facility),
/// question_id, answer (as the patient said it: "7", "seven", "haan"...). One submission per survey, recorded once;
/// red flags open cases and alert like any other answer. Exit 1 when any row was refused.
int RunImportCalls(crm::Store& store, const Config& config, const nlp::Analyzer* analyzer, const std::string& path,
                   crm::Timestamp now, std::ostream& out, std::ostream& err);

/// "YYYY-MM-DD" as UTC midnight.
std::optional<crm::Timestamp> ParseDay(const std::string& text);

}  // namespace carelisten::daemon
