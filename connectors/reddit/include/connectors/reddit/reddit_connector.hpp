/// @file
/// @brief reddit: posts matching the watch terms in configured subreddits (subreddit search) and every new
/// comment in the hospital's own subreddits, with OAuth client credentials. See connectors/reddit/README.md.
#pragma once

#include <chrono>
#include <common/secret.hpp>
#include <connectors/connector.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace carelisten::connectors::reddit {

/// The factory listed in connectors/registry.
const ConnectorFactory& Factory();

/// Where one listing stream (a subreddit's search, or its new comments) stands: `before`, the newest
/// fullname read (empty: read the newest page and rely on `seen`), and the bounded set of fullnames
/// already read, oldest first (PRAW's BoundedSet), which guards against a deleted `before` anchor and
/// overlapping pages.
struct StreamState {
    std::string before;
    std::deque<std::string> seen;

    bool Seen(std::string_view fullname) const;
    /// Adds a fullname (no-op when present), dropping the oldest beyond `bound`.
    void Remember(const std::string& fullname, std::size_t bound);

    friend bool operator==(const StreamState&, const StreamState&) = default;
};

/// The cursor: one StreamState per stream key ("search:<subreddit>" or "comments:<subreddit>").
using StreamStates = std::map<std::string, StreamState, std::less<>>;

std::string EncodeCursor(const StreamStates& streams);
std::optional<StreamStates> DecodeCursor(std::string_view cursor);

/// One configured Reddit source. Lifecycle and threading: see Connector (FetchAsync on the fetch loop, one
/// fetch at a time; the connector outlives its fetches; the cached access token lives on the loop thread).
/// The constructor does not touch the HTTP client.
class RedditConnector final : public Connector {
public:
    RedditConnector(std::string name, const Settings& settings, const ConnectorContext& context);

    std::string_view Name() const override { return name_; }
    bool IsAsync() const override { return true; }
    void FetchAsync(const std::optional<std::string>& cursor, std::size_t max_items, FetchCallback done) override;
    Result<void> Acknowledge(const Batch& batch) override;
    std::variant<RawItem, BadRecord> ParseRecord(std::string_view raw, std::string_view locator) const override;

    /// The search query (watch terms joined with OR).
    const std::string& Query() const { return query_; }

private:
    struct Stream {
        std::string key;   // "search:<sub>" / "comments:<sub>"
        std::string path;  // "/r/<sub>/search?q=...&restrict_sr=1&sort=new" / "/r/<sub>/comments"
    };
    struct Fetch;

    void WithToken(std::shared_ptr<Fetch> fetch, std::function<void()> next);
    void StartStream(std::shared_ptr<Fetch> fetch);
    void RequestPage(std::shared_ptr<Fetch> fetch);
    void Fail(const std::shared_ptr<Fetch>& fetch, std::error_code code, std::string detail,
              std::optional<std::chrono::system_clock::time_point> retry_at = std::nullopt);
    std::string SecretSetting() const;

    std::string name_;
    ConnectorContext context_;
    std::string auth_base_url_;
    std::string oauth_base_url_;
    std::string client_id_;
    SecretSource client_secret_;
    std::string user_agent_;
    std::string query_;
    std::vector<Stream> streams_;
    int page_size_;
    std::size_t seen_bound_;
    std::size_t catchup_pages_;
    double requests_per_minute_;
    std::string rate_limit_key_;
    bool bucket_configured_ = false;

    Secret access_token_;  // cached until shortly before it expires
    std::chrono::system_clock::time_point token_expires_at_{};
};

}  // namespace carelisten::connectors::reddit
