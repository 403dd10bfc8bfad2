/// @file
/// @brief The surveys tests' shared definitions: the example cardiology survey and small question builders.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <surveys/definition.hpp>
#include <variant>

namespace carelisten::surveys::testing {

/// surveys/examples/cardiology.toml, read from the source tree (CTest sets CARELISTEN_SOURCE_DIR).
inline std::string ExampleToml() {
    const char* root = std::getenv("CARELISTEN_SOURCE_DIR");
    std::ifstream file(std::string(root != nullptr ? root : CARELISTEN_TEST_SOURCE_DIR) +
                       "/surveys/examples/cardiology.toml");
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

inline SurveyDefinition Cardiology() {
    auto parsed = ParseDefinitionToml(ExampleToml());
    if (!std::holds_alternative<SurveyDefinition>(parsed)) {
        ADD_FAILURE() << "the example definition does not parse: "
                      << std::get<std::vector<DefinitionError>>(parsed).front().message;
        return {};
    }
    return std::get<SurveyDefinition>(parsed);
}

inline Question MakeQuestion(std::string id, QuestionType type, std::string rule = "") {
    Question question;
    question.id = std::move(id);
    question.type = type;
    question.text = {{"en", "Question?"}};
    if (type == QuestionType::kSingleChoice) {
        question.choices = {Choice{.key = "better", .labels = {{"en", "Better"}, {"hi", "बेहतर"}}},
                            Choice{.key = "same", .labels = {{"en", "The same"}, {"hi", "वैसा ही"}}},
                            Choice{.key = "much_worse", .labels = {{"en", "Much worse"}, {"hi", "बहुत खराब"}}}};
    }
    if (!rule.empty()) {
        question.red_flag = ParseRedFlagRule(rule);
    }
    return question;
}

}  // namespace carelisten::surveys::testing
