/// @file
/// @brief `carelisten reanalyze --since DATE`: re-runs the current analyzer over stored items and updates
/// their analysis, without touching any decision staff or the ingest already made. Also the analyzer options
/// the daemon builds from `[analysis]` (watch terms), shared by carelistend and the CLI.
#pragma once

#include <common/result.hpp>
#include <crm/records.hpp>
#include <crm/store.hpp>
#include <cstddef>
#include <daemon/config.hpp>
#include <daemon/mapping.hpp>
#include <nlp/analyzer.hpp>
#include <optional>
#include <string_view>

namespace carelisten::daemon {

/// The analyzer options `[analysis]` describes: watch_terms, watch_context_terms, watch_exclude_terms.
nlp::AnalyzerOptions MakeAnalyzerOptions(const Config& config);

/// "2026-11-02" (midnight UTC) or "2026-11-02T10:30:00Z" → a time point; nullopt for anything else.
std::optional<crm::Timestamp> ParseSinceDate(std::string_view text);

struct ReanalyzeOptions {
    crm::Timestamp since;
    std::size_t batch_size = 500;  ///< items read, analyzed and written per transaction
};

/// What a re-analysis did. Case decisions are reported, never made: re-analysis opens, closes, extends and
/// moves no case, and leaves duplicate_of alone.
struct ReanalyzeReport {
    std::size_t examined = 0;         ///< items received since the date
    std::size_t updated = 0;          ///< rows written (every examined item gets the current analyzer_version)
    std::size_t version_changed = 0;  ///< items whose stored analyzer_version differed from the current one
    std::size_t noise_changed = 0;    ///< items whose noise verdict flipped
    /// Items in no case (and not near-duplicates) that the flag policy would now flag: staff may want to
    /// look at them; no case is opened for them.
    std::size_t would_flag_without_case = 0;
    /// Items in a case that the policy would no longer flag: the case stays as staff left it.
    std::size_t in_case_no_longer_flagged = 0;
    std::size_t batches = 0;
};

/// Reads items received at or after options.since in id order, one batch at a time, analyzes each with
/// its stored channel, text and survey question, and writes the analysis columns (one transaction per
/// batch, so an interrupted run leaves whole batches done and can simply be run again). Noise reasons whose
/// evidence is not stored (auto_reply, bounce and bulk come from mail headers; near_duplicate from the
/// link) are kept from the stored row.
Result<ReanalyzeReport> Reanalyze(crm::Store& store, const nlp::Analyzer& analyzer, const FlagPolicy& policy,
                                  const ReanalyzeOptions& options);

}  // namespace carelisten::daemon
