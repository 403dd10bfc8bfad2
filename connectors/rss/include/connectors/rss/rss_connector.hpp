/// @file
/// @brief rss: RSS 2.0 / Atom 1.0 feeds (news, alerts) from a list of URLs, polled with conditional GET;
/// identity is the guid / Atom id, else the link. See the folder's README.md.
#pragma once

#include <connectors/connector.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace carelisten::connectors::rss {

/// The factory listed in connectors/registry.
const ConnectorFactory& Factory();

/// What the cursor remembers of one feed: the validators for a conditional GET, the newest item date
/// seen, and a bounded list of the keys already stored (oldest first). Feeds have no paging.
struct FeedState {
    std::string etag;
    std::string last_modified;
    std::string newest;  ///< RFC 3339, empty when no item had a date
    std::vector<std::string> seen;
};
/// JSON `{"feeds":{"<url>":{"etag":"..","last_modified":"..","newest":"..","seen":[".."]}}}`.
using Cursor = std::map<std::string, FeedState, std::less<>>;
std::string EncodeCursor(const Cursor& cursor);
std::optional<Cursor> DecodeCursor(std::string_view text);

/// Lifecycle: created by the factory (never touches the network or context.http then); FetchAsync on the
/// fetch loop, one at a time. Thread-safety: see Connector.
class RssConnector final : public Connector {
public:
    RssConnector(std::string name, const Settings& settings, const ConnectorContext& context);
    ~RssConnector() override;

    std::string_view Name() const override { return name_; }
    bool IsAsync() const override { return true; }
    void FetchAsync(const std::optional<std::string>& cursor, std::size_t max_items, FetchCallback done) override;
    /// Nothing to acknowledge upstream: the cursor is the only state.
    Result<void> Acknowledge(const Batch& batch) override;
    /// Locators are "<feed url>#fnv<hash>": the feed URL scopes bare guids again.
    std::variant<RawItem, BadRecord> ParseRecord(std::string_view raw, std::string_view locator) const override;

private:
    struct Operation;
    friend struct Operation;

    std::string name_;
    ConnectorContext context_;
    std::vector<std::string> feeds_;
    std::string channel_;
    std::size_t max_seen_ids_;
    double requests_per_minute_;
    std::string rate_limit_key_;
    bool bucket_configured_ = false;
};

}  // namespace carelisten::connectors::rss
