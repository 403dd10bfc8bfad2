/// @file
/// @brief x_recent_search: posts mentioning the hospital on X, from API v2 recent search with an App-only
/// Bearer token. See connectors/x/README.md for the cursor, limits and quirks.
#pragma once

#include <common/secret.hpp>
#include <connectors/connector.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace carelisten::connectors::x {

/// The factory listed in connectors/registry.
const ConnectorFactory& Factory();

/// Where polling stands. `since_id`: every post up to it is committed (empty: nothing yet, start with the
/// last 7 days). `next_token`/`newest_id`: a fetch stopped on its item budget mid-pagination; the next one
/// continues that pagination (same since_id) and only when it is exhausted moves since_id to `newest_id`,
/// the first page's meta.newest_id.
struct Checkpoint {
    std::string since_id;
    std::string next_token;
    std::string newest_id;

    friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

std::string EncodeCursor(const Checkpoint& checkpoint);
std::optional<Checkpoint> DecodeCursor(std::string_view cursor);

/// One configured X source. Lifecycle and threading: see Connector (FetchAsync on the fetch loop, one
/// fetch at a time; the connector outlives its fetches). The constructor does not touch the HTTP client.
class XConnector final : public Connector {
public:
    XConnector(std::string name, const Settings& settings, const ConnectorContext& context);

    std::string_view Name() const override { return name_; }
    bool IsAsync() const override { return true; }
    void FetchAsync(const std::optional<std::string>& cursor, std::size_t max_items, FetchCallback done) override;
    Result<void> Acknowledge(const Batch& batch) override;
    std::variant<RawItem, BadRecord> ParseRecord(std::string_view raw, std::string_view locator) const override;

    /// The query sent to X (watch terms joined with OR, then the suffix).
    const std::string& Query() const { return query_; }

private:
    struct Fetch;
    void RequestPage(std::shared_ptr<Fetch> fetch);
    std::string SecretSetting() const;

    std::string name_;
    ConnectorContext context_;
    std::string base_url_;
    std::string host_;
    std::string query_;
    std::size_t max_query_length_;
    int page_size_;
    double requests_per_minute_;
    SecretSource bearer_;
    std::string rate_limit_key_;
    bool bucket_configured_ = false;
};

}  // namespace carelisten::connectors::x
