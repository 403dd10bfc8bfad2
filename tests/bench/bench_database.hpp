/// @file
/// @brief A benchmark's private PostgreSQL (daemon::EmbeddedPostgres) with the crm schema.
#pragma once

#include <crm/migrator.hpp>
#include <daemon/embedded_postgres.hpp>
#include <iostream>

namespace carelisten::bench {

/// Starts `postgres` and applies the crm migrations; false, with the reason on stderr, when the migrations fail
/// (Start throws when the cluster cannot start).
inline bool StartWithSchema(daemon::EmbeddedPostgres& postgres) {
    postgres.Start();
    if (auto migrated = crm::ApplyMigrations(postgres.Conninfo(), ""); !migrated) {
        std::cerr << "migrations failed: " << migrated.error().message() << "\n";
        return false;
    }
    return true;
}

}  // namespace carelisten::bench
