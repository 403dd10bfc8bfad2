/// @file
/// @brief Store's private state, shared by the files that implement its repositories (store.cpp,
/// survey_repository.cpp): the connection, reconnecting, and mapping libpqxx exceptions to CrmErrc.
#pragma once

#include <common/log.hpp>
#include <crm/errc.hpp>
#include <crm/store.hpp>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <string_view>

#include "connection.hpp"
#include "db_error.hpp"

namespace carelisten::crm {

/// Prepares the Store's own statements on a new connection (store.cpp).
void PrepareStoreStatements(pqxx::connection& conn);

struct Store::Impl {
    explicit Impl(std::string full_conninfo) : conninfo(std::move(full_conninfo)) {}

    TransactionObserver transaction_observer;

    /// Connects and declares the prepared statements. Throws what libpqxx throws.
    void Connect() {
        session = std::make_unique<PgSession>(conninfo);
        PrepareStoreStatements(session->conn());
        ApplySessionSettings(session->conn());
    }

    /// Session settings that must survive a reconnect (LimitIdleTransactions).
    void ApplySessionSettings(pqxx::connection& conn) const {
        if (idle_transaction_timeout.count() > 0) {
            pqxx::nontransaction txn(conn, "session settings");
            txn.exec("SET idle_in_transaction_session_timeout = " +
                     std::to_string(std::chrono::milliseconds(idle_transaction_timeout).count()));
        }
    }

    std::chrono::seconds idle_transaction_timeout{0};

    /// Runs `fn` on a connection (connecting first when there is none) and maps every exception to a CrmErrc.
    /// A lost connection is dropped here, so the next call reconnects.
    template <typename T, typename Fn>
    Result<T> Run(std::string_view operation, Fn&& fn) {
        if (!session) {
            try {
                Connect();
            } catch (const std::exception& e) {
                session.reset();
                std::uint64_t occurrence = 0;
                if (retry_log.ShouldLog(occurrence)) {
                    LogConnectFailure(operation, e, log::Level::kWarning);
                }
                return CrmErrc::kRetry;
            }
        }
        try {
            Result<T> result = fn(session->conn());
            retry_log.Reset();
            return result;
        } catch (...) {
            const DbFailure failure = ClassifyCurrentException();
            // An exception in the middle of COPY leaves the connection in an unknown protocol state.
            if (failure.connection_lost || copy_in_progress) {
                session.reset();
            }
            copy_in_progress = false;
            std::uint64_t occurrence = 0;
            if (failure.errc != CrmErrc::kRetry || retry_log.ShouldLog(occurrence)) {
                LogDbFailure(operation, failure);
            }
            return failure.errc;
        }
    }

    std::string conninfo;  // holds the password: never log it
    std::unique_ptr<PgSession> session;
    bool copy_in_progress = false;
    log::RepeatLimiter retry_log;
};

}  // namespace carelisten::crm
