/// @file
/// @brief crm error codes; each says what the caller must do.
#pragma once

#include <system_error>

namespace carelisten::crm {

enum class CrmErrc {
    kRetry = 1,          ///< connection lost, serialization failure, deadlock: retry the whole batch later
    kNotFound,           ///< the requested row does not exist
    kMigrationEdited,    ///< an applied migration was edited: refuse to start; restore the file
    kSchemaTooNew,       ///< the database was migrated by a newer binary: refuse to start
    kConnectionRefused,  ///< cannot connect at all (bad conninfo, auth): fix configuration
    kFatal,              ///< anything else: a bug or a constraint the code did not expect
    kConflict,           ///< the key exists with other content (e.g. a survey definition version): use a new key
    kInvalidInput,       ///< the request itself is wrong (merging a case into itself, a closed case): fix the request
    kLeaseLost,          ///< another replica holds the source's lease now: stop working the source (nothing written)
};

const std::error_category& CrmCategory();
std::error_code make_error_code(CrmErrc errc);  // NOLINT(readability-identifier-naming): ADL hook

}  // namespace carelisten::crm

template <>
struct std::is_error_code_enum<carelisten::crm::CrmErrc> : std::true_type {};
