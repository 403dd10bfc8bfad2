#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <common/log.hpp>
#include <connectors/errc.hpp>
#include <connectors/http/client.hpp>
#include <connectors/wire_util.hpp>
#include <connectors/x/x_connector.hpp>
#include <connectors/x/x_wire.hpp>
#include <memory>
#include <stdexcept>

namespace carelisten::connectors::x {
namespace {

constexpr std::string_view kLogModule = "x";
constexpr std::string_view kSearchPath = "/2/tweets/search/recent";
// note_tweet: posts over 280 characters come whole only there. edit_history_tweet_ids is a default field.
constexpr std::string_view kTweetFields =
    "created_at,author_id,conversation_id,lang,referenced_tweets,in_reply_to_user_id,note_tweet,"
    "edit_history_tweet_ids";
// X's search pages hold at least 10 posts: below that, the next page waits for the next fetch.
constexpr std::size_t kMinPageSize = 10;
// When a 429 says nothing about when to come back: X's windows are 15 minutes.
constexpr auto kDefaultRateLimitWait = std::chrono::minutes(15);

const std::array kSettingSpecs = {
    SettingSpec{.key = "base_url",
                .type = SettingType::kString,
                .default_value = std::string{"https://api.x.com"},
                .description = "X API root (tests and the demo point it at a fake upstream).",
                .reloadable = false},
    SettingSpec{.key = "query",
                .type = SettingType::kStringList,
                .default_value = std::monostate{},
                .description = "Watch terms (hospital names, @handles, #hashtags, physicians' names), joined with OR.",
                .reloadable = false},
    SettingSpec{.key = "query_suffix",
                .type = SettingType::kString,
                .default_value = std::string{"-is:retweet"},
                .description = "Operators appended to the OR of the watch terms, e.g. \"-is:retweet lang:en\".",
                .reloadable = false},
    SettingSpec{.key = "max_query_length",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{512},
                .description = "The plan's query length limit (512 on self-serve tiers, 4096 on Pro).",
                .reloadable = false,
                .min = 16,
                .max = 4096},
    SettingSpec{.key = "page_size",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{100},
                .description = "max_results per request.",
                .reloadable = false,
                .min = 10,
                .max = 100},
    SettingSpec{.key = "bearer_token_file",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "File holding the App-only Bearer token (first line).",
                .reloadable = false},
    SettingSpec{.key = "bearer_token_credential",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "systemd credential name holding the Bearer token (instead of bearer_token_file).",
                .reloadable = false},
    SettingSpec{.key = "requests_per_minute",
                .type = SettingType::kDouble,
                .default_value = 3.0,
                .description = "Client-side limit for this token, below the plan's (Basic: 60 searches / 15 min).",
                .reloadable = false,
                .min = 0.01,
                .max = 600.0},
};

std::unique_ptr<Connector> Create(std::string name, const Settings& settings, const ConnectorContext& context) {
    return std::make_unique<XConnector>(std::move(name), settings, context);
}

const ConnectorFactory kFactory{
    .type = "x_recent_search",
    .description = "posts on X matching the watch terms (API v2 recent search, App-only Bearer token)",
    .settings = SettingsTable{.name = "x_recent_search", .specs = kSettingSpecs},
    .create = &Create,
};

std::string TrimSlash(std::string url) {
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    return url;
}

bool Mentions(const std::vector<std::string>& parameters, std::string_view name) {
    return std::find(parameters.begin(), parameters.end(), name) != parameters.end();
}

}  // namespace

const ConnectorFactory& Factory() {
    return kFactory;
}

std::string EncodeCursor(const Checkpoint& checkpoint) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    if (!checkpoint.since_id.empty()) {
        writer.Key("since_id");
        writer.String(checkpoint.since_id.c_str());
    }
    if (!checkpoint.next_token.empty()) {
        writer.Key("next_token");
        writer.String(checkpoint.next_token.data(), static_cast<rapidjson::SizeType>(checkpoint.next_token.size()));
        writer.Key("newest_id");
        writer.String(checkpoint.newest_id.c_str());
    }
    writer.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

std::optional<Checkpoint> DecodeCursor(std::string_view cursor) {
    rapidjson::Document document;
    document.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(cursor.data(),
                                                                                           cursor.size());
    if (document.HasParseError() || !document.IsObject()) {
        return std::nullopt;
    }
    Checkpoint checkpoint;
    for (const auto& [key, field] :
         {std::pair{"since_id", &checkpoint.since_id}, std::pair{"next_token", &checkpoint.next_token},
          std::pair{"newest_id", &checkpoint.newest_id}}) {
        const auto it = document.FindMember(key);
        if (it == document.MemberEnd()) {
            continue;
        }
        if (!it->value.IsString()) {
            return std::nullopt;
        }
        field->assign(it->value.GetString(), it->value.GetStringLength());
    }
    if (!checkpoint.next_token.empty() && checkpoint.newest_id.empty()) {
        return std::nullopt;
    }
    return checkpoint;
}

// The state of one FetchAsync, shared by its completions.
struct XConnector::Fetch {
    Checkpoint start;        // the committed cursor this fetch started from
    std::string next_token;  // of the page to request now (empty: the first page)
    std::string newest_id;   // the first page's meta.newest_id (carried over from a pending cursor)
    std::size_t max_items = 0;
    std::size_t pages = 0;
    std::size_t partial_errors = 0;
    Secret token;
    Batch batch;
    FetchCallback done;
};

XConnector::XConnector(std::string name, const Settings& settings, const ConnectorContext& context)
    : name_(std::move(name)),
      context_(context),
      base_url_(TrimSlash(settings.GetString("base_url"))),
      host_(HostPortOf(base_url_)),
      query_(BuildQuery(settings.GetStringList("query"), settings.GetString("query_suffix"))),
      max_query_length_(static_cast<std::size_t>(settings.GetInt("max_query_length"))),
      page_size_(static_cast<int>(settings.GetInt("page_size"))),
      requests_per_minute_(settings.GetDouble("requests_per_minute")),
      bearer_{settings.GetString("bearer_token_file"), settings.GetString("bearer_token_credential")},
      // One bucket per token: two sources sharing a token share X's per-app limit.
      rate_limit_key_("x:" + (bearer_.file.empty() ? "credential:" + bearer_.credential : bearer_.file)) {}

std::string XConnector::SecretSetting() const {
    return "sources." + name_ +
           (bearer_.file.empty() && !bearer_.credential.empty() ? ".bearer_token_credential" : ".bearer_token_file");
}

void XConnector::FetchAsync(const std::optional<std::string>& cursor, std::size_t max_items, FetchCallback done) {
    auto fail = [&](std::error_code code, std::string detail) {
        done(FetchResult(FetchError{code, std::move(detail), std::nullopt}));
    };
    if (context_.http == nullptr) {
        return fail(ConnectorErrc::kPermanent, "source " + name_ + " was built without the HTTP runtime");
    }
    if (query_.empty() || query_.size() > max_query_length_) {
        return fail(ConnectorErrc::kPermanent, "the search query of " + std::to_string(query_.size()) +
                                                   " characters is empty or longer than max_query_length; check "
                                                   "sources." +
                                                   name_ + ".query");
    }
    auto fetch = std::make_shared<Fetch>();
    if (cursor) {
        auto decoded = DecodeCursor(*cursor);
        if (!decoded) {
            return fail(ConnectorErrc::kPermanent, "the stored cursor of source " + name_ + " is unreadable");
        }
        fetch->start = *decoded;
    }
    if (!bearer_.Configured()) {
        return fail(ConnectorErrc::kAuthBroken, "no Bearer token configured; set " + SecretSetting());
    }
    try {
        fetch->token = bearer_.Read();  // read at every fetch: a rotated file takes effect at once
    } catch (const std::runtime_error&) {
        return fail(ConnectorErrc::kAuthBroken,
                    "cannot read the Bearer token (" + bearer_.Describe() + "); check " + SecretSetting());
    }
    if (fetch->token.Empty()) {
        return fail(ConnectorErrc::kAuthBroken, "the Bearer token is empty; check " + SecretSetting());
    }
    if (!bucket_configured_) {
        context_.http->Limits().Configure(rate_limit_key_, {.rate_per_minute = requests_per_minute_, .burst = 2.0});
        bucket_configured_ = true;
    }
    fetch->next_token = fetch->start.next_token;
    fetch->newest_id = fetch->start.newest_id;
    fetch->max_items = std::max<std::size_t>(max_items, 1);
    fetch->done = std::move(done);
    RequestPage(std::move(fetch));
}

void XConnector::RequestPage(std::shared_ptr<Fetch> fetch) {
    const std::size_t room = fetch->max_items - std::min(fetch->max_items, fetch->batch.items.size());
    const auto max_results = std::clamp<std::size_t>(room, kMinPageSize, static_cast<std::size_t>(page_size_));
    http::Request request;
    request.url = base_url_ + std::string(kSearchPath) + "?query=" + PercentEncode(query_) +
                  "&max_results=" + std::to_string(max_results) + "&tweet.fields=" + PercentEncode(kTweetFields) +
                  "&expansions=author_id&user.fields=username";
    if (!fetch->start.since_id.empty()) {
        request.url += "&since_id=" + fetch->start.since_id;
    }
    if (!fetch->next_token.empty()) {
        request.url += "&next_token=" + PercentEncode(fetch->next_token);
    }
    request.headers.emplace_back("Authorization", "Bearer " + fetch->token.Reveal());
    request.rate_limit_key = rate_limit_key_;

    context_.http->Submit(std::move(request), [this, fetch](http::Outcome outcome) {
        auto finish = [&](FetchResult result) { fetch->done(std::move(result)); };
        auto fail = [&](std::error_code code, std::string detail,
                        std::optional<std::chrono::system_clock::time_point> retry_at = std::nullopt) {
            // Not logged here: the ingest loop logs failures with their class, rate-limited (1st, 2nd, 4th ...).
            finish(FetchResult(FetchError{code, std::move(detail), retry_at}));
        };
        ++fetch->pages;
        if (!outcome.response) {
            return fail(outcome.error.code,
                        "page " + std::to_string(fetch->pages) + " from " + host_ + ": " + outcome.error.detail);
        }
        const auto& response = *outcome.response;
        const auto now = std::chrono::system_clock::now();
        const auto limits = http::ParseRateLimitHeaders(response.headers, now);
        if (const auto blocked = limits.BlockedUntil()) {
            context_.http->Limits().BlockUntil(rate_limit_key_, *blocked);
        }

        if (response.status < 200 || response.status > 299) {
            const auto problem = ParseApiProblem(response.body);
            const std::string what = "HTTP " + std::to_string(response.status) + " from " + host_ +
                                     (problem.title.empty() ? std::string{} : " (" + problem.title + ")");
            if (response.status == 400 && !fetch->start.since_id.empty() &&
                Mentions(problem.bad_parameters, "since_id")) {
                // since_id older than the 7-day window of recent search: everything after it that X still
                // has is in the window, so restart from the window's start (the store drops repeats).
                log::Warning(kLogModule, "source ", name_,
                             ": since_id is outside the recent-search window; "
                             "restarting from the last 7 days");
                fetch->batch.next_cursor = EncodeCursor({});
                fetch->batch.has_more = true;
                return finish(FetchResult(std::move(fetch->batch)));
            }
            if (response.status == 400 && !fetch->next_token.empty() &&
                Mentions(problem.bad_parameters, "next_token")) {
                // A pending next_token X no longer accepts: page again from the committed since_id.
                log::Warning(kLogModule, "source ", name_, ": next_token refused; paging again from since_id");
                fetch->batch.next_cursor = EncodeCursor({.since_id = fetch->start.since_id});
                fetch->batch.has_more = true;
                return finish(FetchResult(std::move(fetch->batch)));
            }
            if (response.status == 429) {
                const auto retry_at = limits.retry_after ? limits.retry_after
                                      : limits.reset_at  ? limits.reset_at
                                                         : std::optional(now + kDefaultRateLimitWait);
                context_.http->Limits().BlockUntil(rate_limit_key_, *retry_at);
                return fail(ConnectorErrc::kRateLimited, what + ": rate limited", retry_at);
            }
            if (response.status == 401 || response.status == 403) {
                return fail(ConnectorErrc::kAuthBroken,
                            what + ": the Bearer token was refused or the app lacks access to recent search; check " +
                                SecretSetting());
            }
            if (auto classified = http::ClassifyResponse(response, now)) {
                return fail(classified->code, what, classified->retry_at);
            }
            return fail(ConnectorErrc::kRetryLater, what);
        }

        auto parsed = ParseSearchPage(response.body, name_,
                                      "since_id=" + fetch->start.since_id + ",page=" + std::to_string(fetch->pages));
        if (auto* error = std::get_if<WireError>(&parsed)) {
            return fail(ConnectorErrc::kMalformed,
                        "page " + std::to_string(fetch->pages) + " from " + host_ + " is unreadable: " + error->reason);
        }
        auto& page = std::get<SearchPage>(parsed);
        if (fetch->newest_id.empty()) {
            fetch->newest_id = page.newest_id;  // the first page's: where since_id goes once all pages are read
        }
        fetch->partial_errors += page.partial_errors;
        std::move(page.items.begin(), page.items.end(), std::back_inserter(fetch->batch.items));
        std::move(page.bad_records.begin(), page.bad_records.end(), std::back_inserter(fetch->batch.bad_records));

        if (!page.next_token.empty()) {
            const std::size_t taken = fetch->batch.items.size() + fetch->batch.bad_records.size();
            if (taken + kMinPageSize <= fetch->max_items) {
                fetch->next_token = page.next_token;
                return RequestPage(fetch);
            }
            // Out of budget mid-pagination: keep since_id, remember where to continue and where to end.
            fetch->batch.next_cursor = EncodeCursor(
                {.since_id = fetch->start.since_id, .next_token = page.next_token, .newest_id = fetch->newest_id});
            fetch->batch.has_more = true;
        } else {
            // Pagination exhausted: only now may since_id move, to the first page's newest_id.
            Checkpoint next{.since_id = fetch->start.since_id};
            if (!fetch->newest_id.empty() && (next.since_id.empty() || IdGreater(fetch->newest_id, next.since_id))) {
                next.since_id = fetch->newest_id;
            }
            if (!(next == fetch->start)) {
                fetch->batch.next_cursor = EncodeCursor(next);
            }
        }
        if (fetch->partial_errors > 0) {
            log::Debug(kLogModule, "source ", name_, ": ", fetch->partial_errors,
                       " partial errors (deleted or protected referenced posts) ignored");
        }
        finish(FetchResult(std::move(fetch->batch)));
    });
}

Result<void> XConnector::Acknowledge(const Batch& /*batch*/) {
    return outcome::success();  // X has nothing to acknowledge: the committed cursor is the whole state
}

std::variant<RawItem, BadRecord> XConnector::ParseRecord(std::string_view raw, std::string_view locator) const {
    return ParseQuarantinedRecord(raw, name_, locator);
}

}  // namespace carelisten::connectors::x
