#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <common/log.hpp>
#include <connectors/errc.hpp>
#include <connectors/facebook_page/facebook_page_connector.hpp>
#include <connectors/facebook_page/facebook_page_wire.hpp>
#include <connectors/http/client.hpp>
#include <connectors/wire_util.hpp>
#include <cstdio>
#include <deque>
#include <memory>
#include <set>

namespace carelisten::connectors::facebook_page {
namespace {

using std::chrono::system_clock;

constexpr std::string_view kLogModule = "facebook_page";

const std::array kSettingSpecs = {
    SettingSpec{.key = "base_url",
                .type = SettingType::kString,
                .default_value = std::string{"https://graph.facebook.com"},
                .description = "The Graph API host (tests and the demo point it at a fake)."},
    SettingSpec{.key = "api_version",
                .type = SettingType::kString,
                .default_value = std::string{"v22.0"},
                .description = "Graph API version in the path, e.g. v22.0."},
    SettingSpec{.key = "page_id",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "The numeric id of the hospital's Facebook Page."},
    SettingSpec{.key = "page_token_file",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "File holding a Page access token (pages_read_engagement, pages_read_user_content)."},
    SettingSpec{.key = "page_token_credential",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "systemd credential holding the Page access token."},
    SettingSpec{.key = "page_size",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{25},
                .description = "Posts per feed request.",
                .min = 1,
                .max = 100},
    SettingSpec{.key = "comments_per_post",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{50},
                .description = "Comments expanded per post per request (more are paged); 0 reads posts only.",
                .min = 0,
                .max = 100},
    SettingSpec{.key = "lookback_hours",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{72},
                .description = "Posts this much older than the checkpoint are re-read for new comments.",
                .min = 0,
                .max = 24 * 60},
    SettingSpec{.key = "max_pages",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{20},
                .description = "Feed pages (and comment pages per post) read per fetch; bounds the first backfill.",
                .min = 1,
                .max = 1000},
    SettingSpec{.key = "include_own_posts",
                .type = SettingType::kBool,
                .default_value = false,
                .description = "Also store posts and comments written by the Page itself (the hospital's voice)."},
    SettingSpec{.key = "requests_per_minute",
                .type = SettingType::kDouble,
                .default_value = 60.0,
                .description = "Client-side limit per Page token, well inside Graph's Page rate limits.",
                .min = 1.0,
                .max = 600.0},
};

std::unique_ptr<Connector> Create(std::string name, const Settings& settings, const ConnectorContext& context) {
    return std::make_unique<FacebookPageConnector>(std::move(name), settings, context);
}

const ConnectorFactory kFactory{
    .type = "facebook_page",
    .description = "posts and comments on the hospital's Facebook Page (Graph API; no ratings on current versions)",
    .settings = SettingsTable{.name = "facebook_page", .specs = kSettingSpecs},
    .create = &Create,
};

std::string FormatTime(Timestamp time) {
    const auto micros = std::chrono::time_point_cast<std::chrono::microseconds>(time);
    const auto days = std::chrono::floor<std::chrono::days>(micros);
    const std::chrono::year_month_day date{days};
    const std::chrono::hh_mm_ss clock{micros - days};
    char text[40];
    std::snprintf(text, sizeof(text), "%04d-%02u-%02uT%02ld:%02ld:%02ld.%06ldZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<long>(clock.hours().count()), static_cast<long>(clock.minutes().count()),
                  static_cast<long>(clock.seconds().count()), static_cast<long>(clock.subseconds().count()));
    return text;
}

bool IsThrottlingCode(std::int64_t code) {
    // 4 app, 17 user, 32 page, 613 custom; 80001..80014 Business Use Case limits.
    return code == 4 || code == 17 || code == 32 || code == 613 || (code >= 80000 && code <= 80099);
}

}  // namespace

const ConnectorFactory& Factory() {
    return kFactory;
}

std::string EncodeCursor(const Checkpoint& checkpoint) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("t");
    writer.String(checkpoint.created_time.data(), static_cast<rapidjson::SizeType>(checkpoint.created_time.size()));
    writer.Key("ids");
    writer.StartArray();
    for (const auto& id : checkpoint.ids) {
        writer.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
    }
    writer.EndArray();
    writer.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

std::optional<Checkpoint> DecodeCursor(std::string_view text) {
    rapidjson::Document document;
    document.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
    if (document.HasParseError() || !document.IsObject()) {
        return std::nullopt;
    }
    const auto time = document.FindMember("t");
    const auto ids = document.FindMember("ids");
    if (time == document.MemberEnd() || !time->value.IsString() || !ParseRfc3339(time->value.GetString()) ||
        ids == document.MemberEnd() || !ids->value.IsArray()) {
        return std::nullopt;
    }
    Checkpoint checkpoint{time->value.GetString(), {}};
    for (const auto& id : ids->value.GetArray()) {
        if (!id.IsString()) {
            return std::nullopt;
        }
        checkpoint.ids.emplace_back(id.GetString(), id.GetStringLength());
    }
    return checkpoint;
}

// One FetchAsync: feed pages newest first down to (checkpoint - lookback), then the extra comment pages of
// posts whose newest comments were all new, then every entry newer than the checkpoint sorted oldest
// first, cut to the item budget; the checkpoint moves to the newest entry in the batch. Any failing
// request fails the whole fetch: nothing is consumed.
struct FacebookPageConnector::Operation : std::enable_shared_from_this<Operation> {
    FacebookPageConnector* self = nullptr;
    std::optional<Timestamp> checkpoint_time;
    std::set<std::string, std::less<>> checkpoint_ids;
    std::optional<Timestamp> since;
    std::size_t max_items = 0;
    FetchCallback done;
    Secret token;
    std::vector<FeedEntry> collected;
    std::int64_t feed_pages = 0;
    struct CommentsPaging {
        std::string post_id;
        std::string url;
        std::optional<Timestamp> post_time;
        std::int64_t pages = 0;
    };
    std::deque<CommentsPaging> comment_queue;

    void Fail(ConnectorErrc code, std::string detail, std::optional<system_clock::time_point> retry_at = {}) {
        Fail(FetchError{make_error_code(code), std::move(detail), retry_at});
    }
    void Fail(FetchError error) {
        auto callback = std::move(done);
        callback(FetchResult(std::move(error)));
    }

    std::string FeedUrl() const {
        std::string fields = "id,message,created_time,permalink_url,from";
        if (self->comments_per_post_ > 0) {
            fields += ",comments.limit(" + std::to_string(self->comments_per_post_) +
                      ").filter(stream).order(reverse_chronological){id,message,created_time,permalink_url,from,"
                      "parent{id}}";
        }
        std::string url = self->base_url_ + "/" + self->api_version_ + "/" + self->page_id_ +
                          "/feed?fields=" + PercentEncode(fields) + "&limit=" + std::to_string(self->page_size_);
        if (since) {
            url += "&since=" +
                   std::to_string(std::chrono::duration_cast<std::chrono::seconds>(since->time_since_epoch()).count());
        }
        return url;
    }

    void Get(std::string url, std::function<void(const http::Response&)> on_success) {
        // Only ever send the Page token to the configured Graph host (paging URLs come from the body).
        if (!url.starts_with(self->base_url_ + "/")) {
            Fail(ConnectorErrc::kMalformed, HostPortOf(self->base_url_) + ": a paging URL points outside base_url");
            return;
        }
        http::Request request;
        request.url = std::move(url);
        request.headers = {{"Authorization", "Bearer " + token.Reveal()}, {"Accept", "application/json"}};
        request.rate_limit_key = self->rate_limit_key_;
        self->context_.http->Submit(
            std::move(request), [op = shared_from_this(), on_success = std::move(on_success)](http::Outcome outcome) {
                if (!outcome.response) {
                    op->Fail(FetchError{outcome.error.code,
                                        HostPortOf(op->self->base_url_) + ": " + outcome.error.detail, std::nullopt});
                    return;
                }
                op->NoteUsage(*outcome.response);
                if (outcome.response->status < 200 || outcome.response->status > 299) {
                    op->OnErrorStatus(*outcome.response);
                    return;
                }
                on_success(*outcome.response);
            });
    }

    // Graph announces throttling before it refuses: at 100% usage, wait as long as it says.
    void NoteUsage(const http::Response& response) {
        std::int64_t minutes = 0;
        for (const auto* name : {"x-app-usage", "x-page-usage", "x-business-use-case-usage"}) {
            if (const auto* value = response.Header(name)) {
                if (const auto usage = ParseUsageHeader(*value); usage && usage->max_percent >= 100) {
                    minutes = std::max<std::int64_t>(minutes, std::max<std::int64_t>(usage->regain_access_minutes, 1));
                }
            }
        }
        if (minutes > 0) {
            self->context_.http->Limits().BlockUntil(self->rate_limit_key_,
                                                     system_clock::now() + std::chrono::minutes(minutes));
        }
    }

    void OnErrorStatus(const http::Response& response) {
        const auto now = system_clock::now();
        const std::string host = HostPortOf(self->base_url_);
        const auto error = ParseGraphError(response.body);
        const std::string what = "HTTP " + std::to_string(response.status) + " from " + host +
                                 (error ? " (Graph error " + std::to_string(error->code) + ")" : std::string{});
        if (error && error->code == 190) {
            Fail(ConnectorErrc::kAuthBroken, what +
                                                 ": the Page access token expired or was invalidated; put a new "
                                                 "long-lived Page token in sources." +
                                                 self->name_ + ".page_token_file");
            return;
        }
        if ((error && IsThrottlingCode(error->code)) || response.status == 429) {
            std::int64_t minutes = 0;
            for (const auto* name : {"x-business-use-case-usage", "x-app-usage", "x-page-usage"}) {
                if (const auto* value = response.Header(name)) {
                    if (const auto usage = ParseUsageHeader(*value)) {
                        minutes = std::max(minutes, usage->regain_access_minutes);
                    }
                }
            }
            const auto limits = http::ParseRateLimitHeaders(response.headers, now);
            auto until = minutes > 0 ? now + std::chrono::minutes(minutes)
                                     : limits.BlockedUntil().value_or(now + std::chrono::minutes(5));
            self->context_.http->Limits().BlockUntil(self->rate_limit_key_, until);
            Fail(ConnectorErrc::kRateLimited, what + ": Graph rate limit reached; waiting", until);
            return;
        }
        if (error && (error->code == 10 || (error->code >= 200 && error->code <= 299))) {
            Fail(ConnectorErrc::kAuthBroken, what +
                                                 ": the Page token lacks a permission (pages_read_engagement, "
                                                 "pages_read_user_content); check sources." +
                                                 self->name_ + ".page_token_file");
            return;
        }
        if (error && error->code == 100) {
            Fail(ConnectorErrc::kPermanent,
                 what + ": invalid request; check sources." + self->name_ + ".page_id and api_version");
            return;
        }
        if (error && (error->code == 1 || error->code == 2)) {
            Fail(ConnectorErrc::kRetryLater, what + ": temporary Graph error");
            return;
        }
        if (auto problem = http::ClassifyResponse(response, now)) {
            Fail(FetchError{problem->code, problem->detail, problem->retry_at});
            return;
        }
        Fail(ConnectorErrc::kRetryLater, what);
    }

    void Start() {
        Get(FeedUrl(), [op = shared_from_this()](const http::Response& r) { op->OnFeedPage(r); });
    }

    bool IsOlderThanSince(const FeedEntry& entry) const {
        return since && entry.created_time && *entry.created_time < *since;
    }

    bool IsStored(const FeedEntry& entry) const {
        if (!checkpoint_time || !entry.created_time) {
            return false;
        }
        return *entry.created_time < *checkpoint_time ||
               (*entry.created_time == *checkpoint_time && checkpoint_ids.contains(entry.id));
    }

    void OnFeedPage(const http::Response& response) {
        auto parsed = ParseFeedPage(response.body, self->name_);
        if (auto* error = std::get_if<std::string>(&parsed)) {
            Fail(ConnectorErrc::kMalformed, HostPortOf(self->base_url_) + ": unreadable feed page: " + *error);
            return;
        }
        auto& page = std::get<FeedPage>(parsed);
        ++feed_pages;
        bool older_than_since = false;
        std::optional<Timestamp> post_time;
        std::string post_id;
        std::optional<Timestamp> oldest_comment;
        for (auto& entry : page.entries) {
            if (!entry.is_comment) {
                QueueComments(post_id, post_time, oldest_comment);
                post_time = entry.created_time;
                post_id = entry.id;
                oldest_comment.reset();
                if (IsOlderThanSince(entry)) {
                    older_than_since = true;
                }
            } else {
                if (!entry.created_time) {
                    entry.created_time = post_time;
                }
                if (entry.created_time && (!oldest_comment || *entry.created_time < *oldest_comment)) {
                    oldest_comment = entry.created_time;
                }
            }
            if (!entry.comments_next.empty()) {
                pending_comments_next = entry.comments_next;
            }
            collected.push_back(std::move(entry));
        }
        QueueComments(post_id, post_time, oldest_comment);
        if (!page.next_url.empty() && !older_than_since && feed_pages < self->max_pages_) {
            Get(page.next_url, [op = shared_from_this()](const http::Response& r) { op->OnFeedPage(r); });
            return;
        }
        if (!page.next_url.empty() && !older_than_since) {
            log::Warning(kLogModule, "source ", self->name_,
                         ": stopped after max_pages feed pages; older posts are "
                         "not read in this fetch");
        }
        NextComments();
    }

    // A post whose expanded comments continue on more pages, and whose oldest expanded comment is still
    // new, gets its remaining comments read page by page.
    std::string pending_comments_next;
    void QueueComments(const std::string& post_id, std::optional<Timestamp> post_time,
                       std::optional<Timestamp> oldest_comment) {
        if (post_id.empty() || pending_comments_next.empty()) {
            pending_comments_next.clear();
            return;
        }
        const bool all_new = !checkpoint_time || !oldest_comment || *oldest_comment >= *checkpoint_time;
        if (all_new) {
            comment_queue.push_back({post_id, pending_comments_next, post_time, 0});
        }
        pending_comments_next.clear();
    }

    void NextComments() {
        if (comment_queue.empty()) {
            Finish();
            return;
        }
        Get(comment_queue.front().url, [op = shared_from_this()](const http::Response& r) { op->OnCommentsPage(r); });
    }

    void OnCommentsPage(const http::Response& response) {
        auto& paging = comment_queue.front();
        auto parsed = ParseCommentsPage(response.body, self->name_, paging.post_id);
        if (auto* error = std::get_if<std::string>(&parsed)) {
            Fail(ConnectorErrc::kMalformed, HostPortOf(self->base_url_) + ": unreadable comments page: " + *error);
            return;
        }
        auto& page = std::get<FeedPage>(parsed);
        ++paging.pages;
        bool reached = false;
        for (auto& entry : page.entries) {
            if (!entry.created_time) {
                entry.created_time = paging.post_time;
            }
            if (checkpoint_time && entry.created_time && *entry.created_time < *checkpoint_time) {
                reached = true;
            }
            collected.push_back(std::move(entry));
        }
        if (!reached && !page.next_url.empty() && paging.pages < self->max_pages_) {
            paging.url = page.next_url;
        } else {
            comment_queue.pop_front();
        }
        NextComments();
    }

    void Finish() {
        std::vector<FeedEntry> fresh;
        std::set<std::string, std::less<>> ids_in_batch;
        for (auto& entry : collected) {
            if (IsStored(entry)) {
                continue;
            }
            if (!self->include_own_posts_ && !entry.author_id.empty() && entry.author_id == self->page_id_) {
                continue;  // the hospital's own voice
            }
            if (!entry.id.empty() && !ids_in_batch.insert(entry.id).second) {
                continue;  // a comment seen both expanded and on its comments page
            }
            fresh.push_back(std::move(entry));
        }
        // Oldest first; entries without any time go first and do not move the checkpoint.
        std::stable_sort(fresh.begin(), fresh.end(), [](const FeedEntry& a, const FeedEntry& b) {
            if (!a.created_time || !b.created_time) {
                return !a.created_time && b.created_time;
            }
            return *a.created_time < *b.created_time;
        });
        Batch batch;
        const std::size_t take = std::min(max_items, fresh.size());
        std::optional<Timestamp> newest = checkpoint_time;
        std::vector<std::string> ids_at_newest(checkpoint_ids.begin(), checkpoint_ids.end());
        for (std::size_t i = 0; i < take; ++i) {
            auto& entry = fresh[i];
            if (entry.created_time) {
                if (!newest || *entry.created_time > *newest) {
                    newest = entry.created_time;
                    ids_at_newest.clear();
                }
                if (*entry.created_time == *newest) {
                    ids_at_newest.push_back(entry.id);
                }
            }
            if (auto* item = std::get_if<RawItem>(&entry.record)) {
                batch.items.push_back(std::move(*item));
            } else {
                batch.bad_records.push_back(std::get<BadRecord>(std::move(entry.record)));
            }
        }
        batch.has_more = take < fresh.size();
        if (newest) {
            batch.next_cursor = EncodeCursor(Checkpoint{FormatTime(*newest), std::move(ids_at_newest)});
        }
        auto callback = std::move(done);
        callback(FetchResult(std::move(batch)));
    }
};

FacebookPageConnector::FacebookPageConnector(std::string name, const Settings& settings,
                                             const ConnectorContext& context)
    : name_(std::move(name)),
      context_(context),
      base_url_(settings.GetString("base_url")),
      api_version_(settings.GetString("api_version")),
      page_id_(settings.GetString("page_id")),
      page_token_{settings.GetString("page_token_file"), settings.GetString("page_token_credential")},
      page_size_(settings.GetInt("page_size")),
      comments_per_post_(settings.GetInt("comments_per_post")),
      lookback_hours_(settings.GetInt("lookback_hours")),
      max_pages_(settings.GetInt("max_pages")),
      include_own_posts_(settings.GetBool("include_own_posts")),
      requests_per_minute_(settings.GetDouble("requests_per_minute")),
      rate_limit_key_("facebook_page:" + name_) {
    while (base_url_.ends_with('/')) {
        base_url_.pop_back();
    }
}

FacebookPageConnector::~FacebookPageConnector() = default;

void FacebookPageConnector::FetchAsync(const std::optional<std::string>& cursor, std::size_t max_items,
                                       FetchCallback done) {
    auto fail = [&](ConnectorErrc code, std::string detail) {
        done(FetchResult(FetchError{make_error_code(code), std::move(detail), std::nullopt}));
    };
    if (context_.http == nullptr) {
        fail(ConnectorErrc::kPermanent, "no HTTP runtime (connector built for re-parsing only)");
        return;
    }
    if (page_id_.empty() || !std::all_of(page_id_.begin(), page_id_.end(),
                                         [](char c) { return std::isalnum(static_cast<unsigned char>(c)); })) {
        fail(ConnectorErrc::kPermanent, "sources." + name_ + ".page_id must be the Page's numeric id");
        return;
    }
    if (!page_token_.Configured()) {
        fail(ConnectorErrc::kAuthBroken, "set sources." + name_ + ".page_token_file (or page_token_credential)");
        return;
    }
    auto operation = std::make_shared<Operation>();
    operation->self = this;
    try {
        operation->token = page_token_.Read();
    } catch (const std::exception& error) {
        fail(ConnectorErrc::kAuthBroken, std::string("cannot read the Page token: ") + error.what() +
                                             "; check sources." + name_ + ".page_token_file");
        return;
    }
    if (cursor) {
        const auto decoded = DecodeCursor(*cursor);
        if (!decoded) {
            fail(ConnectorErrc::kPermanent, "stored cursor of source " + name_ + " is unreadable; fix or delete it");
            return;
        }
        operation->checkpoint_time = ParseRfc3339(decoded->created_time);
        operation->checkpoint_ids.insert(decoded->ids.begin(), decoded->ids.end());
        operation->since = *operation->checkpoint_time - std::chrono::hours(lookback_hours_);
    }
    if (!bucket_configured_) {
        context_.http->Limits().Configure(rate_limit_key_, http::BucketSpec{requests_per_minute_, 5.0});
        bucket_configured_ = true;
    }
    operation->max_items = std::max<std::size_t>(max_items, 1);
    operation->done = std::move(done);
    operation->Start();
}

Result<void> FacebookPageConnector::Acknowledge(const Batch& /*batch*/) {
    return outcome::success();
}

std::variant<RawItem, BadRecord> FacebookPageConnector::ParseRecord(std::string_view raw,
                                                                    std::string_view locator) const {
    // "comments/<post id>/<comment id or fnv...>" names the post a comment belongs to.
    std::string post_id;
    if (locator.starts_with("comments/")) {
        const auto rest = locator.substr(9);
        post_id = std::string(rest.substr(0, rest.find('/')));
    }
    auto parsed = ParseRecordJson(raw, name_, post_id);
    if (auto* item = std::get_if<RawItem>(&parsed)) {
        return std::move(*item);
    }
    return BadRecord{std::string(locator), std::get<std::string>(parsed), std::string(raw.substr(0, kMaxRawBytes)),
                     raw.size() > kMaxRawBytes};
}

}  // namespace carelisten::connectors::facebook_page
