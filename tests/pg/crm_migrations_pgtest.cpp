// crm migrations against a real PostgreSQL: applied once, idempotent, and refusing (changing nothing) when the
// files and the database disagree. Each test gets a pristine database.
#include <gtest/gtest.h>

#include <common/log.hpp>
#include <crm/errc.hpp>
#include <crm/migrator.hpp>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "pg/pg_test_database.hpp"

namespace carelisten::crm {
namespace {

/// Collects log lines for the lifetime of the object.
class LogCapture {
public:
    LogCapture() {
        log::SetSinkForTesting([this](std::string_view line) {
            const std::lock_guard lock(mutex_);
            lines_.emplace_back(line);
        });
    }
    ~LogCapture() { log::SetSinkForTesting(nullptr); }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    bool Contains(std::string_view needle) const {
        const std::lock_guard lock(mutex_);
        for (const auto& line : lines_) {
            if (line.find(needle) != std::string::npos) {
                return true;
            }
        }
        return false;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

Migration MakeMigration(int version, std::string name, std::string sql) {
    Migration migration;
    migration.version = version;
    migration.name = std::move(name);
    migration.sql = std::move(sql);
    return migration;
}

int NextVersion() {
    return EmbeddedMigrations().back().version + 100;
}

class CrmMigrationsTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto dsn = test::PgTestDsn();
        if (!dsn) {
            GTEST_SKIP() << test::kPgSkipMessage;
        }
        db_ = std::make_unique<test::TestDatabase>(*dsn);
    }

    // schema_migrations as text, to prove a refused call changed nothing (applied_at included).
    std::vector<std::vector<std::optional<std::string>>> History() const {
        return db_->Query("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version");
    }

    bool TableExists(const std::string& table) const {
        return db_->QueryValue("SELECT to_regclass('public." + table + "') IS NOT NULL") == "t";
    }

    std::unique_ptr<test::TestDatabase> db_;
};

TEST(CrmEmbeddedMigrations, ManifestIsEmbeddedInOrder) {
    const auto& migrations = EmbeddedMigrations();
    ASSERT_FALSE(migrations.empty());
    EXPECT_EQ(migrations.front().version, 1);
    EXPECT_EQ(migrations.front().name, "V001__init.sql");
    for (std::size_t i = 1; i < migrations.size(); ++i) {
        EXPECT_GT(migrations[i].version, migrations[i - 1].version) << migrations[i].name;
    }
    EXPECT_NE(migrations.front().sql.find("CREATE TABLE item"), std::string::npos);
}

TEST(CrmEmbeddedMigrations, EmbeddedTextIsTheFileByteForByte) {
    const char* source_dir = std::getenv("CARELISTEN_SOURCE_DIR");
    if (source_dir == nullptr) {
        GTEST_SKIP() << "CARELISTEN_SOURCE_DIR is not set (run through ctest)";
    }
    for (const auto& migration : EmbeddedMigrations()) {
        std::ifstream file(std::string(source_dir) + "/crm/migrations/" + migration.name, std::ios::binary);
        ASSERT_TRUE(file) << migration.name;
        std::ostringstream contents;
        contents << file.rdbuf();
        EXPECT_EQ(contents.str(), migration.sql) << migration.name;
    }
}

TEST_F(CrmMigrationsTest, AppliesEverythingOnceThenIsIdempotent) {
    const auto first = ApplyMigrations(db_->Conninfo(), {});
    ASSERT_TRUE(first) << first.error().message();
    ASSERT_EQ(first.value().applied.size(), EmbeddedMigrations().size());
    EXPECT_EQ(first.value().applied.front(), "V001__init.sql");
    EXPECT_EQ(first.value().schema_version, EmbeddedMigrations().back().version);
    for (const char* table : {"item", "source_cursor", "quarantine", "feedback_case", "schema_migrations"}) {
        EXPECT_TRUE(TableExists(table)) << table;
    }
    // The recorded checksum is the sha256 of the file's text, hex.
    const auto checksum = db_->QueryValue("SELECT checksum FROM schema_migrations WHERE version = 1");
    ASSERT_TRUE(checksum);
    EXPECT_EQ(checksum->size(), 64U);
    EXPECT_EQ(checksum->find_first_not_of("0123456789abcdef"), std::string::npos);

    const auto before = History();
    const auto second = ApplyMigrations(db_->Conninfo(), {});
    ASSERT_TRUE(second) << second.error().message();
    EXPECT_TRUE(second.value().applied.empty());
    EXPECT_EQ(second.value().schema_version, EmbeddedMigrations().back().version);
    EXPECT_EQ(History(), before);
}

TEST_F(CrmMigrationsTest, AppliesOnlyThePendingOnes) {
    ASSERT_TRUE(ApplyMigrations(db_->Conninfo(), {}));
    auto migrations = EmbeddedMigrations();
    migrations.push_back(MakeMigration(NextVersion(), "V900__extra.sql", "CREATE TABLE extra_table (id int);"));
    const auto report = ApplyMigrations(db_->Conninfo(), {}, migrations);
    ASSERT_TRUE(report) << report.error().message();
    EXPECT_EQ(report.value().applied, std::vector<std::string>{"V900__extra.sql"});
    EXPECT_EQ(report.value().schema_version, NextVersion());
    EXPECT_TRUE(TableExists("extra_table"));
}

TEST_F(CrmMigrationsTest, RefusesAnEditedMigrationAndChangesNothing) {
    ASSERT_TRUE(ApplyMigrations(db_->Conninfo(), {}));
    const auto before = History();

    auto edited = EmbeddedMigrations();
    edited.front().sql += "\n-- an innocent-looking edit\n";
    edited.push_back(MakeMigration(NextVersion(), "V900__extra.sql", "CREATE TABLE extra_table (id int);"));
    const LogCapture logs;
    const auto result = ApplyMigrations(db_->Conninfo(), {}, edited);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error(), CrmErrc::kMigrationEdited);
    EXPECT_TRUE(logs.Contains("V001__init.sql")) << "the log names the edited file";
    EXPECT_EQ(History(), before);
    EXPECT_FALSE(TableExists("extra_table")) << "a pending migration ran despite the refusal";
}

TEST_F(CrmMigrationsTest, RefusesASchemaNewerThanTheBinary) {
    auto newer = EmbeddedMigrations();
    newer.push_back(MakeMigration(NextVersion(), "V900__newer.sql", "CREATE TABLE newer_table (id int);"));
    ASSERT_TRUE(ApplyMigrations(db_->Conninfo(), {}, newer));
    const auto before = History();

    const auto result = ApplyMigrations(db_->Conninfo(), {});
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error(), CrmErrc::kSchemaTooNew);
    EXPECT_EQ(History(), before);
}

TEST_F(CrmMigrationsTest, RefusesAMigrationSlippedInBelowTheAppliedVersion) {
    auto applied = EmbeddedMigrations();
    applied.push_back(MakeMigration(NextVersion() + 10, "V910__late.sql", "CREATE TABLE late_table (id int);"));
    ASSERT_TRUE(ApplyMigrations(db_->Conninfo(), {}, applied));

    auto slipped = EmbeddedMigrations();
    slipped.push_back(MakeMigration(NextVersion(), "V900__early.sql", "CREATE TABLE early_table (id int);"));
    slipped.push_back(applied.back());
    const auto result = ApplyMigrations(db_->Conninfo(), {}, slipped);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error(), CrmErrc::kMigrationEdited);
    EXPECT_FALSE(TableExists("early_table"));
}

TEST_F(CrmMigrationsTest, AFailingMigrationLeavesTheDatabaseUntouched) {
    auto migrations = EmbeddedMigrations();
    migrations.push_back(
        MakeMigration(NextVersion(), "V900__broken.sql", "CREATE TABLE fine_table (id int); CREATE TABLE broken ("));
    const LogCapture logs;
    const auto result = ApplyMigrations(db_->Conninfo(), {}, migrations);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error(), CrmErrc::kFatal);
    EXPECT_TRUE(logs.Contains("V900__broken.sql"));
    // One transaction: not even V001 or the bookkeeping table survived.
    EXPECT_FALSE(TableExists("item"));
    EXPECT_FALSE(TableExists("fine_table"));
    EXPECT_FALSE(TableExists("schema_migrations"));
}

// The package upgrade path: the daemon of a new version migrates at start; when its migration fails,
// the schema and the data of the old version stay exactly as they were, and the old binary still runs.
TEST_F(CrmMigrationsTest, AFailedUpgradeLeavesTheOldSchemaAndItsDataIntact) {
    ASSERT_TRUE(ApplyMigrations(db_->Conninfo(), {}));
    db_->Query("INSERT INTO source_cursor (source, cursor) VALUES ('drop', 'before-upgrade') RETURNING source");
    const auto before = History();

    auto upgraded = EmbeddedMigrations();
    upgraded.push_back(MakeMigration(NextVersion(), "V900__upgrade.sql",
                                     "CREATE TABLE upgrade_table (id int); ALTER TABLE source_cursor ADD COLUMN "
                                     "upgraded int; UPDATE source_cursor SET cursor = 'changed'; SELECT 1/0;"));
    const LogCapture logs;
    const auto result = ApplyMigrations(db_->Conninfo(), {}, upgraded);
    ASSERT_FALSE(result);
    EXPECT_TRUE(logs.Contains("V900__upgrade.sql"));
    EXPECT_EQ(History(), before) << "schema_migrations unchanged";
    EXPECT_FALSE(TableExists("upgrade_table"));
    EXPECT_EQ(db_->QueryValue("SELECT cursor FROM source_cursor WHERE source = 'drop'"), "before-upgrade");
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM information_schema.columns WHERE table_name = 'source_cursor' AND "
                            "column_name = 'upgraded'"),
              0);
    // The old binary (the embedded migrations alone) starts on it as before.
    const auto old = ApplyMigrations(db_->Conninfo(), {});
    ASSERT_TRUE(old) << old.error().message();
    EXPECT_TRUE(old.value().applied.empty());
}

TEST_F(CrmMigrationsTest, ConcurrentStartsApplyEachMigrationOnce) {
    constexpr int kProcesses = 4;
    std::vector<std::size_t> applied(kProcesses, 0);
    std::vector<bool> ok(kProcesses, false);
    std::vector<std::thread> threads;
    for (int i = 0; i < kProcesses; ++i) {
        threads.emplace_back([&, i] {
            const auto report = ApplyMigrations(db_->Conninfo(), {});
            ok[static_cast<std::size_t>(i)] = static_cast<bool>(report);
            if (report) {
                applied[static_cast<std::size_t>(i)] = report.value().applied.size();
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    std::size_t total = 0;
    for (int i = 0; i < kProcesses; ++i) {
        EXPECT_TRUE(ok[static_cast<std::size_t>(i)]) << "process " << i;
        total += applied[static_cast<std::size_t>(i)];
    }
    EXPECT_EQ(total, EmbeddedMigrations().size());
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM schema_migrations"),
              static_cast<long long>(EmbeddedMigrations().size()));
}

TEST_F(CrmMigrationsTest, RejectsAListOutOfOrder) {
    std::vector<Migration> migrations{MakeMigration(2, "V002__b.sql", "SELECT 1;"),
                                      MakeMigration(1, "V001__a.sql", "SELECT 1;")};
    const auto result = ApplyMigrations(db_->Conninfo(), {}, migrations);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error(), CrmErrc::kFatal);
    EXPECT_FALSE(TableExists("schema_migrations"));
}

TEST_F(CrmMigrationsTest, UnreachableServerIsConnectionRefused) {
    const LogCapture logs;
    const auto result = ApplyMigrations("host=/nonexistent/carelisten port=5432 dbname=postgres", "secret-pw");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error(), CrmErrc::kConnectionRefused);
    EXPECT_FALSE(logs.Contains("secret-pw"));
    EXPECT_FALSE(logs.Contains("/nonexistent/carelisten")) << "the log does not echo the connection string";
}

}  // namespace
}  // namespace carelisten::crm
