#include <connectors/twilio/phone.hpp>
#include <daemon/sms_command.hpp>

namespace carelisten::daemon {

Result<SmsSendResult> QueueSms(crm::Store& store, const Config& config, const SmsSendRequest& request) {
    const SourceConfig* source = nullptr;
    std::size_t candidates = 0;
    for (const auto& configured : config.sources) {
        if (configured.type != "twilio_sms") {
            continue;
        }
        ++candidates;
        if (request.source.empty() || configured.name == request.source) {
            source = &configured;
        }
    }
    if (source == nullptr) {
        return SmsSendResult{std::nullopt, request.source.empty() ? "no twilio_sms source is configured"
                                                                  : "no twilio_sms source named " + request.source};
    }
    if (request.source.empty() && candidates > 1) {
        return SmsSendResult{std::nullopt, "several twilio_sms sources are configured: choose one with --source"};
    }
    if (request.body.empty() || request.body.size() > 1600) {
        return SmsSendResult{std::nullopt, "the body must be 1 to 1600 bytes (Twilio's limit)"};
    }
    const auto to = connectors::twilio::ToE164(request.to, source->specific.GetString("default_region"));
    if (!to) {
        return SmsSendResult{std::nullopt, "the recipient is not a valid phone number"};
    }
    BOOST_OUTCOME_TRY(allowed, store.MaySend(*to, "sms", request.purpose));
    if (!allowed) {
        return SmsSendResult{std::nullopt, "the recipient opted out of SMS (" + request.purpose + "): not queued"};
    }
    BOOST_OUTCOME_TRY(row, store.EnqueueOutbound({.source = source->name,
                                                  .channel = "sms",
                                                  .recipient = *to,
                                                  .purpose = request.purpose,
                                                  .body = request.body,
                                                  .dedupe_key = request.dedupe_key}));
    return SmsSendResult{std::move(row), {}};
}

}  // namespace carelisten::daemon
