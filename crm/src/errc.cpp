#include <common/log.hpp>
#include <crm/errc.hpp>
#include <exception>
#include <new>
#include <pqxx/pqxx>
#include <string>

#include "db_error.hpp"

namespace carelisten::crm {
namespace {

class CrmCategoryImpl final : public std::error_category {
public:
    const char* name() const noexcept override { return "crm"; }

    std::string message(int value) const override {
        switch (static_cast<CrmErrc>(value)) {
            case CrmErrc::kRetry:
                return "database temporarily unavailable: retry the batch later";
            case CrmErrc::kNotFound:
                return "no such row";
            case CrmErrc::kMigrationEdited:
                return "an applied migration was edited: restore the original file";
            case CrmErrc::kSchemaTooNew:
                return "the database schema is newer than this binary";
            case CrmErrc::kConnectionRefused:
                return "cannot connect to the database: check the connection settings";
            case CrmErrc::kFatal:
                return "database operation failed";
            case CrmErrc::kConflict:
                return "already stored with different content: choose a new version or key";
            case CrmErrc::kInvalidInput:
                return "the request does not apply to the stored data";
            case CrmErrc::kLeaseLost:
                return "another replica holds this source's lease now";
        }
        return "unknown crm error";
    }
};

// Descriptions by SQLSTATE class (the first two characters), from the PostgreSQL manual's appendix A.
std::string_view DescribeSqlState(std::string_view state) {
    struct ClassDescription {
        std::string_view sqlstate_class;
        std::string_view description;
    };
    static constexpr ClassDescription kClasses[] = {
        {"08", "connection exception"},
        {"0A", "feature not supported"},
        {"22", "data exception"},
        {"23", "integrity constraint violation"},
        {"25", "invalid transaction state"},
        {"28", "invalid authorization"},
        {"40", "transaction rolled back"},
        {"42", "syntax error or access rule violation"},
        {"53", "insufficient resources"},
        {"54", "program limit exceeded"},
        {"55", "object not in prerequisite state"},
        {"57", "operator intervention"},
        {"58", "system error"},
        {"XX", "internal error"},
    };
    for (const auto& entry : kClasses) {
        if (state.substr(0, 2) == entry.sqlstate_class) {
            return entry.description;
        }
    }
    return "statement failed";
}

DbFailure FromSqlState(std::string state) {
    DbFailure failure;
    failure.description = DescribeSqlState(state);
    if (state.rfind("08", 0) == 0) {
        // Connection exceptions: the session is gone.
        failure.errc = CrmErrc::kRetry;
        failure.connection_lost = true;
    } else if (state == "57P01" || state == "57P02" || state == "57P03") {
        // Admin shutdown, crash shutdown, cannot connect now: the server is going away or not back yet.
        failure.errc = CrmErrc::kRetry;
        failure.connection_lost = true;
    } else if (state.rfind("40", 0) == 0) {
        // Serialization failure, deadlock and friends: the transaction can simply run again.
        failure.errc = CrmErrc::kRetry;
    } else if (state == "53300") {
        failure.errc = CrmErrc::kRetry;  // too many connections
        failure.connection_lost = true;
    } else {
        failure.errc = CrmErrc::kFatal;
    }
    failure.sqlstate = std::move(state);
    return failure;
}

DbFailure Make(CrmErrc errc, bool connection_lost, std::string_view description) {
    DbFailure failure;
    failure.errc = errc;
    failure.connection_lost = connection_lost;
    failure.description = description;
    return failure;
}

}  // namespace

const std::error_category& CrmCategory() {
    static const CrmCategoryImpl kCategory;
    return kCategory;
}

std::error_code make_error_code(CrmErrc errc) {
    return {static_cast<int>(errc), CrmCategory()};
}

DbFailure ClassifyCurrentException() noexcept {
    try {
        try {
            throw;
        } catch (const pqxx::in_doubt_error&) {
            // The commit may or may not have happened; ingest is idempotent by (source, external_id), so the
            // caller retries and re-delivery sorts it out. The connection is not trustworthy any more.
            return Make(CrmErrc::kRetry, true, "commit outcome unknown");
        } catch (const pqxx::broken_connection&) {
            return Make(CrmErrc::kRetry, true, "connection to the database lost");
        } catch (const pqxx::statement_completion_unknown&) {
            return Make(CrmErrc::kRetry, true, "statement outcome unknown");
        } catch (const pqxx::serialization_failure&) {
            return Make(CrmErrc::kRetry, false, "serialization failure");
        } catch (const pqxx::deadlock_detected&) {
            return Make(CrmErrc::kRetry, false, "deadlock detected");
        } catch (const pqxx::transaction_rollback&) {
            return Make(CrmErrc::kRetry, false, "transaction rolled back");
        } catch (const pqxx::sql_error& e) {
            return FromSqlState(e.sqlstate());
        } catch (const pqxx::conversion_error&) {
            return Make(CrmErrc::kFatal, false, "unexpected value in a result");
        } catch (const pqxx::usage_error&) {
            return Make(CrmErrc::kFatal, false, "libpqxx usage error");
        } catch (const pqxx::failure&) {
            return Make(CrmErrc::kFatal, false, "database client failure");
        } catch (const std::bad_alloc&) {
            return Make(CrmErrc::kFatal, false, "out of memory");
        } catch (const std::exception&) {
            return Make(CrmErrc::kFatal, false, "unexpected exception");
        } catch (...) {
            return Make(CrmErrc::kFatal, false, "unknown exception");
        }
    } catch (...) {
        // Copying the SQLSTATE string threw: still classify, conservatively.
        return Make(CrmErrc::kFatal, false, "unclassifiable failure");
    }
}

void LogDbFailure(std::string_view operation, const DbFailure& failure) {
    const log::Level level = failure.errc == CrmErrc::kRetry ? log::Level::kWarning : log::Level::kError;
    if (failure.sqlstate.empty()) {
        log::Format(level, "crm", operation, " failed: ", failure.description,
                    failure.errc == CrmErrc::kRetry ? " (retryable)" : "");
    } else {
        log::Format(level, "crm", operation, " failed: ", failure.description, " (sqlstate ", failure.sqlstate, ")",
                    failure.errc == CrmErrc::kRetry ? " (retryable)" : "");
    }
}

}  // namespace carelisten::crm
