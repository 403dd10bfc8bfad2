/// @file
/// @brief google_reviews: the reviews of the hospital's Google Business Profile locations (My Business API
/// v4), polled by `updateTime` so edited reviews come back as new versions. See the folder's README.md.
#pragma once

#include <chrono>
#include <common/secret.hpp>
#include <connectors/connector.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace carelisten::connectors::google_reviews {

/// The factory listed in connectors/registry.
const ConnectorFactory& Factory();

/// Where one location stands: the newest `updateTime` stored, and the reviews stored at exactly that time
/// (two reviews can share an updateTime; the ids break the tie).
struct Checkpoint {
    std::string update_time;  ///< as Google wrote it (RFC 3339)
    std::vector<std::string> review_ids;
};
/// The cursor: a checkpoint per location name. JSON `{"locations":{"accounts/1/locations/2":{"t":..,"ids":[..]}}}`.
using Cursor = std::map<std::string, Checkpoint, std::less<>>;
std::string EncodeCursor(const Cursor& cursor);
std::optional<Cursor> DecodeCursor(std::string_view text);

/// Lifecycle: created by the factory (never touches the network or context.http then); FetchAsync on the
/// fetch loop, one at a time; the cached access token lives as long as the connector. Thread-safety: see
/// Connector (one fetch at a time, on the fetch loop).
class GoogleReviewsConnector final : public Connector {
public:
    GoogleReviewsConnector(std::string name, const Settings& settings, const ConnectorContext& context);
    ~GoogleReviewsConnector() override;

    std::string_view Name() const override { return name_; }
    bool IsAsync() const override { return true; }
    void FetchAsync(const std::optional<std::string>& cursor, std::size_t max_items, FetchCallback done) override;
    /// Nothing to acknowledge upstream: the cursor is the only state.
    Result<void> Acknowledge(const Batch& batch) override;
    std::variant<RawItem, BadRecord> ParseRecord(std::string_view raw, std::string_view locator) const override;

private:
    struct Operation;
    friend struct Operation;

    std::string name_;
    ConnectorContext context_;
    std::string base_url_;
    std::string oauth_url_;
    std::vector<std::string> locations_;
    std::string client_id_;
    SecretSource client_secret_;
    SecretSource refresh_token_;
    std::int64_t page_size_;
    std::int64_t max_pages_;
    double requests_per_minute_;
    std::string rate_limit_key_;
    bool bucket_configured_ = false;
    // The access token is cached until shortly before it expires (never logged, never persisted).
    Secret access_token_;
    std::chrono::system_clock::time_point access_token_expires_{};
};

}  // namespace carelisten::connectors::google_reviews
