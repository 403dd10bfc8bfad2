/// @file
/// @brief nlp error codes; each says what the caller must do.
#pragma once

#include <system_error>

namespace carelisten::nlp {

enum class NlpErrc {
    kCorruptModel = 1,  ///< the model data compiled into the binary does not parse: a build defect, refuse to start
};

const std::error_category& NlpCategory();
std::error_code make_error_code(NlpErrc errc);  // NOLINT(readability-identifier-naming): ADL hook

}  // namespace carelisten::nlp

template <>
struct std::is_error_code_enum<carelisten::nlp::NlpErrc> : std::true_type {};
