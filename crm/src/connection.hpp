/// @file
/// @brief Opening libpq connections: the connection string with its password, and a session that keeps server
/// notices out of stderr.
#pragma once

#include <common/log.hpp>
#include <exception>
#include <pqxx/pqxx>
#include <string>
#include <string_view>

namespace carelisten::crm {

/// The libpq connection string for `conninfo` (key/value or postgres:// URI) with `password` added when
/// non-empty (it overrides any password in `conninfo`), a 10 s connect timeout and application name
/// "carelisten" unless `conninfo` sets them. The result holds the password: never log it.
std::string BuildConninfo(const std::string& conninfo, const std::string& password);

/// Drops server notices and warnings: libpqxx would print them on stderr, bypassing the log, and their text
/// can quote values.
class NoticeSink final : public pqxx::errorhandler {
public:
    explicit NoticeSink(pqxx::connection_base& conn) : pqxx::errorhandler(conn) {}
    bool operator()(const char message[]) noexcept override;
};

/// One open connection. Lifecycle: the constructor connects (throwing pqxx::broken_connection when it cannot);
/// destroy and construct a new one after the connection is lost. Thread-safety: none.
class PgSession {
public:
    explicit PgSession(const std::string& full_conninfo) : conn_(full_conninfo), notices_(conn_) {}
    PgSession(const PgSession&) = delete;
    PgSession& operator=(const PgSession&) = delete;

    pqxx::connection& conn() { return conn_; }

private:
    pqxx::connection conn_;
    NoticeSink notices_;  // declared after conn_, so it unregisters before the connection closes
};

/// Logs why a connection attempt failed, reduced to a fixed phrase: libpq's own message can echo parts of a
/// malformed connection string, password included.
void LogConnectFailure(std::string_view operation, const std::exception& error, log::Level level);

}  // namespace carelisten::crm
