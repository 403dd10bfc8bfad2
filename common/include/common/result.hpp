/// @file
/// @brief The result type used at every module boundary: a value or a std::error_code whose category
/// says what the caller must do (see each module's errc.hpp).
#pragma once

#include <boost/outcome/result.hpp>
#include <boost/outcome/try.hpp>
#include <system_error>

namespace carelisten {

namespace outcome = boost::outcome_v2;

template <typename T>
using Result = outcome::result<T, std::error_code>;

}  // namespace carelisten
