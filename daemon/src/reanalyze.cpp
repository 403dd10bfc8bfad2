#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <daemon/reanalyze.hpp>
#include <nlp/noise.hpp>
#include <nlp/watch_terms.hpp>
#include <string>

namespace carelisten::daemon {
namespace {

/// Noise reasons the analyzer cannot re-derive from what is stored.
bool IsKeptReason(std::string_view reason) {
    return reason == nlp::kNoiseAutoReply || reason == nlp::kNoiseBounce || reason == nlp::kNoiseBulk ||
           reason == nlp::kNoiseNearDuplicate ||
           // SMS consent keywords (ApplySmsKeyword): an event recorded in the consent registry stays noise.
           reason == "opt_out" || reason == "opt_in" || reason == "sms_help";
}

}  // namespace

nlp::AnalyzerOptions MakeAnalyzerOptions(const Config& config) {
    nlp::AnalyzerOptions options;
    options.watch_terms.terms = config.analysis.GetStringList("watch_terms");
    options.watch_terms.context_terms = config.analysis.GetStringList("watch_context_terms");
    options.watch_terms.exclude_terms = config.analysis.GetStringList("watch_exclude_terms");
    return options;
}

std::optional<crm::Timestamp> ParseSinceDate(std::string_view text) {
    int year = 0;
    int month = 0;
    int day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    const std::string copy(text);
    int consumed = 0;
    if (text.size() == 10) {
        if (std::sscanf(copy.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &consumed) != 3 || consumed != 10) {
            return std::nullopt;
        }
    } else if (text.size() == 20 && text.back() == 'Z') {
        if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &year, &month, &day, &hour, &minute, &second,
                        &consumed) != 6 ||
            consumed != 20) {
            return std::nullopt;
        }
    } else {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                           std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok() || hour > 23 || minute > 59 || second > 59 || hour < 0 || minute < 0 || second < 0) {
        return std::nullopt;
    }
    return std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
           std::chrono::seconds{second};
}

Result<ReanalyzeReport> Reanalyze(crm::Store& store, const nlp::Analyzer& analyzer, const FlagPolicy& policy,
                                  const ReanalyzeOptions& options) {
    ReanalyzeReport report;
    const std::size_t batch_size = std::max<std::size_t>(options.batch_size, 1);
    std::int64_t after_id = 0;
    for (;;) {
        auto page = store.ListForReanalysis(options.since, after_id, batch_size);
        if (!page) {
            return page.error();
        }
        const std::vector<crm::StoredText>& items = page.value();
        if (items.empty()) {
            break;
        }
        std::vector<crm::AnalysisUpdate> updates;
        updates.reserve(items.size());
        for (const crm::StoredText& item : items) {
            nlp::AnalysisInput input;
            input.text = item.text;
            input.channel = nlp::ParseChannel(item.channel).value_or(nlp::Channel::kUnknown);
            input.question = item.question;
            input.rating = item.rating;  // as at ingest: the stars are evidence for sentiment
            nlp::Analysis analysis = analyzer.Analyze(input);
            report.version_changed += (analysis.analyzer_version != item.analyzer_version) ? 1 : 0;

            const bool was_noise = !item.noise_reasons.empty();
            for (const std::string& reason : item.noise_reasons) {
                if (IsKeptReason(reason) && std::find(analysis.noise.reasons.begin(), analysis.noise.reasons.end(),
                                                      reason) == analysis.noise.reasons.end()) {
                    analysis.noise.reasons.push_back(reason);
                    analysis.noise.is_noise = true;
                }
            }
            report.noise_changed += (was_noise != analysis.noise.is_noise) ? 1 : 0;

            const bool flagged = IsFlagged(analysis, policy);
            if (flagged && !item.case_id && !item.duplicate_of) {
                ++report.would_flag_without_case;
            }
            if (!flagged && item.case_id) {
                ++report.in_case_no_longer_flagged;
            }

            crm::NewItem mapped = ToNewItem(connectors::RawItem{}, analysis, policy);
            crm::AnalysisUpdate update;
            update.id = item.id;
            update.language = std::move(mapped.language);
            update.sentiment_label = std::move(mapped.sentiment_label);
            update.sentiment_score = mapped.sentiment_score;
            update.sentiment_scored = mapped.sentiment_scored;
            update.is_noise = mapped.is_noise;
            update.noise_reasons = std::move(mapped.noise_reasons);
            update.categories = std::move(mapped.categories);
            update.urgency = std::move(mapped.urgency);
            update.red_flags = std::move(mapped.red_flags);
            update.analyzer_version = std::move(mapped.analyzer_version);
            update.similarity_hash = mapped.similarity_hash;
            updates.push_back(std::move(update));
        }
        auto written = store.UpdateAnalyses(updates);
        if (!written) {
            return written.error();
        }
        report.examined += items.size();
        report.updated += written.value();
        ++report.batches;
        after_id = items.back().id;
    }
    return report;
}

}  // namespace carelisten::daemon
