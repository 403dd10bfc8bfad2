/// @file
/// @brief The semantic checks shared by the TOML parser (which maps paths to line:column) and FromJson.
#pragma once

#include <functional>
#include <string>
#include <surveys/definition.hpp>

namespace carelisten::surveys::detail {

/// Called with a path such as "survey.unit" or "question[2].choice[1].key" and what is wrong there.
using Reporter = std::function<void(const std::string& path, const std::string& message)>;

void CheckDefinition(const SurveyDefinition& definition, const Reporter& report);

bool CompareMatches(const RedFlagRule& rule, int value);

}  // namespace carelisten::surveys::detail
