/// @file
/// @brief The one place where connector items, nlp analyses and crm records meet.
#pragma once

#include <connectors/raw_item.hpp>
#include <crm/records.hpp>
#include <map>
#include <nlp/analysis.hpp>
#include <string>

namespace carelisten::daemon {

/// When an item opens or extends a case (the [analysis] settings).
struct FlagPolicy {
    double negative_below = -0.5;
    nlp::Urgency min_urgency = nlp::Urgency::kHigh;
    /// Condition community -> care unit ([routing] community_units): where a forum post is routed.
    std::map<std::string, std::string, std::less<>> community_units;
};

nlp::AnalysisInput ToAnalysisInput(const connectors::RawItem& item);
bool IsFlagged(const nlp::Analysis& analysis, const FlagPolicy& policy);
crm::NewItem ToNewItem(connectors::RawItem item, const nlp::Analysis& analysis, const FlagPolicy& policy);
/// ToNewItem in two steps, for a batch stored while it is analyzed (crm::IngestBatch::await_item): the keys
/// (source, external_id, version) first, then every other field. CompleteNewItem never writes the keys, so a
/// thread may complete an item while another reads its keys.
crm::NewItem NewItemKeys(const connectors::RawItem& item);
void CompleteNewItem(connectors::RawItem&& item, const nlp::Analysis& analysis, const FlagPolicy& policy,
                     crm::NewItem& out);
/// An SMS that is only a consent keyword (STOP, START, HELP and Twilio's synonyms) is an event, not feedback:
/// stored as noise "opt_out" / "opt_in" / "sms_help" with no sentiment and no case; the crm records the
/// consent change in the same transaction. ToNewItem applies it; other channels are untouched.
void ApplySmsKeyword(crm::NewItem& item);
crm::NewQuarantine ToNewQuarantine(const std::string& source, connectors::BadRecord record);

}  // namespace carelisten::daemon
