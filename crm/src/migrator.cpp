#include <common/log.hpp>
#include <crm/errc.hpp>
#include <crm/migrator.hpp>
#include <map>
#include <memory>
#include <pqxx/pqxx>

#include "connection.hpp"
#include "db_error.hpp"

namespace carelisten::crm {
namespace {

// Serializes migrations across processes: pg_advisory_xact_lock holds it until the migration transaction ends.
// Any constant works as long as nothing else in the database uses it; this one spells "crmmigr" in ASCII.
constexpr const char* kLockSql = "SELECT pg_advisory_xact_lock(27980186911353458)";

constexpr const char* kCreateTableSql = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
))sql";

// sha256 of the file's bytes, computed by the server so the binary needs no crypto library.
constexpr const char* kChecksumSql = "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')";

struct Applied {
    std::string name;
    std::string checksum;
};

bool ValidateList(const std::vector<Migration>& migrations) {
    int previous = 0;
    for (const auto& migration : migrations) {
        if (migration.version <= previous) {
            log::Error("crm", "migration ", migration.name, " has version ", migration.version,
                       ": versions must increase strictly and start above 0");
            return false;
        }
        previous = migration.version;
    }
    return true;
}

Result<MigrationReport> ApplyInTransaction(pqxx::connection& conn, const std::vector<Migration>& migrations) {
    pqxx::work txn(conn, "migrate");
    txn.exec(kLockSql);
    txn.exec(kCreateTableSql);

    std::map<int, Applied> applied;
    for (const auto& row : txn.exec("SELECT version, name, checksum FROM schema_migrations")) {
        applied.emplace(row[0].as<int>(), Applied{row[1].as<std::string>(), row[2].as<std::string>()});
    }

    std::map<int, const Migration*> known;
    for (const auto& migration : migrations) {
        known.emplace(migration.version, &migration);
    }
    for (const auto& [version, row] : applied) {
        if (known.find(version) == known.end()) {
            log::Error("crm", "the database has schema version ", version, " (", row.name,
                       ") which this binary does not know: it was migrated by a newer carelisten; "
                       "refusing to start");
            return CrmErrc::kSchemaTooNew;
        }
    }

    const int highest_applied = applied.empty() ? 0 : applied.rbegin()->first;
    struct Pending {
        const Migration* migration;
        std::string checksum;
    };
    std::vector<Pending> pending;
    for (const auto& migration : migrations) {
        const std::string checksum = txn.exec_params1(kChecksumSql, migration.sql)[0].as<std::string>();
        const auto found = applied.find(migration.version);
        if (found != applied.end()) {
            if (found->second.checksum != checksum) {
                log::Error("crm", "migration ", migration.name, " was edited after it was applied (recorded as ",
                           found->second.name, "): restore the original file; add a new migration instead");
                return CrmErrc::kMigrationEdited;
            }
            continue;
        }
        if (migration.version < highest_applied) {
            // A file slipped in below versions already applied: migrations are forward-only, and running it
            // now would apply it after changes it predates.
            log::Error("crm", "migration ", migration.name, " is older than the applied schema version ",
                       highest_applied, ": migrations are forward-only; renumber it after the last one");
            return CrmErrc::kMigrationEdited;
        }
        pending.push_back(Pending{&migration, checksum});
    }

    MigrationReport report;
    for (const auto& [migration, checksum] : pending) {
        try {
            txn.exec(migration->sql);
        } catch (...) {
            const DbFailure failure = ClassifyCurrentException();
            LogDbFailure("applying migration " + migration->name, failure);
            return failure.errc;
        }
        txn.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                        migration->version, migration->name, checksum);
        report.applied.push_back(migration->name);
    }
    report.schema_version = txn.exec1("SELECT coalesce(max(version), 0) FROM schema_migrations")[0].as<int>();
    if (report.schema_version >= 7) {
        // Idempotent, and run at every start: the role may have been created by the DBA since (V007).
        const auto access = txn.exec1("SELECT carelisten_enable_physician_access()")[0].as<std::string>();
        if (access != "ok") {
            log::Warning("crm",
                         "physicians' row-level security is not set up, so their summaries cannot be read: ", access);
        }
    }
    txn.commit();
    return report;
}

}  // namespace

Result<MigrationReport> ApplyMigrations(const std::string& conninfo, const std::string& password,
                                        const std::vector<Migration>& migrations) {
    if (!ValidateList(migrations)) {
        return CrmErrc::kFatal;
    }
    std::unique_ptr<PgSession> session;
    try {
        session = std::make_unique<PgSession>(BuildConninfo(conninfo, password));
    } catch (const std::exception& e) {
        LogConnectFailure("migrations", e, log::Level::kError);
        return CrmErrc::kConnectionRefused;
    }
    try {
        auto report = ApplyInTransaction(session->conn(), migrations);
        if (report && !report.value().applied.empty()) {
            log::Notice("crm", "applied ", report.value().applied.size(), " migration(s); schema version is now ",
                        report.value().schema_version);
        }
        return report;
    } catch (...) {
        const DbFailure failure = ClassifyCurrentException();
        LogDbFailure("migrations", failure);
        return failure.errc;
    }
}

}  // namespace carelisten::crm
