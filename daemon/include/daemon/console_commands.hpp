/// @file
/// @brief The console's operator commands: `carelisten users add|disable|enable|reset|list`, `tokens
/// create|revoke`, `audit` and `corrections`. Every change is written to the audit log as "cli:<login name>".
/// Output to `out`; problems to `err`; each returns the process exit status.
#pragma once

#include <crm/console_repository.hpp>
#include <crm/store.hpp>
#include <iosfwd>
#include <string>

namespace carelisten::daemon {

/// The command line as an audit actor: "cli:<login name>".
crm::Viewer CliViewer();

/// Adds a console user. With `password_from_stdin` the first line of `in` is the password (checked against
/// the password rules); otherwise one is generated and printed once.
int RunUsersAdd(crm::Store& store, crm::NewConsoleUser user, bool password_from_stdin, std::istream& in,
                std::ostream& out, std::ostream& err);
int RunUsersSetDisabled(crm::Store& store, const std::string& username, bool disabled, std::ostream& out,
                        std::ostream& err);
/// A new password (stdin or generated), which also ends the user's sessions and clears a lock-out.
int RunUsersReset(crm::Store& store, const std::string& username, bool password_from_stdin, std::istream& in,
                  std::ostream& out, std::ostream& err);
int RunUsersList(crm::Store& store, std::ostream& out, std::ostream& err);
/// Creates an API token for the user and prints it once (only its digest is stored).
int RunTokensCreate(crm::Store& store, const std::string& username, const std::string& name, std::ostream& out,
                    std::ostream& err);
int RunTokensRevoke(crm::Store& store, std::int64_t token_id, std::ostream& out, std::ostream& err);
/// The audit log as JSON Lines, newest first.
int RunAudit(crm::Store& store, const crm::AuditFilter& filter, std::ostream& out, std::ostream& err);
/// Staff corrections since `since` as JSON Lines for retraining: {"text", "channel", "field", "label",
/// "analyzer_label", "analyzer_version"}.
int RunCorrections(crm::Store& store, crm::Timestamp since, std::ostream& out, std::ostream& err);

}  // namespace carelisten::daemon
