// libFuzzer target: the rate-limit header parsers (Retry-After, X, Reddit, Mastodon families) and the
// HTTP-date parser on arbitrary bytes. The input is split into "name: value" lines. Whatever the
// upstream sends, nothing may block a key before `now` or for more than a day.
#include <chrono>
#include <connectors/http/rate_limit.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carelisten::connectors::http;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::vector<std::pair<std::string, std::string>> headers;
    std::size_t start = 0;
    while (start <= input.size()) {
        const auto end = input.find('\n', start);
        const std::string_view line = input.substr(start, end == std::string_view::npos ? end : end - start);
        const auto colon = line.find(':');
        if (colon != std::string_view::npos) {
            headers.emplace_back(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
        }
        (void)ParseHttpDate(line);
        if (end == std::string_view::npos)
            break;
        start = end + 1;
    }
    const auto now = Clock::time_point(std::chrono::seconds(1'767'225'600));
    const auto info = ParseRateLimitHeaders(headers, now);
    const auto latest = now + std::chrono::hours(24);
    if (info.retry_after && (*info.retry_after < now || *info.retry_after > latest))
        std::abort();
    if (info.reset_at && (*info.reset_at < now || *info.reset_at > latest))
        std::abort();
    if (info.remaining && *info.remaining < 0)
        std::abort();
    if (const auto until = info.BlockedUntil(); until && (*until < now || *until > latest))
        std::abort();

    RateLimiter limiter;
    limiter.Configure("k", BucketSpec{});
    if (const auto until = info.BlockedUntil())
        limiter.BlockUntil("k", *until);
    limiter.Consume("k", now);
    if (limiter.NextAllowed("k", now) < now)
        std::abort();
    return 0;
}
