/// @file
/// @brief mastodon: hashtag timelines and status searches on one Mastodon instance, polled forward with
/// `min_id` and the `Link: rel="prev"` header. See connectors/mastodon/README.md for the cursor.
#pragma once

#include <common/secret.hpp>
#include <connectors/connector.hpp>
#include <connectors/mastodon/mastodon_wire.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace carelisten::connectors::mastodon {

/// The factory listed in connectors/registry.
const ConnectorFactory& Factory();

/// The checkpoint of each stream ("tag:<hashtag>" or "q:<search terms>") -> the newest status id stored.
using Checkpoints = std::map<std::string, std::string, std::less<>>;

/// The cursor is a JSON object of checkpoints, e.g. {"tag:stelsewhere":"113502884110300007"}.
std::string EncodeCursor(const Checkpoints& checkpoints);
/// Nullopt when the text is not such an object.
std::optional<Checkpoints> DecodeCursor(std::string_view cursor);

/// One instance, its hashtags and search terms. Lifecycle and threading: see Connector (FetchAsync and
/// its completions run on the fetch loop; at most one fetch at a time). Settings are validated in the
/// constructor (std::invalid_argument names the key); the constructor never touches `context.http`. Destroying the
/// connector while a fetch is in flight drops that fetch's `done` (the runtime's later completion is ignored).
class MastodonConnector final : public Connector {
public:
    MastodonConnector(std::string name, const Settings& settings, const ConnectorContext& context);

    std::string_view Name() const override { return name_; }
    bool IsAsync() const override { return true; }
    void FetchAsync(const std::optional<std::string>& cursor, std::size_t max_items, FetchCallback done) override;
    /// Nothing to acknowledge upstream: reading a timeline changes nothing there.
    Result<void> Acknowledge(const Batch& batch) override;
    std::variant<RawItem, BadRecord> ParseRecord(std::string_view raw, std::string_view locator) const override;

private:
    struct Stream {
        std::string key;    ///< "tag:<hashtag>" or "q:<terms>": the cursor's key
        std::string label;  ///< for messages: "hashtag #stelsewhere", "search 'St Elsewhere Hospital'"
        bool search = false;
        std::string value;  ///< the hashtag (without '#') or the search terms
    };
    struct FetchState;

    std::string FirstUrl(const Stream& stream, const std::optional<std::string>& checkpoint, std::size_t limit) const;
    void FetchPage(std::shared_ptr<FetchState> state);
    void StartStream(std::shared_ptr<FetchState> state);
    void Finish(std::shared_ptr<FetchState> state, std::optional<FetchError> error);

    std::string name_;
    ConnectorContext context_;
    std::string base_url_;  ///< without a trailing '/'
    std::string host_;      ///< for acct qualification and messages
    std::vector<Stream> streams_;
    std::size_t page_size_;
    SecretSource token_;
    std::string rate_limit_key_;
    double bucket_rate_ = 50.0;  ///< requests per minute, configured on the runtime at the first fetch
    bool bucket_configured_ = false;
    /// Completions of requests still in flight check it: none of them touches a destroyed connector.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
    WireOptions wire_options_;
};

}  // namespace carelisten::connectors::mastodon
