/// @file
/// @brief Follow-up summaries as text: `carelisten summary` and the physicians' weekly digest e-mail print the
/// same figures (invitations, response rate, each question's distribution and mean with its 95% interval, the
/// trend against the previous period, the unit compared with others, comments and red flags).
#pragma once

#include <common/result.hpp>
#include <crm/store.hpp>
#include <crm/survey_repository.hpp>
#include <string>

namespace carelisten::daemon {

/// Plain text for a terminal or an e-mail. `include_comments`: free-text comments (never in e-mail digests,
/// which leave the hospital's systems; the console and the terminal show them).
std::string FormatSummary(const crm::SummaryData& summary, const std::string& title, bool include_comments);

/// Queues one digest e-mail per physician who has an e-mail address, with only their patients (read under
/// row-level security), for the 7 days before `now`; once per physician and `day` (the outbox dedupe key).
/// Returns how many were queued; 0 without an e-mail source.
Result<std::size_t> QueueWeeklyDigests(crm::Store& store, const std::string& email_source, crm::Timestamp now,
                                       const std::string& day);

}  // namespace carelisten::daemon
