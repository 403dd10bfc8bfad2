#include "pg/pg_test_database.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <pqxx/pqxx>
#include <random>
#include <sstream>
#include <stdexcept>

namespace carelisten::test {
namespace {

std::string UniqueName() {
    static std::atomic<int> counter{0};
    std::random_device random;
    std::ostringstream name;
    name << "carelisten_test_" << ::getpid() << '_' << counter.fetch_add(1) << '_' << std::hex << (random() & 0xffffU);
    return name.str();
}

// Runs one statement outside a transaction: CREATE/DROP DATABASE refuse to run inside one.
void RunAdmin(const std::string& dsn, const std::string& sql) {
    pqxx::connection conn(dsn);
    pqxx::nontransaction txn(conn);
    txn.exec(sql);
}

}  // namespace

std::optional<std::string> PgTestDsn() {
    const char* dsn = std::getenv("CARELISTEN_TEST_PG_DSN");
    if (dsn == nullptr || *dsn == '\0') {
        return std::nullopt;
    }
    return std::string(dsn);
}

TestDatabase::TestDatabase(std::string admin_dsn) : admin_dsn_(std::move(admin_dsn)), name_(UniqueName()) {
    if (admin_dsn_.rfind("postgres", 0) == 0 && admin_dsn_.find("://") != std::string::npos) {
        throw std::runtime_error("TestDatabase needs a key/value DSN (host=... dbname=...), not a URI");
    }
    try {
        RunAdmin(admin_dsn_, "CREATE DATABASE " + name_ + " TEMPLATE template0 ENCODING 'UTF8'");
    } catch (const std::exception& e) {
        throw std::runtime_error("cannot create test database " + name_ + ": " + e.what());
    }
    // libpq keeps the last value of a repeated key, so this overrides the admin DSN's dbname.
    conninfo_ = admin_dsn_ + " dbname=" + name_;
}

TestDatabase::~TestDatabase() {
    try {
        RunAdmin(admin_dsn_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (...) {
        // The cluster is thrown away after the run anyway; a destructor must not throw.
    }
}

void TestDatabase::Execute(const std::string& sql) const {
    pqxx::connection conn(conninfo_);
    pqxx::work txn(conn);
    txn.exec(sql);
    txn.commit();
}

std::vector<std::vector<std::optional<std::string>>> TestDatabase::Query(const std::string& sql) const {
    pqxx::connection conn(conninfo_);
    pqxx::nontransaction txn(conn);
    const pqxx::result result = txn.exec(sql);
    std::vector<std::vector<std::optional<std::string>>> rows;
    for (const auto& row : result) {
        std::vector<std::optional<std::string>> fields;
        for (const auto& field : row) {
            if (field.is_null()) {
                fields.emplace_back(std::nullopt);
            } else {
                fields.emplace_back(field.as<std::string>());
            }
        }
        rows.push_back(std::move(fields));
    }
    return rows;
}

std::optional<std::string> TestDatabase::QueryValue(const std::string& sql) const {
    const auto rows = Query(sql);
    if (rows.empty() || rows.front().empty()) {
        throw std::runtime_error("query returned no rows: " + sql);
    }
    return rows.front().front();
}

long long TestDatabase::QueryInt(const std::string& sql) const {
    const auto value = QueryValue(sql);
    if (!value) {
        throw std::runtime_error("query returned NULL: " + sql);
    }
    return std::stoll(*value);
}

}  // namespace carelisten::test
