/// @file
/// @brief Client-side rate limits: a token bucket per credential kept below the published limit, and the
/// "blocked until" that an upstream announces (Retry-After, x-rate-limit-*, X-Ratelimit-*, X-RateLimit-*).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace carelisten::connectors::http {

using Clock = std::chrono::system_clock;

/// What the response headers say about the caller's budget. Every field optional: upstreams differ.
struct RateLimitInfo {
    std::optional<std::int64_t> limit;
    std::optional<std::int64_t> remaining;
    /// When the window resets (absolute), from whichever header family the upstream uses.
    std::optional<Clock::time_point> reset_at;
    /// From Retry-After (seconds or HTTP-date), absolute.
    std::optional<Clock::time_point> retry_after;

    /// The time before which no request should be made: retry_after, or reset_at when remaining is 0.
    std::optional<Clock::time_point> BlockedUntil() const;
};

/// Parses the rate-limit headers of one response (names lower-case), `now` is the response time:
///  - `retry-after`: delta seconds or an HTTP-date (RFC 9110);
///  - X: `x-rate-limit-limit|remaining|reset` (reset = Unix epoch seconds);
///  - Reddit: `x-ratelimit-used|remaining|reset` (reset = seconds until the window ends; remaining may be
///    a decimal like "598.0");
///  - Mastodon: `x-ratelimit-limit|remaining|reset` (reset = ISO 8601 timestamp).
/// Unparseable values are ignored (never trusted to mean "no limit").
RateLimitInfo ParseRateLimitHeaders(const std::vector<std::pair<std::string, std::string>>& headers,
                                    Clock::time_point now);

/// Parses an RFC 9110 HTTP-date ("Sun, 06 Nov 1994 08:49:37 GMT").
std::optional<Clock::time_point> ParseHttpDate(std::string_view text);

/// A token bucket: `rate_per_minute` tokens a minute, at most `burst` saved up.
struct BucketSpec {
    double rate_per_minute = 60.0;
    double burst = 5.0;
};

/// Per-key buckets plus the upstream's own "blocked until". Not thread-safe: one per fetch loop.
class RateLimiter {
public:
    /// Sets (or changes) the bucket of a key; keys without a spec are limited only by what upstreams say.
    void Configure(const std::string& key, BucketSpec spec);

    /// When a request with this key may start (now or later). Does not consume a token.
    Clock::time_point NextAllowed(const std::string& key, Clock::time_point now) const;
    /// Takes one token at `now` (call when the request starts, i.e. at or after NextAllowed).
    void Consume(const std::string& key, Clock::time_point now);
    /// An upstream said: nothing with this key before `until`.
    void BlockUntil(const std::string& key, Clock::time_point until);
    std::optional<Clock::time_point> BlockedUntil(const std::string& key) const;

private:
    struct Bucket {
        BucketSpec spec;
        double tokens = 0.0;
        std::optional<Clock::time_point> refilled_at;
        std::optional<Clock::time_point> blocked_until;
        bool configured = false;
    };
    std::map<std::string, Bucket, std::less<>> buckets_;
};

/// One link of an RFC 8288 `Link` header: `<https://...>; rel="next"`.
struct Link {
    std::string url;
    std::string rel;
};
/// Parses a Link header value (several comma-separated links; quoted or bare rel; unknown params ignored).
/// Malformed parts are skipped, never thrown on.
std::vector<Link> ParseLinkHeader(std::string_view value);
/// The URL of the first link with that rel, if any.
std::optional<std::string> FindLink(const std::vector<Link>& links, std::string_view rel);

}  // namespace carelisten::connectors::http
