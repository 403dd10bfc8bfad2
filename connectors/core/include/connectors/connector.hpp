/// @file
/// @brief The connector interface: one upstream, its wire format, its cursor.
#pragma once

#include <chrono>
#include <common/result.hpp>
#include <common/settings.hpp>
#include <connectors/raw_item.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace carelisten::connectors {

namespace http {
class Client;
}

/// Why a fetch failed, classified once (ConnectorErrc in `code`), with what the operator should know.
struct FetchError {
    std::error_code code;
    /// One line for the log and /healthz, never patient data or secrets, e.g.
    /// "HTTP 401 from api.x.com: the bearer token was refused; check sources.x_mentions.bearer_token_file".
    std::string detail;
    /// For kRateLimited: do not call this source (or credential) again before this time.
    std::optional<std::chrono::system_clock::time_point> retry_at;
};

/// What a fetch delivers: a batch, or a classified error. Nothing is consumed on error.
class FetchResult {
public:
    FetchResult(Batch batch) : batch_(std::move(batch)) {}       // NOLINT(google-explicit-constructor)
    FetchResult(FetchError error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool Ok() const { return batch_.has_value(); }
    Batch& Value() { return *batch_; }
    const FetchError& Error() const { return error_; }

private:
    std::optional<Batch> batch_;
    FetchError error_;
};

using FetchCallback = std::function<void(FetchResult)>;

/// A push from an upstream (Discourse webhook, Twilio callback) as the daemon's public listener received it.
struct WebhookRequest {
    std::string method;
    std::string path;                                          ///< e.g. "/webhooks/forum_diabetes"
    std::string query;                                         ///< without '?'
    std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased
    std::string body;
    /// The URL the upstream called, as it saw it (behind a proxy: the configured external base + path +
    /// query); signature schemes that sign the URL (Twilio) need exactly this.
    std::string public_url;

    /// The value of a header (lower-case name), or nullptr.
    const std::string* Header(std::string_view lower_case_name) const {
        for (const auto& [name, value] : headers) {
            if (name == lower_case_name) {
                return &value;
            }
        }
        return nullptr;
    }
};

/// What a connector makes of a push. The daemon stores `items` (and `bad_records`) in one transaction and
/// answers `status` only after the commit; a rejected push (bad signature, malformed) is answered at once and
/// stores nothing.
struct WebhookResult {
    unsigned status = 200;  ///< 200 accepted; 403 bad signature; 400 malformed; 202 ignored event type
    std::vector<RawItem> items;
    std::vector<BadRecord> bad_records;
    std::vector<DeliveryUpdate> delivery_updates;
    std::string detail;  ///< for the log and the metrics, never patient data
    std::string response_body;
    std::string response_content_type = "text/plain; charset=utf-8";
};

/// What a factory may give a connector besides its settings. Pointers stay valid for the connector's life.
struct ConnectorContext {
    /// The fetch loop every network connector runs on (one thread, Boost.Asio).
    boost::asio::io_context* loop = nullptr;
    /// The shared HTTP runtime on `loop` (libcurl multi): rate limits per credential live there.
    http::Client* http = nullptr;
};

/// One configured source. Lifecycle: created by its factory from validated settings; one fetch at a time
/// (the next only after the previous batch was committed and acknowledged); destroyed when the daemon
/// stops. Thread-safety: FetchAsync runs on the fetch loop thread; Fetch, Acknowledge and ParseRecord on
/// the ingest thread; never two of them at once for one connector.
class Connector {
public:
    virtual ~Connector() = default;

    /// The configured source name (the `[sources.<name>]` table).
    virtual std::string_view Name() const = 0;

    /// Reads what is new after `cursor` (nullopt: from the beginning), at most `max_items` items.
    /// A record that cannot be read goes into Batch::bad_records, never into an error: an error
    /// means the whole fetch failed and nothing was consumed. For local, fast sources (files).
    virtual Result<Batch> Fetch(const std::optional<std::string>& cursor, std::size_t max_items) {
        (void)cursor;
        (void)max_items;
        return std::make_error_code(std::errc::operation_not_supported);
    }

    /// True for network connectors: the daemon calls FetchAsync on the fetch loop instead of Fetch.
    virtual bool IsAsync() const { return false; }

    /// The asynchronous form for network sources: called on the fetch loop, must never block it, and
    /// calls `done` exactly once, on the loop, with the batch (all pages up to `max_items`) or an error.
    virtual void FetchAsync(const std::optional<std::string>& cursor, std::size_t max_items, FetchCallback done) {
        auto result = Fetch(cursor, max_items);
        if (result) {
            done(FetchResult(std::move(result).value()));
        } else {
            done(FetchResult(FetchError{result.error(), result.error().message(), std::nullopt}));
        }
    }

    /// Called only after the batch and its cursor are committed: acknowledge upstream (move a file,
    /// set \Seen, ...). Must be idempotent: after a crash the same batch may be acknowledged again.
    virtual Result<void> Acknowledge(const Batch& batch) = 0;

    /// Parses one raw record of this source (as kept in quarantine) into an item, for replay; a record
    /// that still cannot be read comes back as a BadRecord saying why.
    virtual std::variant<RawItem, BadRecord> ParseRecord(std::string_view raw, std::string_view locator) const = 0;

    /// Verifies and parses a push to `/webhooks/<source name>`; nullopt when this connector takes no pushes
    /// (the daemon answers 404). Called on the HTTP listener's thread, concurrently with the fetch and ingest
    /// threads: it must only read immutable settings and secrets (read from their files at each call).
    virtual std::optional<WebhookResult> HandleWebhook(const WebhookRequest& request) const {
        (void)request;
        return std::nullopt;
    }
};

/// How a connector type is built. Listed explicitly in connectors/registry (no static registration).
struct ConnectorFactory {
    std::string_view type;         ///< the `type = "..."` of a `[sources.<name>]` table
    std::string_view description;  ///< one line, for `carelistend --list-connectors` and docs
    SettingsTable settings;        ///< the keys this type reads, besides the common source keys
    std::unique_ptr<Connector> (*create)(std::string name, const Settings& settings, const ConnectorContext& context);
};

}  // namespace carelisten::connectors
