#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <console/passwords.hpp>
#include <console/tokens.hpp>
#include <ctime>
#include <daemon/console_commands.hpp>
#include <istream>
#include <ostream>

namespace carelisten::daemon {
namespace {

std::string IsoTime(crm::Timestamp time) {
    const std::time_t t = std::chrono::system_clock::to_time_t(time);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

/// The password for a new user or a reset: the first line of `in`, or a generated one (printed).
std::optional<std::string> ObtainPassword(bool from_stdin, std::istream& in, std::ostream& out, std::ostream& err,
                                          const std::string& username) {
    if (!from_stdin) {
        std::string password = console::GeneratePassword();
        out << "password for " << username << ": " << password << "\n"
            << "(shown once; give it to the user by a channel you trust)\n";
        return password;
    }
    std::string password;
    std::getline(in, password);
    if (!password.empty() && password.back() == '\r') {
        password.pop_back();
    }
    if (const auto problem = console::PasswordProblem(password)) {
        err << "password refused: " << *problem << "\n";
        return std::nullopt;
    }
    return password;
}

}  // namespace

crm::Viewer CliViewer() {
    const char* login = getlogin();
    std::string name = login != nullptr ? login : "";
    if (name.empty()) {
        const char* user = std::getenv("USER");
        name = user != nullptr ? user : "unknown";
    }
    return {.actor = "cli:" + name, .role = "operator"};
}

int RunUsersAdd(crm::Store& store, crm::NewConsoleUser user, bool password_from_stdin, std::istream& in,
                std::ostream& out, std::ostream& err) {
    if (user.role != crm::kRolePatientRelations && user.role != crm::kRolePhysician &&
        user.role != crm::kRoleUnitLead && user.role != crm::kRoleAdmin) {
        err << "users add: role must be patient_relations, physician, unit_lead or admin\n";
        return 2;
    }
    if (user.role == crm::kRolePhysician && user.physician_id.empty()) {
        err << "users add: a physician needs --physician <id> (the id the HL7 feed uses)\n";
        return 2;
    }
    if (user.role == crm::kRoleUnitLead && user.care_unit.empty()) {
        err << "users add: a unit lead needs --unit <care unit>\n";
        return 2;
    }
    if (user.username.size() < 2 || user.username.size() > 64 ||
        user.username.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-") != std::string::npos ||
        user.username.front() == '.' || user.username.front() == '-' || user.username.front() == '_') {
        err << "users add: a username is 2 to 64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter "
               "or digit\n";
        return 2;
    }
    const auto password = ObtainPassword(password_from_stdin, in, out, err, user.username);
    if (!password) {
        return 2;
    }
    user.password_hash = console::HashPassword(*password);
    const auto added = crm::ConsoleRepository(store).AddUser(user, CliViewer());
    if (!added) {
        err << "users add " << user.username << ": "
            << (added.error() == crm::CrmErrc::kConflict ? "that username exists" : added.error().message()) << "\n";
        return 1;
    }
    out << "user " << user.username << " added (" << user.role << ")\n";
    return 0;
}

int RunUsersSetDisabled(crm::Store& store, const std::string& username, bool disabled, std::ostream& out,
                        std::ostream& err) {
    const auto done = crm::ConsoleRepository(store).SetUserDisabled(username, disabled, CliViewer());
    if (!done) {
        err << "users " << (disabled ? "disable " : "enable ") << username << ": " << done.error().message() << "\n";
        return 1;
    }
    out << "user " << username << (disabled ? " disabled; sessions ended, API tokens revoked\n" : " enabled\n");
    return 0;
}

int RunUsersReset(crm::Store& store, const std::string& username, bool password_from_stdin, std::istream& in,
                  std::ostream& out, std::ostream& err) {
    const auto password = ObtainPassword(password_from_stdin, in, out, err, username);
    if (!password) {
        return 2;
    }
    const auto done =
        crm::ConsoleRepository(store).SetPassword(username, console::HashPassword(*password), CliViewer());
    if (!done) {
        err << "users reset " << username << ": " << done.error().message() << "\n";
        return 1;
    }
    out << "password of " << username << " reset; sessions ended, lock-out cleared\n";
    return 0;
}

int RunUsersList(crm::Store& store, std::ostream& out, std::ostream& err) {
    const auto users = crm::ConsoleRepository(store).ListUsers();
    if (!users) {
        err << "users list: " << users.error().message() << "\n";
        return 1;
    }
    for (const auto& user : users.value()) {
        out << user.username << "\t" << user.role << "\t" << (user.physician_id.empty() ? "-" : user.physician_id)
            << "\t" << (user.care_unit.empty() ? "-" : user.care_unit) << "\t"
            << (user.disabled ? "disabled" : "active") << (user.failed_logins ? "\tfailed logins " : "")
            << (user.failed_logins ? std::to_string(user.failed_logins) : "") << "\n";
    }
    return 0;
}

int RunTokensCreate(crm::Store& store, const std::string& username, const std::string& name, std::ostream& out,
                    std::ostream& err) {
    const std::string token = console::RandomToken(32);
    const auto id =
        crm::ConsoleRepository(store).CreateApiToken(username, name, console::TokenDigest(token), CliViewer());
    if (!id) {
        err << "tokens create: "
            << (id.error() == crm::CrmErrc::kNotFound ? "no active user " + username : id.error().message()) << "\n";
        return 1;
    }
    out << "token " << id.value() << " for " << username << ": " << token << "\n"
        << "(shown once; send it as \"Authorization: Bearer <token>\" to /api/v1)\n";
    return 0;
}

int RunTokensRevoke(crm::Store& store, std::int64_t token_id, std::ostream& out, std::ostream& err) {
    const auto done = crm::ConsoleRepository(store).RevokeApiToken(token_id, CliViewer());
    if (!done) {
        err << "tokens revoke " << token_id << ": " << done.error().message() << "\n";
        return 1;
    }
    out << "token " << token_id << " revoked\n";
    return 0;
}

int RunAudit(crm::Store& store, const crm::AuditFilter& filter, std::ostream& out, std::ostream& err) {
    const auto entries = crm::ConsoleRepository(store).ListAudit(filter);
    if (!entries) {
        err << "audit: " << entries.error().message() << "\n";
        return 1;
    }
    for (const auto& entry : entries.value()) {
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
        w.StartObject();
        w.Key("id");
        w.Int64(entry.id);
        w.Key("at");
        w.String(IsoTime(entry.at).c_str());
        w.Key("actor");
        w.String(entry.actor.c_str());
        w.Key("role");
        w.String(entry.actor_role.c_str());
        w.Key("action");
        w.String(entry.action.c_str());
        w.Key("object_type");
        w.String(entry.object_type.c_str());
        w.Key("object_id");
        w.String(entry.object_id.c_str());
        w.Key("from");
        w.String(entry.remote_address.c_str());
        w.Key("detail");
        w.RawValue(entry.detail_json.c_str(), entry.detail_json.size(), rapidjson::kObjectType);
        w.EndObject();
        out << buffer.GetString() << "\n";
    }
    return 0;
}

int RunCorrections(crm::Store& store, crm::Timestamp since, std::ostream& out, std::ostream& err) {
    const auto corrections = crm::ConsoleRepository(store).ListCorrections(since);
    if (!corrections) {
        err << "corrections: " << corrections.error().message() << "\n";
        return 1;
    }
    for (const auto& c : corrections.value()) {
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
        w.StartObject();
        w.Key("text");
        w.String(c.text.c_str(), static_cast<rapidjson::SizeType>(c.text.size()));
        w.Key("channel");
        w.String(c.channel.c_str());
        w.Key("field");
        w.String(c.field.c_str());
        w.Key("label");
        w.String(c.corrected_value.c_str());
        w.Key("analyzer_label");
        w.String(c.analyzer_value.c_str());
        w.Key("analyzer_version");
        w.String(c.analyzer_version.c_str());
        w.Key("corrected_at");
        w.String(IsoTime(c.created_at).c_str());
        w.EndObject();
        out << buffer.GetString() << "\n";
    }
    return 0;
}

}  // namespace carelisten::daemon
