/// @file
/// @brief discourse: the hospital's own patient communities, polled with `GET /posts.json?before=<id>`
/// from the newest post down to the checkpoint. See connectors/discourse/README.md for the cursor.
#pragma once

#include <common/secret.hpp>
#include <connectors/connector.hpp>
#include <connectors/discourse/discourse_wire.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace carelisten::connectors::discourse {

/// The factory listed in connectors/registry.
const ConnectorFactory& Factory();

/// Where reading stands. Post ids only grow. Every post with id <= `last` is consumed, except those
/// inside `gap` (an open interval lo < id < hi) that a fetch could not reach within its page or item budget;
/// the next fetch fills the gap (walking down from hi) before looking at newer posts.
struct Position {
    std::int64_t last = 0;
    std::optional<std::pair<std::int64_t, std::int64_t>> gap;

    friend bool operator==(const Position&, const Position&) = default;
};

/// {"last":845} or {"last":845,"gap":[700,790]}
std::string EncodeCursor(const Position& position);
std::optional<Position> DecodeCursor(std::string_view cursor);

/// Where the webhook secret of a `[sources.<name>]` table of type "discourse" lives (webhook_secret_file or
/// webhook_secret_credential), for the daemon's listener to read with SecretSource::Read().
SecretSource WebhookSecretSource(const Settings& settings);

/// One forum. Lifecycle and threading: see Connector (FetchAsync and its completions run on the fetch
/// loop; one fetch at a time). Settings are validated in the constructor (std::invalid_argument names the
/// key); the constructor never touches `context.http`. Destroying the connector while a fetch is in
/// flight drops that fetch's `done` (the runtime's later completion is ignored).
class DiscourseConnector final : public Connector {
public:
    DiscourseConnector(std::string name, const Settings& settings, const ConnectorContext& context);

    std::string_view Name() const override { return name_; }
    bool IsAsync() const override { return true; }
    void FetchAsync(const std::optional<std::string>& cursor, std::size_t max_items, FetchCallback done) override;
    /// Nothing to acknowledge upstream: reading posts changes nothing there.
    Result<void> Acknowledge(const Batch& batch) override;
    std::variant<RawItem, BadRecord> ParseRecord(std::string_view raw, std::string_view locator) const override;

    const ItemOptions& Options() const { return options_; }

private:
    struct FetchState;

    void FetchPage(std::shared_ptr<FetchState> state);
    void OnPage(std::shared_ptr<FetchState> state, PostPage page);
    void Finish(std::shared_ptr<FetchState> state, std::optional<FetchError> error);

    std::string name_;
    ConnectorContext context_;
    ItemOptions options_;
    std::string host_;
    std::string api_username_;
    SecretSource api_key_;
    std::size_t max_pages_;
    std::string rate_limit_key_;
    double bucket_rate_;
    bool bucket_configured_ = false;
    /// Completions of requests still in flight check it: none of them touches a destroyed connector.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace carelisten::connectors::discourse
