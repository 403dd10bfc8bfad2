/// @file
/// @brief The analyzer: normalization, language, noise, sentiment, categories, urgency, in one call.
#pragma once

#include <common/result.hpp>
#include <memory>
#include <nlp/analysis.hpp>
#include <string_view>

namespace carelisten::nlp {

struct Models;  // immutable lexicons and patterns, see models.hpp

/// Built once at start from the models compiled into the binary; immutable afterwards.
/// Thread-safety: Analyze() is const and may be called from any number of threads at once.
/// Determinism: the same input gives the same Analysis, and Version() names the code and model data
/// that produced it (stored with every analysis so history can be re-analyzed).
class Analyzer {
public:
    /// Loads the embedded models. Fails only if the embedded data is corrupt (a build defect).
    static Result<Analyzer> Create();

    Analysis Analyze(const AnalysisInput& input) const;
    std::string_view Version() const;

private:
    explicit Analyzer(std::shared_ptr<const Models> models) : models_(std::move(models)) {}

    std::shared_ptr<const Models> models_;
};

}  // namespace carelisten::nlp
