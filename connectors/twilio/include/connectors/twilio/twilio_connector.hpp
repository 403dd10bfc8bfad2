/// @file
/// @brief The `twilio_sms` connector: inbound SMS to the hospital's Twilio number, pushed by Twilio's
/// webhook (verified X-Twilio-Signature) and polled from the Messages list as a backstop; both use the
/// message sid as external id, so the two paths dedupe in the store.
#pragma once

#include <common/secret.hpp>
#include <connectors/connector.hpp>
#include <connectors/twilio/twilio_wire.hpp>
#include <memory>
#include <optional>
#include <string>

namespace carelisten::connectors::twilio {

/// The factory listed in connectors/registry.
const ConnectorFactory& Factory();

/// The polling position: the UTC day from which the Messages list is read (`DateSent>=`). Encoded as
/// {"since":"YYYY-MM-DD"}.
std::string EncodeCursor(std::chrono::sys_days since);
std::optional<std::chrono::sys_days> DecodeCursor(std::string_view cursor);

/// A delivery-status callback (StatusCallback of an outbound message), already verified.
struct StatusCallback {
    std::string marker;  ///< our outbox marker from the callback URL's `outbox` query parameter
    std::string sid;
    std::string status;  ///< queued, sent, delivered, undelivered, failed, ...
    std::string error_code;
};

/// The status callback a verified push carries, when the push is one (query `callback=status`).
std::optional<StatusCallback> ParseStatusCallback(std::string_view query, const FormParams& params);

/// Lifecycle: created by the factory; FetchAsync on the fetch loop, one at a time; HandleWebhook on the
/// listener thread at any time (reads only immutable members and the token file). Destroy on the loop thread.
class TwilioConnector final : public Connector {
public:
    /// Throws std::invalid_argument naming the key when the settings are unusable.
    TwilioConnector(std::string name, const Settings& settings, const ConnectorContext& context);

    std::string_view Name() const override { return name_; }
    bool IsAsync() const override { return true; }
    void FetchAsync(const std::optional<std::string>& cursor, std::size_t max_items, FetchCallback done) override;
    Result<void> Acknowledge(const Batch& batch) override;
    std::variant<RawItem, BadRecord> ParseRecord(std::string_view raw, std::string_view locator) const override;
    std::optional<WebhookResult> HandleWebhook(const WebhookRequest& request) const override;

private:
    struct FetchState;
    void FetchPage(std::shared_ptr<FetchState> state, std::string url);
    void Finish(std::shared_ptr<FetchState> state, std::optional<FetchError> error);

    std::string name_;
    ConnectorContext context_;
    std::string base_url_;
    std::string account_sid_;
    std::string phone_number_;  ///< E.164
    SecretSource auth_token_;
    ItemOptions options_;
    std::size_t page_size_;
    std::size_t max_pages_;
    int lookback_days_;
    double requests_per_minute_;
    std::string rate_limit_key_;
    bool bucket_configured_ = false;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace carelisten::connectors::twilio
