/// @file
/// @brief A fresh PostgreSQL database for one test suite, on the cluster that tests/support/pg_cluster.sh runs
/// (CTest fixture `pg_cluster`), for the pg and e2e tiers. Link `carelisten::pg_test_support`.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace carelisten::test {

/// Why a pg test skips: say so plainly, since a silently skipped tier looks like a passing one.
inline constexpr const char* kPgSkipMessage =
    "CARELISTEN_TEST_PG_DSN is not set: run the pg tier through ctest (`ctest -L pg`), which starts a "
    "throwaway cluster with tests/support/pg_cluster.sh, or set it to a libpq key/value DSN of a disposable "
    "PostgreSQL 15 server";

/// The maintenance DSN from CARELISTEN_TEST_PG_DSN (key/value form), or nullopt when it is unset or empty.
std::optional<std::string> PgTestDsn();

/// An empty database with a unique name, created on construction and dropped (WITH (FORCE), so leftover
/// connections do not block it) on destruction. Schema is the test's business: crm tests apply the migrations.
/// Lifecycle: one per suite (or per test when each needs a pristine database). Thread-safety: the const
/// members may be called from several threads; each call opens its own connection.
class TestDatabase {
public:
    /// Throws std::runtime_error when the database cannot be created.
    explicit TestDatabase(std::string admin_dsn);
    ~TestDatabase();
    TestDatabase(const TestDatabase&) = delete;
    TestDatabase& operator=(const TestDatabase&) = delete;

    /// A libpq key/value connection string for this database.
    const std::string& Conninfo() const { return conninfo_; }
    const std::string& Name() const { return name_; }

    /// Runs SQL (several statements allowed) on this database in one transaction. Throws on error.
    void Execute(const std::string& sql) const;
    /// All rows of a query, each field as text; nullopt for NULL. Throws on error.
    std::vector<std::vector<std::optional<std::string>>> Query(const std::string& sql) const;
    /// The first field of the first row (nullopt for NULL); throws when there is no row.
    std::optional<std::string> QueryValue(const std::string& sql) const;
    /// QueryValue as an integer, for counts; throws when NULL.
    long long QueryInt(const std::string& sql) const;

private:
    std::string admin_dsn_;
    std::string name_;
    std::string conninfo_;
};

}  // namespace carelisten::test
