/// @file
/// @brief Forward-only schema migrations: numbered SQL files listed in crm/migrations/migrations.txt,
/// compiled into the binary, applied at start in one transaction, recorded with checksums.
#pragma once

#include <common/result.hpp>
#include <string>
#include <vector>

namespace carelisten::crm {

struct Migration {
    int version = 0;   ///< from the file name, V001__init.sql -> 1
    std::string name;  ///< the file name
    std::string sql;
};

/// The migrations compiled into this binary, in manifest order.
const std::vector<Migration>& EmbeddedMigrations();

struct MigrationReport {
    std::vector<std::string> applied;  ///< file names applied by this call
    int schema_version = 0;            ///< highest version now in the database
};

/// Applies pending migrations in one transaction (serialized by an advisory lock, so two processes
/// starting at once are safe). Refuses, changing nothing, when an already-applied migration's checksum
/// differs from the file's (CrmErrc::kMigrationEdited), or when the database has a version this binary
/// does not know (CrmErrc::kSchemaTooNew).
Result<MigrationReport> ApplyMigrations(const std::string& conninfo, const std::string& password,
                                        const std::vector<Migration>& migrations = EmbeddedMigrations());

}  // namespace carelisten::crm
