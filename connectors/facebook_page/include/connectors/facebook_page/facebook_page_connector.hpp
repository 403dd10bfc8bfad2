/// @file
/// @brief facebook_page: posts and comments on the hospital's Facebook Page (Graph API feed with comments
/// expanded), checkpointed by created_time. Page ratings are gone from current Graph versions: not read.
/// See the folder's README.md.
#pragma once

#include <common/secret.hpp>
#include <connectors/connector.hpp>
#include <optional>
#include <string>
#include <vector>

namespace carelisten::connectors::facebook_page {

/// The factory listed in connectors/registry.
const ConnectorFactory& Factory();

/// The cursor: the newest created_time stored (post or comment) and the ids stored at exactly that time.
/// JSON `{"t":"2026-11-03T11:45:10.000000Z","ids":["9001_5003"]}`. Graph paging cursors are never stored:
/// they are invalidated when items are deleted.
struct Checkpoint {
    std::string created_time;
    std::vector<std::string> ids;
};
std::string EncodeCursor(const Checkpoint& checkpoint);
std::optional<Checkpoint> DecodeCursor(std::string_view text);

/// Lifecycle: created by the factory (never touches the network or context.http then); FetchAsync on the
/// fetch loop, one at a time. Thread-safety: see Connector.
class FacebookPageConnector final : public Connector {
public:
    FacebookPageConnector(std::string name, const Settings& settings, const ConnectorContext& context);
    ~FacebookPageConnector() override;

    std::string_view Name() const override { return name_; }
    bool IsAsync() const override { return true; }
    void FetchAsync(const std::optional<std::string>& cursor, std::size_t max_items, FetchCallback done) override;
    /// Nothing to acknowledge upstream: the cursor is the only state.
    Result<void> Acknowledge(const Batch& batch) override;
    /// Locators are "feed/<post id>" or "comments/<post id>/<comment id>": the post id is taken from there.
    std::variant<RawItem, BadRecord> ParseRecord(std::string_view raw, std::string_view locator) const override;

private:
    struct Operation;
    friend struct Operation;

    std::string name_;
    ConnectorContext context_;
    std::string base_url_;
    std::string api_version_;
    std::string page_id_;
    SecretSource page_token_;
    std::int64_t page_size_;
    std::int64_t comments_per_post_;
    std::int64_t lookback_hours_;
    std::int64_t max_pages_;
    bool include_own_posts_;
    double requests_per_minute_;
    std::string rate_limit_key_;
    bool bucket_configured_ = false;
};

}  // namespace carelisten::connectors::facebook_page
