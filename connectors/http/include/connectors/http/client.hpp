/// @file
/// @brief The HTTP runtime every network connector shares: libcurl's multi-socket interface driven by the
/// daemon's fetch loop (Boost.Asio), many transfers in flight on one thread, TLS always verified.
#pragma once

#include <chrono>
#include <connectors/http/rate_limit.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace carelisten::connectors::http {

/// One request. Header values may hold secrets (Authorization): they are never logged.
struct Request {
    std::string method = "GET";  ///< GET or POST (POST sends `body`)
    std::string url;             ///< https://... (http:// only to loopback with allow_plain_http_loopback)
    std::vector<std::pair<std::string, std::string>> headers;  ///< e.g. {"Authorization", "Bearer ..."}
    std::string body;                                          ///< for POST, e.g. a form
    /// Requests with the same key share one token bucket and one "blocked until" (one per credential:
    /// e.g. "x:<source>" or "reddit:<client id file>"); empty: no client-side limit.
    std::string rate_limit_key;
    /// Overrides ClientOptions::total_timeout when set.
    std::optional<std::chrono::milliseconds> timeout;
};

/// A completed exchange. Any HTTP status counts as completed: ClassifyResponse says what it means.
struct Response {
    long status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased, in arrival order
    std::string body;                                          ///< decoded (gzip/deflate handled by libcurl)
    std::chrono::milliseconds elapsed{0};
    std::string effective_url;  ///< after redirects

    /// The last header of that name (lower-case), or nullptr.
    const std::string* Header(std::string_view lower_case_name) const;
};

/// A transfer that produced no response (timeout, TLS failure, refused, truncated, too large), already
/// classified: `code` is a ConnectorErrc (kRetryLater for network trouble, kPermanent for a TLS
/// verification failure or an unsupported URL, kMalformed for an oversized body).
struct TransportError {
    std::error_code code;
    std::string detail;  ///< e.g. "timed out after 30000 ms connecting to api.x.com"; never secrets
};

/// Exactly one of response / error is set.
struct Outcome {
    std::optional<Response> response;
    TransportError error;
};

using Completion = std::function<void(Outcome)>;

struct ClientOptions {
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds total_timeout{60'000};
    /// A transfer slower than low_speed_bytes per second for low_speed_time is aborted (stalled upstream).
    std::chrono::seconds low_speed_time{30};
    long low_speed_bytes = 1;
    std::size_t max_response_bytes = 32U * 1024U * 1024U;
    /// Proxy URL (hospital networks use one), e.g. "http://proxy.hospital.example:3128"; empty: none
    /// (environment proxies are ignored so behaviour follows the configuration only).
    std::string proxy;
    /// Tests and the demo talk to fakes on 127.0.0.1 over plain http; never honoured for other hosts.
    bool allow_plain_http_loopback = false;
    /// Extra CA bundle (PEM) to trust, e.g. a hospital's TLS-inspecting proxy; empty: the system store.
    std::string ca_file;
    std::string user_agent = "carelisten/0.1 (+https://carelisten.example/bot)";
    /// Most transfers in flight at once over all sources; more wait in a queue.
    std::size_t max_in_flight = 64;
};

/// Counters for /metrics (read from any thread).
struct ClientStats {
    std::uint64_t requests = 0;
    std::uint64_t transport_errors = 0;
    std::uint64_t rate_limit_waits = 0;  ///< requests delayed by a bucket or a "blocked until"
    std::vector<std::pair<long, std::uint64_t>> responses_by_status;
};

/// Lifecycle: constructed on the fetch loop's thread with its io_context; Submit and everything else must
/// be called on that thread (completions run there too); destroy it on that thread after the loop stopped
/// or after CancelAll(). Not thread-safe by design: one loop, one CURLM, no locks on the hot path.
class Client {
public:
    /// `now` (default: the system clock) feeds the rate limiter; it must follow real time, because
    /// waits for a rate-limit key are real asio timers.
    Client(boost::asio::io_context& loop, ClientOptions options, std::function<Clock::time_point()> now = {});
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// Starts the request when its rate-limit bucket allows (at once when it has no key), and calls
    /// `done` exactly once on the loop. Never blocks, never calls `done` from inside Submit.
    void Submit(Request request, Completion done);

    /// Records what an upstream said about its limits for this key (parsed from response headers by the
    /// connector or ClassifyResponse): later requests with the key wait until allowed. The client itself
    /// applies RateLimitInfo::BlockedUntil() of every response to a request that has a rate_limit_key.
    RateLimiter& Limits() { return limits_; }

    /// Aborts every transfer; their completions get a kRetryLater error.
    void CancelAll();

    /// Requests not completed yet: transfers running, queued behind max_in_flight, or waiting for their
    /// rate-limit key.
    std::size_t InFlight() const;
    /// A snapshot of the counters; safe to call from any thread (e.g. the /metrics handler).
    ClientStats Stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    RateLimiter limits_;
};

/// What an HTTP status and its headers mean for the caller. 2xx: nullopt (success). 429 and 503 with
/// Retry-After: kRateLimited with retry_at. 401/403: kAuthBroken. 408/5xx: kRetryLater. Other 4xx:
/// kPermanent. `source_hint` is put in the detail, e.g. "api.x.com".
struct Classification {
    std::error_code code;
    std::string detail;
    std::optional<std::chrono::system_clock::time_point> retry_at;
};
std::optional<Classification> ClassifyResponse(const Response& response, std::chrono::system_clock::time_point now);

}  // namespace carelisten::connectors::http
