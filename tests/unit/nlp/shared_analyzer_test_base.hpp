/// @file
/// @brief A test base that builds the analyzer once per suite (building it loads every compiled-in model).
#pragma once

#include <gtest/gtest.h>

#include <nlp/analyzer.hpp>

namespace carelisten::nlp {

class SharedAnalyzerTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto created = Analyzer::Create();
        ASSERT_TRUE(created) << created.error().message();
        analyzer_ = new Analyzer(std::move(created).value());
    }
    static void TearDownTestSuite() {
        delete analyzer_;
        analyzer_ = nullptr;
    }

    static inline Analyzer* analyzer_ = nullptr;
};

}  // namespace carelisten::nlp
