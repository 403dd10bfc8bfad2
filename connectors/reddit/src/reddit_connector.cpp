#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <common/log.hpp>
#include <connectors/errc.hpp>
#include <connectors/http/client.hpp>
#include <connectors/reddit/reddit_connector.hpp>
#include <connectors/reddit/reddit_wire.hpp>
#include <connectors/wire_util.hpp>
#include <stdexcept>

namespace carelisten::connectors::reddit {
namespace {

// Refresh the access token this long before Reddit says it expires (clock skew, slow requests).
constexpr auto kTokenMargin = std::chrono::seconds(120);
constexpr auto kDefaultTokenLifetime = std::chrono::seconds(3600);
// When a 429 says nothing about when to come back: Reddit's window is 10 minutes; a minute is a fair guess.
constexpr auto kDefaultRateLimitWait = std::chrono::seconds(60);

const std::array kSettingSpecs = {
    SettingSpec{.key = "auth_base_url",
                .type = SettingType::kString,
                .default_value = std::string{"https://www.reddit.com"},
                .description = "Where access tokens come from (POST /api/v1/access_token).",
                .reloadable = false},
    SettingSpec{.key = "oauth_base_url",
                .type = SettingType::kString,
                .default_value = std::string{"https://oauth.reddit.com"},
                .description = "The OAuth API root listings are read from.",
                .reloadable = false},
    SettingSpec{.key = "client_id",
                .type = SettingType::kString,
                .default_value = std::monostate{},
                .description = "The app's client id (not secret) from https://www.reddit.com/prefs/apps.",
                .reloadable = false},
    SettingSpec{.key = "client_secret_file",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "File holding the app's client secret (first line).",
                .reloadable = false},
    SettingSpec{.key = "client_secret_credential",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "systemd credential name holding the client secret (instead of client_secret_file).",
                .reloadable = false},
    SettingSpec{.key = "user_agent",
                .type = SettingType::kString,
                .default_value = std::monostate{},
                .description = "Unique User-Agent Reddit requires: <platform>:<app ID>:<version> (by /u/<user>).",
                .reloadable = false},
    SettingSpec{.key = "subreddits",
                .type = SettingType::kStringList,
                .default_value = std::vector<std::string>{},
                .description = "Subreddits searched for the watch terms (newest first), without the r/.",
                .reloadable = false},
    SettingSpec{.key = "query",
                .type = SettingType::kStringList,
                .default_value = std::vector<std::string>{},
                .description = "Watch terms (hospital names, handles, physicians' names), joined with OR.",
                .reloadable = false},
    SettingSpec{.key = "comment_subreddits",
                .type = SettingType::kStringList,
                .default_value = std::vector<std::string>{},
                .description = "Subreddits whose every new comment is read (the hospital's own communities).",
                .reloadable = false},
    SettingSpec{.key = "page_size",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{100},
                .description = "limit per listing request.",
                .reloadable = false,
                .min = 1,
                .max = 100},
    SettingSpec{.key = "seen_ids",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{300},
                .description = "Fullnames remembered per stream in the cursor (guards against a deleted anchor).",
                .reloadable = false,
                .min = 50,
                .max = 1000},
    SettingSpec{.key = "catchup_pages",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{3},
                .description = "Pages read backwards from the newest when the anchor is lost, until a seen item.",
                .reloadable = false,
                .min = 1,
                .max = 10},
    SettingSpec{.key = "requests_per_minute",
                .type = SettingType::kDouble,
                .default_value = 60.0,
                .description = "Client-side limit for this client id, below Reddit's 100 queries per minute.",
                .reloadable = false,
                .min = 0.1,
                .max = 100.0},
};

std::unique_ptr<Connector> Create(std::string name, const Settings& settings, const ConnectorContext& context) {
    return std::make_unique<RedditConnector>(std::move(name), settings, context);
}

const ConnectorFactory kFactory{
    .type = "reddit",
    .description = "Reddit: subreddit search for the watch terms and new comments (OAuth client credentials)",
    .settings = SettingsTable{.name = "reddit", .specs = kSettingSpecs},
    .create = &Create,
};

std::string TrimSlash(std::string url) {
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    return url;
}

std::string Subreddit(std::string name) {
    if (name.starts_with("/")) {
        name.erase(0, 1);
    }
    if (name.starts_with("r/")) {
        name.erase(0, 2);
    }
    return name;
}

std::string Base64(std::string_view input) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < input.size(); i += 3) {
        const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(input[i])) << 16) |
                       (static_cast<std::uint32_t>(static_cast<unsigned char>(input[i + 1])) << 8) |
                       static_cast<std::uint32_t>(static_cast<unsigned char>(input[i + 2]));
        out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], kAlphabet[n & 63]};
    }
    if (i + 1 == input.size()) {
        const auto n = static_cast<std::uint32_t>(static_cast<unsigned char>(input[i])) << 16;
        out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
    } else if (i + 2 == input.size()) {
        const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(input[i])) << 16) |
                       (static_cast<std::uint32_t>(static_cast<unsigned char>(input[i + 1])) << 8);
        out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
    }
    return out;
}

// Reddit search: the watch terms joined with OR, terms with spaces quoted.
std::string BuildQuery(const std::vector<std::string>& terms) {
    std::string query;
    for (const auto& term : terms) {
        if (term.find_first_not_of(" \t") == std::string::npos) {
            continue;
        }
        if (!query.empty()) {
            query += " OR ";
        }
        query += term.find(' ') != std::string::npos && term.front() != '"' ? "\"" + term + "\"" : term;
    }
    return query;
}

// The reason field of Reddit's 403 for a subreddit that cannot be read, e.g. {"reason":"private",...}.
std::string ForbiddenReason(std::string_view body) {
    if (body.size() > 64U * 1024U) {
        return {};
    }
    rapidjson::Document document;
    document.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
    if (document.HasParseError() || !document.IsObject()) {
        return {};
    }
    const auto it = document.FindMember("reason");
    return it != document.MemberEnd() && it->value.IsString()
               ? std::string(it->value.GetString(), it->value.GetStringLength())
               : std::string{};
}

}  // namespace

const ConnectorFactory& Factory() {
    return kFactory;
}

bool StreamState::Seen(std::string_view fullname) const {
    return std::find(seen.begin(), seen.end(), fullname) != seen.end();
}

void StreamState::Remember(const std::string& fullname, std::size_t bound) {
    if (Seen(fullname)) {
        return;
    }
    seen.push_back(fullname);
    while (seen.size() > bound) {
        seen.pop_front();
    }
}

std::string EncodeCursor(const StreamStates& streams) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("v");
    writer.Int(1);
    writer.Key("streams");
    writer.StartObject();
    for (const auto& [key, state] : streams) {
        writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
        writer.StartObject();
        writer.Key("before");
        writer.String(state.before.data(), static_cast<rapidjson::SizeType>(state.before.size()));
        writer.Key("seen");
        writer.StartArray();
        for (const auto& fullname : state.seen) {
            writer.String(fullname.data(), static_cast<rapidjson::SizeType>(fullname.size()));
        }
        writer.EndArray();
        writer.EndObject();
    }
    writer.EndObject();
    writer.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

std::optional<StreamStates> DecodeCursor(std::string_view cursor) {
    rapidjson::Document document;
    document.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(cursor.data(),
                                                                                           cursor.size());
    if (document.HasParseError() || !document.IsObject()) {
        return std::nullopt;
    }
    const auto version = document.FindMember("v");
    const auto streams = document.FindMember("streams");
    if (version == document.MemberEnd() || !version->value.IsInt() || version->value.GetInt() != 1 ||
        streams == document.MemberEnd() || !streams->value.IsObject()) {
        return std::nullopt;
    }
    StreamStates states;
    for (const auto& stream : streams->value.GetObject()) {
        if (!stream.value.IsObject()) {
            return std::nullopt;
        }
        const auto before = stream.value.FindMember("before");
        const auto seen = stream.value.FindMember("seen");
        if (before == stream.value.MemberEnd() || !before->value.IsString() || seen == stream.value.MemberEnd() ||
            !seen->value.IsArray()) {
            return std::nullopt;
        }
        StreamState state;
        state.before.assign(before->value.GetString(), before->value.GetStringLength());
        for (const auto& fullname : seen->value.GetArray()) {
            if (!fullname.IsString()) {
                return std::nullopt;
            }
            state.seen.emplace_back(fullname.GetString(), fullname.GetStringLength());
        }
        states.emplace(std::string(stream.name.GetString(), stream.name.GetStringLength()), std::move(state));
    }
    return states;
}

// The state of one FetchAsync, shared by its completions.
struct RedditConnector::Fetch {
    StreamStates states;  // starts as the committed cursor; each stream's entry moves when the stream is done
    std::size_t max_items = 0;
    std::size_t stream_index = 0;
    // The stream being read:
    StreamState working;
    bool newest_mode = false;  // reading the newest pages backwards (no usable anchor)
    std::string page_param;    // "before=<fullname>" or "after=<fullname>" or empty
    std::size_t stream_pages = 0;
    std::string stream_newest;          // newest fullname met in this stream (the next anchor)
    std::vector<RawItem> stream_items;  // oldest first
    std::vector<BadRecord> stream_bad;
    bool first_poll = false;       // the stream has never been read: no backfill beyond its newest page
    bool refreshed_token = false;  // a 401 refreshes the token once per fetch
    Batch batch;
    FetchCallback done;
};

RedditConnector::RedditConnector(std::string name, const Settings& settings, const ConnectorContext& context)
    : name_(std::move(name)),
      context_(context),
      auth_base_url_(TrimSlash(settings.GetString("auth_base_url"))),
      oauth_base_url_(TrimSlash(settings.GetString("oauth_base_url"))),
      client_id_(settings.GetString("client_id")),
      client_secret_{settings.GetString("client_secret_file"), settings.GetString("client_secret_credential")},
      user_agent_(settings.GetString("user_agent")),
      query_(BuildQuery(settings.GetStringList("query"))),
      page_size_(static_cast<int>(settings.GetInt("page_size"))),
      seen_bound_(static_cast<std::size_t>(settings.GetInt("seen_ids"))),
      catchup_pages_(static_cast<std::size_t>(settings.GetInt("catchup_pages"))),
      requests_per_minute_(settings.GetDouble("requests_per_minute")),
      // Reddit's 100 QPM is per client id: every source using it shares one bucket.
      rate_limit_key_("reddit:" + client_id_) {
    if (!query_.empty()) {
        for (const auto& subreddit : settings.GetStringList("subreddits")) {
            const auto sub = Subreddit(subreddit);
            streams_.push_back({"search:" + sub,
                                "/r/" + UrlEncode(sub) + "/search?q=" + UrlEncode(query_) + "&restrict_sr=1&sort=new"});
        }
    }
    for (const auto& subreddit : settings.GetStringList("comment_subreddits")) {
        const auto sub = Subreddit(subreddit);
        streams_.push_back({"comments:" + sub, "/r/" + UrlEncode(sub) + "/comments?sort=new"});
    }
}

std::string RedditConnector::SecretSetting() const {
    return "sources." + name_ + ".client_id and " + "sources." + name_ +
           (client_secret_.file.empty() && !client_secret_.credential.empty() ? ".client_secret_credential"
                                                                              : ".client_secret_file");
}

void RedditConnector::Fail(const std::shared_ptr<Fetch>& fetch, std::error_code code, std::string detail,
                           std::optional<std::chrono::system_clock::time_point> retry_at) {
    // Not logged here: the ingest loop logs failures with their class, rate-limited (1st, 2nd, 4th ...).
    fetch->done(FetchResult(FetchError{code, std::move(detail), retry_at}));
}

void RedditConnector::FetchAsync(const std::optional<std::string>& cursor, std::size_t max_items, FetchCallback done) {
    auto fail = [&](std::error_code code, std::string detail) {
        done(FetchResult(FetchError{code, std::move(detail), std::nullopt}));
    };
    if (context_.http == nullptr) {
        return fail(ConnectorErrc::kPermanent, "source " + name_ + " was built without the HTTP runtime");
    }
    if (streams_.empty()) {
        return fail(ConnectorErrc::kPermanent, "nothing to read: set sources." + name_ + ".subreddits and query, or " +
                                                   "sources." + name_ + ".comment_subreddits");
    }
    if (user_agent_.find(':') == std::string::npos) {
        return fail(ConnectorErrc::kPermanent,
                    "Reddit requires a unique User-Agent like "
                    "\"linux:org.example.carelisten:v1.0 (by /u/account)\"; check sources." +
                        name_ + ".user_agent");
    }
    auto fetch = std::make_shared<Fetch>();
    if (cursor) {
        auto decoded = DecodeCursor(*cursor);
        if (!decoded) {
            return fail(ConnectorErrc::kPermanent, "the stored cursor of source " + name_ + " is unreadable");
        }
        fetch->states = std::move(*decoded);
    }
    if (!bucket_configured_) {
        context_.http->Limits().Configure(rate_limit_key_, {.rate_per_minute = requests_per_minute_, .burst = 5.0});
        bucket_configured_ = true;
    }
    fetch->max_items = std::max<std::size_t>(max_items, 1);
    fetch->done = std::move(done);
    WithToken(fetch, [this, fetch] { StartStream(fetch); });
}

void RedditConnector::WithToken(std::shared_ptr<Fetch> fetch, std::function<void()> next) {
    if (!access_token_.Empty() && std::chrono::system_clock::now() + kTokenMargin < token_expires_at_) {
        return next();
    }
    if (client_id_.empty() || !client_secret_.Configured()) {
        return Fail(fetch, ConnectorErrc::kAuthBroken, "no client credentials configured; set " + SecretSetting());
    }
    Secret secret;
    try {
        secret = client_secret_.Read();  // read when needed: a rotated file takes effect at the next token
    } catch (const std::runtime_error&) {
        return Fail(fetch, ConnectorErrc::kAuthBroken,
                    "cannot read the client secret (" + client_secret_.Describe() + "); check " + SecretSetting());
    }
    http::Request request;
    request.method = "POST";
    request.url = auth_base_url_ + "/api/v1/access_token";
    request.headers.emplace_back("Authorization", "Basic " + Base64(client_id_ + ":" + secret.Reveal()));
    request.headers.emplace_back("User-Agent", user_agent_);
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    request.body = "grant_type=client_credentials";
    request.rate_limit_key = rate_limit_key_;
    const std::string host = HostPortOf(auth_base_url_);
    context_.http->Submit(std::move(request), [this, fetch, next = std::move(next), host](http::Outcome outcome) {
        if (!outcome.response) {
            return Fail(fetch, outcome.error.code, "access token from " + host + ": " + outcome.error.detail);
        }
        const auto& response = *outcome.response;
        const auto now = std::chrono::system_clock::now();
        const std::string what = "HTTP " + std::to_string(response.status) + " from " + host + " (access token)";
        if (response.status == 429) {
            const auto limits = http::ParseRateLimitHeaders(response.headers, now);
            const auto retry_at = limits.BlockedUntil().value_or(now + kDefaultRateLimitWait);
            context_.http->Limits().BlockUntil(rate_limit_key_, retry_at);
            return Fail(fetch, ConnectorErrc::kRateLimited, what + ": rate limited", retry_at);
        }
        if (response.status >= 500 || response.status == 408) {
            return Fail(fetch, ConnectorErrc::kRetryLater, what);
        }
        auto parsed = ParseTokenResponse(response.body);
        const auto* token = std::get_if<TokenResponse>(&parsed);
        if (response.status >= 400 || token == nullptr || token->access_token.empty()) {
            const std::string why = token != nullptr && !token->error.empty() ? " (" + token->error + ")" : "";
            return Fail(fetch, ConnectorErrc::kAuthBroken,
                        what + why + ": Reddit refused the client credentials; check " + SecretSetting());
        }
        access_token_ = Secret(token->access_token);
        token_expires_at_ =
            now + (token->expires_in > 0 ? std::chrono::seconds(token->expires_in) : kDefaultTokenLifetime);
        next();
    });
}

void RedditConnector::StartStream(std::shared_ptr<Fetch> fetch) {
    // Commit the items of finished streams as they are: each stream's state covers exactly what it added.
    if (fetch->stream_index >= streams_.size() ||
        fetch->batch.items.size() + fetch->batch.bad_records.size() >= fetch->max_items) {
        fetch->batch.has_more = fetch->batch.has_more || fetch->stream_index < streams_.size();
        fetch->batch.next_cursor = EncodeCursor(fetch->states);
        return fetch->done(FetchResult(std::move(fetch->batch)));
    }
    const auto& stream = streams_[fetch->stream_index];
    const auto found = fetch->states.find(stream.key);
    fetch->working = found == fetch->states.end() ? StreamState{} : found->second;
    fetch->newest_mode = fetch->working.before.empty();
    fetch->first_poll = fetch->working.seen.empty();
    fetch->page_param = fetch->newest_mode ? std::string{} : "before=" + fetch->working.before;
    fetch->stream_pages = 0;
    fetch->stream_newest.clear();
    fetch->stream_items.clear();
    fetch->stream_bad.clear();
    RequestPage(std::move(fetch));
}

void RedditConnector::RequestPage(std::shared_ptr<Fetch> fetch) {
    const auto& stream = streams_[fetch->stream_index];
    // Paging towards newer items may stop anywhere, and a first poll backfills nothing, so there a page
    // never holds more than the budget left. Catching up backwards must not stop half-way: full pages.
    std::size_t limit = static_cast<std::size_t>(page_size_);
    if (!fetch->newest_mode || fetch->first_poll) {
        const std::size_t taken = fetch->batch.items.size() + fetch->batch.bad_records.size() +
                                  fetch->stream_items.size() + fetch->stream_bad.size();
        limit = std::clamp<std::size_t>(fetch->max_items - std::min(taken, fetch->max_items), 1, limit);
    }
    http::Request request;
    request.url = oauth_base_url_ + stream.path + (stream.path.find('?') == std::string::npos ? "?" : "&") +
                  "limit=" + std::to_string(limit) + (fetch->page_param.empty() ? "" : "&" + fetch->page_param);
    request.headers.emplace_back("Authorization", "bearer " + access_token_.Reveal());
    request.headers.emplace_back("User-Agent", user_agent_);
    request.rate_limit_key = rate_limit_key_;
    const std::string host = HostPortOf(oauth_base_url_);

    context_.http->Submit(std::move(request), [this, fetch, host](http::Outcome outcome) {
        const auto& current = streams_[fetch->stream_index];
        const std::string where = current.key + " page " + std::to_string(fetch->stream_pages + 1) + " from " + host;
        if (!outcome.response) {
            return Fail(fetch, outcome.error.code, where + ": " + outcome.error.detail);
        }
        const auto& response = *outcome.response;
        const auto now = std::chrono::system_clock::now();
        const auto limits = http::ParseRateLimitHeaders(response.headers, now);
        if (const auto blocked = limits.BlockedUntil()) {
            context_.http->Limits().BlockUntil(rate_limit_key_, *blocked);
        }
        if (response.status < 200 || response.status > 299) {
            const std::string what = "HTTP " + std::to_string(response.status) + " for " + where;
            if (response.status == 401 && !fetch->refreshed_token) {
                // The token expired early or was revoked: get a new one once, then repeat this request.
                fetch->refreshed_token = true;
                access_token_ = Secret();
                return WithToken(fetch, [this, fetch] { RequestPage(fetch); });
            }
            if (response.status == 429) {
                const auto retry_at = limits.BlockedUntil().value_or(now + kDefaultRateLimitWait);
                context_.http->Limits().BlockUntil(rate_limit_key_, retry_at);
                return Fail(fetch, ConnectorErrc::kRateLimited, what + ": rate limited", retry_at);
            }
            if (response.status == 401) {
                return Fail(fetch, ConnectorErrc::kAuthBroken,
                            what + ": a fresh access token was refused; check " + SecretSetting());
            }
            if (response.status == 403) {
                const auto reason = ForbiddenReason(response.body);
                if (!reason.empty()) {  // private, quarantined, banned: this subreddit cannot be read
                    return Fail(fetch, ConnectorErrc::kPermanent,
                                what + ": the subreddit is " + reason + "; remove it from sources." + name_);
                }
                return Fail(fetch, ConnectorErrc::kAuthBroken,
                            what + ": forbidden; check " + SecretSetting() + " and sources." + name_ + ".user_agent");
            }
            if (response.status == 404) {
                return Fail(fetch, ConnectorErrc::kPermanent,
                            what + ": no such subreddit; check sources." + name_ + " subreddits");
            }
            if (auto classified = http::ClassifyResponse(response, now)) {
                return Fail(fetch, classified->code, what, classified->retry_at);
            }
            return Fail(fetch, ConnectorErrc::kRetryLater, what);
        }

        auto parsed = ParseListing(response.body, name_, current.key + "@" + fetch->page_param);
        if (auto* error = std::get_if<WireError>(&parsed)) {
            return Fail(fetch, ConnectorErrc::kMalformed, where + " is unreadable: " + error->reason);
        }
        auto& page = std::get<ListingPage>(parsed);
        ++fetch->stream_pages;
        auto& working = fetch->working;

        // Did this page reach what we have already read? (checked before remembering the page)
        const bool overlap = std::any_of(page.fullnames.begin(), page.fullnames.end(),
                                         [&](const std::string& fullname) { return working.Seen(fullname); });
        // The next anchor is the newest fullname met: the first page's first when reading backwards from the
        // newest, each page's first when paging towards newer items.
        if (!page.fullnames.empty() && (!fetch->newest_mode || fetch->stream_pages == 1)) {
            fetch->stream_newest = page.fullnames.front();
        }

        // New items of this page, oldest first. Pages read backwards (newest mode) go before what was read.
        std::vector<RawItem> fresh;
        for (auto it = page.items.rbegin(); it != page.items.rend(); ++it) {
            if (!working.Seen(it->external_id)) {
                fresh.push_back(std::move(*it));
            }
        }
        std::vector<BadRecord> fresh_bad;
        for (auto& bad : page.bad_records) {
            if (!working.Seen(bad.locator)) {
                fresh_bad.push_back(std::move(bad));
            }
        }
        if (fetch->newest_mode) {
            fresh.insert(fresh.end(), std::make_move_iterator(fetch->stream_items.begin()),
                         std::make_move_iterator(fetch->stream_items.end()));
            fetch->stream_items = std::move(fresh);
        } else {
            std::move(fresh.begin(), fresh.end(), std::back_inserter(fetch->stream_items));
        }
        std::move(fresh_bad.begin(), fresh_bad.end(), std::back_inserter(fetch->stream_bad));
        for (auto it = page.fullnames.rbegin(); it != page.fullnames.rend(); ++it) {
            working.Remember(*it, seen_bound_);
        }

        const std::size_t taken = fetch->batch.items.size() + fetch->batch.bad_records.size() +
                                  fetch->stream_items.size() + fetch->stream_bad.size();
        bool more = false;
        if (fetch->newest_mode) {
            // Walk back until we meet something already read. A first poll (nothing seen yet) reads only
            // the newest page: no backfill of old history.
            more = !overlap && !fetch->first_poll && !page.after.empty() && !page.fullnames.empty() &&
                   fetch->stream_pages < catchup_pages_;
            if (more) {
                fetch->page_param = "after=" + page.after;
            }
        } else if (page.fullnames.empty()) {
            // An empty page after `before`: nothing new, or the anchor was deleted (Reddit then answers
            // empty pages forever). Drop the anchor: the next poll reads the newest page and the seen set
            // tells what is new.
            if (fetch->stream_pages == 1) {
                working.before.clear();
            }
        } else {
            more = !page.before.empty() && taken < fetch->max_items;
            if (more) {
                fetch->page_param = "before=" + fetch->stream_newest;
            } else if (!page.before.empty()) {
                fetch->batch.has_more = true;
            }
        }
        if (more) {
            return RequestPage(fetch);
        }

        // The stream is done: its items and state go into the batch together.
        if (!fetch->stream_newest.empty()) {
            working.before = fetch->stream_newest;
        }
        std::move(fetch->stream_items.begin(), fetch->stream_items.end(), std::back_inserter(fetch->batch.items));
        std::move(fetch->stream_bad.begin(), fetch->stream_bad.end(), std::back_inserter(fetch->batch.bad_records));
        fetch->states[current.key] = std::move(working);
        fetch->working = StreamState{};
        ++fetch->stream_index;
        StartStream(fetch);
    });
}

Result<void> RedditConnector::Acknowledge(const Batch& /*batch*/) {
    return outcome::success();  // Reddit has nothing to acknowledge: the committed cursor is the whole state
}

std::variant<RawItem, BadRecord> RedditConnector::ParseRecord(std::string_view raw, std::string_view locator) const {
    return ParseQuarantinedRecord(raw, name_, locator);
}

}  // namespace carelisten::connectors::reddit
