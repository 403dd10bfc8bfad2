/// @file
/// @brief The analyzer: normalization, language, noise, sentiment, categories, urgency, in one call.
#pragma once

#include <common/result.hpp>
#include <memory>
#include <nlp/analysis.hpp>
#include <nlp/watch_terms.hpp>
#include <string>
#include <string_view>

namespace carelisten::nlp {

struct Models;  // immutable lexicons and patterns, see models.hpp

/// What the daemon's configuration adds to the compiled-in models.
struct AnalyzerOptions {
    WatchTermsConfig watch_terms;  ///< off-topic mentions (see WatchTerms); empty: none
};

/// Built once at start from the models compiled into the binary; immutable afterwards.
/// Thread-safety: Analyze() is const and may be called from any number of threads at once.
/// Determinism: the same input gives the same Analysis, and Version() names the code and model data
/// that produced it (stored with every analysis so history can be re-analyzed).
class Analyzer {
public:
    /// Loads the embedded models. Fails only if the embedded data is corrupt (a build defect). With watch
    /// terms, Version() gains "+watch.<8 hex digits>" naming them, since they change results.
    static Result<Analyzer> Create(const AnalyzerOptions& options = {});

    Analysis Analyze(const AnalysisInput& input) const;
    std::string_view Version() const;

private:
    struct Configured {
        WatchTerms watch_terms;
        std::string version;
    };
    Analyzer(std::shared_ptr<const Models> models, std::shared_ptr<const Configured> configured)
        : models_(std::move(models)), configured_(std::move(configured)) {}

    std::shared_ptr<const Models> models_;
    std::shared_ptr<const Configured> configured_;
};

}  // namespace carelisten::nlp
