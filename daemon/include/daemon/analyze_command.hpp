/// @file
/// @brief `carelisten analyze`: JSON Lines in, one analysis per line out. This contract is how the
/// analyzer is evaluated; keep it stable.
///
/// Input line: {"id", "text"} with optional "channel" (sms, email, social, review, forum, survey),
/// "question", "lang", or "mime" (a whole RFC 5322 message instead of "text").
/// Output line: {"id", "language", "sentiment": {"label", "score"}, "noise": {"is_noise", "reasons"},
/// "categories", "urgency", "red_flags", "analyzer_version"}; a malformed line gets {"line": N, "error"}.
#pragma once

#include <iosfwd>
#include <nlp/analyzer.hpp>
#include <string>
#include <string_view>

namespace carelisten::daemon {

struct AnalyzeStats {
    std::size_t analyzed = 0;
    std::size_t malformed = 0;
};

/// Processes every line of `in`; never stops on a bad line.
AnalyzeStats RunAnalyze(std::istream& in, std::ostream& out, const nlp::Analyzer& analyzer);

}  // namespace carelisten::daemon
