/// @file
/// @brief `carelisten sms send|status`: operators queue an SMS in the outbox the daemon's sender sends
/// (acknowledgements and surveys use the same outbox), after the same consent check the sender repeats.
#pragma once

#include <crm/store.hpp>
#include <daemon/config.hpp>
#include <optional>
#include <string>

namespace carelisten::daemon {

struct SmsSendRequest {
    std::string source;  ///< the twilio_sms source to send from; empty: the only one configured
    std::string to;      ///< any format; normalized to E.164 with the source's default_region
    std::string body;
    std::string purpose = "operator";
    std::optional<std::string> dedupe_key;
};

/// What happened: `queued` with the outbox row, or `refusal` saying why nothing was queued (no such source,
/// invalid number, empty body, the recipient opted out).
struct SmsSendResult {
    std::optional<crm::OutboundRow> queued;
    std::string refusal;
};

Result<SmsSendResult> QueueSms(crm::Store& store, const Config& config, const SmsSendRequest& request);

}  // namespace carelisten::daemon
