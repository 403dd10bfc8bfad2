#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <connectors/http/rate_limit.hpp>
#include <limits>

namespace carelisten::connectors::http {
namespace {

using std::chrono::duration_cast;
using Seconds = std::chrono::seconds;

// Values above this many seconds are not a plausible delay: a reset of 10^9 or more is an epoch time
// (X always sends one; a few others such as GitHub do too), anything smaller is seconds from now.
constexpr double kEpochThreshold = 1e9;
// Nothing an upstream says may block a key for more than a day: a bogus header must not stall a
// source for years (the source's own backoff takes over after that).
constexpr auto kMaxBlock = std::chrono::hours(24);

bool IEquals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view Trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
        text.remove_suffix(1);
    }
    return text;
}

// A whole, finite, non-negative decimal number ("598.0", "12"); nothing else (no sign, no trailing junk).
std::optional<double> ParseNonNegativeNumber(std::string_view text) {
    text = Trim(text);
    if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text.front())) != 0))
        return std::nullopt;
    double value = 0.0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value) || value < 0.0) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::int64_t> ParseCount(std::string_view text) {
    const auto value = ParseNonNegativeNumber(text);
    if (!value || *value > 9e15)
        return std::nullopt;
    return static_cast<std::int64_t>(std::floor(*value));
}

// now + seconds, with the delay clamped to [0, kMaxBlock] *before* it becomes a Clock::duration: a
// nanosecond clock overflows past the year 2262, so a huge value must never reach the conversion.
Clock::time_point After(Clock::time_point now, double seconds) {
    const double max_seconds = std::chrono::duration<double>(kMaxBlock).count();
    seconds = std::clamp(seconds, 0.0, max_seconds);
    return now + duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

Clock::time_point Clamp(Clock::time_point at, Clock::time_point now) {
    return std::clamp(at, now, now + duration_cast<Clock::duration>(kMaxBlock));
}

// A reset header: epoch seconds when large, seconds from now otherwise.
std::optional<Clock::time_point> ParseResetNumber(std::string_view text, Clock::time_point now) {
    const auto value = ParseNonNegativeNumber(text);
    if (!value)
        return std::nullopt;
    if (*value >= kEpochThreshold) {
        const double now_seconds = std::chrono::duration<double>(now.time_since_epoch()).count();
        return After(now, *value - now_seconds);
    }
    return After(now, *value);
}

// Fixed-width unsigned digits at text[pos, pos+width).
std::optional<int> Digits(std::string_view text, std::size_t pos, std::size_t width) {
    if (pos + width > text.size())
        return std::nullopt;
    int value = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
        if (std::isdigit(static_cast<unsigned char>(text[i])) == 0)
            return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

std::optional<Clock::time_point> MakeTime(int year, int month, int day, int hour, int minute, int second) {
    const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                           std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok() || hour > 23 || minute > 59 || second > 60)
        return std::nullopt;
    return Clock::time_point(std::chrono::sys_days(date)) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
           Seconds(second);
}

std::optional<int> MonthFromName(std::string_view name) {
    static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; ++i) {
        if (IEquals(name, kMonths[i]))
            return i + 1;
    }
    return std::nullopt;
}

// "08:49:37" at pos.
bool ParseClock(std::string_view text, std::size_t pos, int& hour, int& minute, int& second) {
    const auto h = Digits(text, pos, 2);
    const auto m = Digits(text, pos + 3, 2);
    const auto s = Digits(text, pos + 6, 2);
    if (!h || !m || !s || pos + 8 > text.size() || text[pos + 2] != ':' || text[pos + 5] != ':')
        return false;
    hour = *h;
    minute = *m;
    second = *s;
    return true;
}

// ISO 8601 / RFC 3339 as Mastodon sends it: "2017-10-01T16:35:00.000Z" (fraction and offset optional).
std::optional<Clock::time_point> ParseIso8601(std::string_view text) {
    text = Trim(text);
    const auto year = Digits(text, 0, 4);
    const auto month = Digits(text, 5, 2);
    const auto day = Digits(text, 8, 2);
    if (!year || !month || !day || text.size() < 19 || text[4] != '-' || text[7] != '-' ||
        (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) {
        return std::nullopt;
    }
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (!ParseClock(text, 11, hour, minute, second))
        return std::nullopt;
    auto at = MakeTime(*year, *month, *day, hour, minute, second);
    if (!at)
        return std::nullopt;
    std::size_t pos = 19;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::int64_t micros = 0;
        int digits = 0;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) != 0) {
            if (digits < 6) {
                micros = micros * 10 + (text[pos] - '0');
                ++digits;
            }
            ++pos;
        }
        if (digits == 0)
            return std::nullopt;
        for (; digits < 6; ++digits)
            micros *= 10;
        *at += duration_cast<Clock::duration>(std::chrono::microseconds(micros));
    }
    const std::string_view zone = text.substr(pos);
    if (zone.empty() || zone == "Z" || zone == "z")
        return at;
    if ((zone[0] == '+' || zone[0] == '-') && (zone.size() == 6 || zone.size() == 5)) {
        const auto oh = Digits(zone, 1, 2);
        const auto om = zone.size() == 6 ? Digits(zone, 4, 2) : Digits(zone, 3, 2);
        if (!oh || !om || (zone.size() == 6 && zone[3] != ':') || *oh > 23 || *om > 59)
            return std::nullopt;
        const auto offset = std::chrono::hours(*oh) + std::chrono::minutes(*om);
        // Local time = UTC + offset, so UTC = local - offset.
        return zone[0] == '+' ? *at - offset : *at + offset;
    }
    return std::nullopt;
}

}  // namespace

std::optional<Clock::time_point> RateLimitInfo::BlockedUntil() const {
    std::optional<Clock::time_point> until = retry_after;
    if (remaining && *remaining <= 0 && reset_at) {
        until = until ? std::max(*until, *reset_at) : *reset_at;
    }
    return until;
}

std::optional<Clock::time_point> ParseHttpDate(std::string_view text) {
    text = Trim(text);
    int hour = 0;
    int minute = 0;
    int second = 0;
    const auto comma = text.find(',');
    if (comma == 3) {
        // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
        if (text.size() != 29 || text.substr(25) != " GMT" || text[4] != ' ' || text[7] != ' ' || text[11] != ' ' ||
            text[16] != ' ') {
            return std::nullopt;
        }
        const auto day = Digits(text, 5, 2);
        const auto month = MonthFromName(text.substr(8, 3));
        const auto year = Digits(text, 12, 4);
        if (!day || !month || !year || !ParseClock(text, 17, hour, minute, second))
            return std::nullopt;
        return MakeTime(*year, *month, *day, hour, minute, second);
    }
    if (comma != std::string_view::npos && comma > 3) {
        // Obsolete RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit year: 70-99 -> 19xx, else 20xx).
        const std::string_view rest = text.substr(comma + 1);
        if (rest.size() != 23 || rest[0] != ' ' || rest[3] != '-' || rest[7] != '-' || rest[10] != ' ' ||
            rest.substr(19) != " GMT") {
            return std::nullopt;
        }
        const auto day = Digits(rest, 1, 2);
        const auto month = MonthFromName(rest.substr(4, 3));
        const auto year2 = Digits(rest, 8, 2);
        if (!day || !month || !year2 || !ParseClock(rest, 11, hour, minute, second))
            return std::nullopt;
        return MakeTime(*year2 >= 70 ? 1900 + *year2 : 2000 + *year2, *month, *day, hour, minute, second);
    }
    // asctime: "Sun Nov  6 08:49:37 1994"
    if (text.size() != 24 || text[3] != ' ' || text[7] != ' ' || text[10] != ' ' || text[19] != ' ') {
        return std::nullopt;
    }
    const auto month = MonthFromName(text.substr(4, 3));
    std::optional<int> day;
    if (text[8] == ' ') {
        day = Digits(text, 9, 1);
    } else {
        day = Digits(text, 8, 2);
    }
    const auto year = Digits(text, 20, 4);
    if (!month || !day || !year || !ParseClock(text, 11, hour, minute, second))
        return std::nullopt;
    return MakeTime(*year, *month, *day, hour, minute, second);
}

RateLimitInfo ParseRateLimitHeaders(const std::vector<std::pair<std::string, std::string>>& headers,
                                    Clock::time_point now) {
    RateLimitInfo info;
    std::optional<std::int64_t> used;
    for (const auto& [name, value] : headers) {
        if (IEquals(name, "retry-after")) {
            if (const auto seconds = ParseNonNegativeNumber(value)) {
                info.retry_after = After(now, *seconds);
            } else if (const auto date = ParseHttpDate(value)) {
                info.retry_after = Clamp(*date, now);
            }
        } else if (IEquals(name, "x-rate-limit-limit") || IEquals(name, "x-ratelimit-limit")) {
            if (const auto v = ParseCount(value))
                info.limit = v;
        } else if (IEquals(name, "x-rate-limit-remaining") || IEquals(name, "x-ratelimit-remaining")) {
            if (const auto v = ParseCount(value))
                info.remaining = v;
        } else if (IEquals(name, "x-ratelimit-used")) {
            if (const auto v = ParseCount(value))
                used = v;
        } else if (IEquals(name, "x-rate-limit-reset") || IEquals(name, "x-ratelimit-reset")) {
            if (const auto at = ParseResetNumber(value, now)) {
                info.reset_at = at;
            } else if (const auto iso = ParseIso8601(value)) {
                info.reset_at = Clamp(*iso, now);
            }
        }
    }
    // Reddit publishes used + remaining rather than the limit.
    if (!info.limit && used && info.remaining) {
        info.limit = *used + *info.remaining;
    }
    return info;
}

void RateLimiter::Configure(const std::string& key, BucketSpec spec) {
    auto& bucket = buckets_[key];
    spec.burst = std::max(spec.burst, 1.0);
    if (!bucket.configured) {
        bucket.tokens = spec.burst;
    } else {
        bucket.tokens = std::min(bucket.tokens, spec.burst);
    }
    bucket.spec = spec;
    bucket.configured = true;
}

namespace {
double TokensAt(const BucketSpec& spec, double tokens, std::optional<Clock::time_point> refilled_at,
                Clock::time_point now) {
    if (!refilled_at || now <= *refilled_at || spec.rate_per_minute <= 0.0)
        return tokens;
    const double elapsed = std::chrono::duration<double>(now - *refilled_at).count();
    return std::min(spec.burst, tokens + elapsed * spec.rate_per_minute / 60.0);
}
}  // namespace

Clock::time_point RateLimiter::NextAllowed(const std::string& key, Clock::time_point now) const {
    const auto it = buckets_.find(key);
    if (it == buckets_.end())
        return now;
    const Bucket& bucket = it->second;
    Clock::time_point at = now;
    if (bucket.blocked_until && *bucket.blocked_until > at)
        at = *bucket.blocked_until;
    // A non-positive rate means "no client-side bucket" rather than "never".
    if (bucket.configured && bucket.spec.rate_per_minute > 0.0) {
        const double tokens = TokensAt(bucket.spec, bucket.tokens, bucket.refilled_at, now);
        if (tokens < 1.0) {
            // At most a year: a tiny rate must not overflow the nanosecond clock.
            const double wait_seconds = std::min((1.0 - tokens) * 60.0 / bucket.spec.rate_per_minute, 366.0 * 86400.0);
            const auto ready = now + duration_cast<Clock::duration>(std::chrono::duration<double>(wait_seconds));
            at = std::max(at, ready);
        }
    }
    return at;
}

void RateLimiter::Consume(const std::string& key, Clock::time_point now) {
    const auto it = buckets_.find(key);
    if (it == buckets_.end() || !it->second.configured)
        return;
    Bucket& bucket = it->second;
    bucket.tokens = TokensAt(bucket.spec, bucket.tokens, bucket.refilled_at, now) - 1.0;
    if (!bucket.refilled_at || now > *bucket.refilled_at)
        bucket.refilled_at = now;
}

void RateLimiter::BlockUntil(const std::string& key, Clock::time_point until) {
    auto& bucket = buckets_[key];
    if (!bucket.blocked_until || until > *bucket.blocked_until)
        bucket.blocked_until = until;
}

std::optional<Clock::time_point> RateLimiter::BlockedUntil(const std::string& key) const {
    const auto it = buckets_.find(key);
    if (it == buckets_.end())
        return std::nullopt;
    return it->second.blocked_until;
}

namespace {

std::string LowerCopy(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Splits at `separator` outside <...> and "..." (with backslash escapes inside quotes).
std::vector<std::string_view> SplitOutside(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    bool in_angle = false;
    bool in_quote = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_quote) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_quote = false;
            }
        } else if (in_angle) {
            if (c == '>')
                in_angle = false;
        } else if (c == '"') {
            in_quote = true;
        } else if (c == '<') {
            in_angle = true;
        } else if (c == separator) {
            parts.push_back(text.substr(start, i - start));
            start = i + 1;
        }
    }
    parts.push_back(text.substr(std::min(start, text.size())));
    return parts;
}

std::string Unquote(std::string_view value) {
    value = Trim(value);
    if (value.size() < 2 || value.front() != '"' || value.back() != '"')
        return std::string(value);
    std::string out;
    for (std::size_t i = 1; i + 1 < value.size(); ++i) {
        if (value[i] == '\\' && i + 2 < value.size())
            ++i;
        out.push_back(value[i]);
    }
    return out;
}

}  // namespace

std::vector<Link> ParseLinkHeader(std::string_view value) {
    std::vector<Link> links;
    for (std::string_view part : SplitOutside(value, ',')) {
        part = Trim(part);
        if (part.size() < 2 || part.front() != '<')
            continue;
        const auto close = part.find('>');
        if (close == std::string_view::npos)
            continue;
        const std::string url(Trim(part.substr(1, close - 1)));
        if (url.empty() || url.find_first_of(" \t\r\n") != std::string::npos)
            continue;
        const auto params = SplitOutside(part.substr(close + 1), ';');
        // params[0] is whatever sits between '>' and the first ';': only whitespace is valid there.
        if (!Trim(params[0]).empty())
            continue;
        std::optional<std::string> rel;
        for (std::size_t i = 1; i < params.size() && !rel; ++i) {
            const std::string_view param = Trim(params[i]);
            const auto eq = param.find('=');
            if (eq == std::string_view::npos || !IEquals(Trim(param.substr(0, eq)), "rel"))
                continue;
            rel = Unquote(param.substr(eq + 1));  // RFC 8288: only the first rel counts
        }
        if (!rel)
            continue;
        // rel="next last" names two relations of one target.
        std::string_view rels = *rel;
        while (!rels.empty()) {
            const auto space = rels.find_first_of(" \t");
            const std::string_view one = rels.substr(0, space);
            if (!one.empty())
                links.push_back(Link{url, LowerCopy(one)});
            if (space == std::string_view::npos)
                break;
            rels.remove_prefix(space + 1);
        }
    }
    return links;
}

std::optional<std::string> FindLink(const std::vector<Link>& links, std::string_view rel) {
    for (const auto& link : links) {
        if (IEquals(link.rel, rel))
            return link.url;
    }
    return std::nullopt;
}

}  // namespace carelisten::connectors::http
