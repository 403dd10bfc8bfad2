#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <connectors/errc.hpp>
#include <connectors/http/client.hpp>
#include <connectors/rss/rss_connector.hpp>
#include <connectors/rss/rss_wire.hpp>
#include <cstdio>
#include <memory>
#include <set>

namespace carelisten::connectors::rss {
namespace {

using std::chrono::system_clock;

const std::array kSettingSpecs = {
    SettingSpec{.key = "feeds",
                .type = SettingType::kStringList,
                .default_value = std::vector<std::string>{},
                .description = "Feed URLs (RSS 2.0 or Atom 1.0), read in this order."},
    SettingSpec{.key = "channel",
                .type = SettingType::kString,
                .default_value = std::string{"social"},
                .description = "Channel of the items: social (news, alerts), review, forum or unknown.",
                .choices = "social|review|forum|unknown"},
    SettingSpec{.key = "max_seen_ids",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{500},
                .description = "Item ids remembered per feed; must exceed the number of items a feed carries.",
                .min = 50,
                .max = 100000},
    SettingSpec{.key = "requests_per_minute",
                .type = SettingType::kDouble,
                .default_value = 30.0,
                .description = "Client-side limit on feed requests of this source.",
                .min = 1.0,
                .max = 600.0},
};

std::unique_ptr<Connector> Create(std::string name, const Settings& settings, const ConnectorContext& context) {
    return std::make_unique<RssConnector>(std::move(name), settings, context);
}

const ConnectorFactory kFactory{
    .type = "rss",
    .description = "RSS 2.0 / Atom 1.0 feeds (news, alerts) with conditional GET; guid or link as identity",
    .settings = SettingsTable{.name = "rss", .specs = kSettingSpecs},
    .create = &Create,
};

std::string HostOf(std::string_view url) {
    const auto scheme = url.find("://");
    auto rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
    return std::string(rest.substr(0, rest.find_first_of("/?#")));
}

std::string FormatTime(Timestamp time) {
    const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(time);
    const auto days = std::chrono::floor<std::chrono::days>(seconds);
    const std::chrono::year_month_day date{days};
    const std::chrono::hh_mm_ss clock{seconds - days};
    char text[32];
    std::snprintf(text, sizeof(text), "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<long>(clock.hours().count()), static_cast<long>(clock.minutes().count()),
                  static_cast<long>(clock.seconds().count()));
    return text;
}

void WriteString(rapidjson::Writer<rapidjson::StringBuffer>& writer, const std::string& text) {
    writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

}  // namespace

const ConnectorFactory& Factory() {
    return kFactory;
}

std::string EncodeCursor(const Cursor& cursor) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("feeds");
    writer.StartObject();
    for (const auto& [url, state] : cursor) {
        WriteString(writer, url);
        writer.StartObject();
        writer.Key("etag");
        WriteString(writer, state.etag);
        writer.Key("last_modified");
        WriteString(writer, state.last_modified);
        writer.Key("newest");
        WriteString(writer, state.newest);
        writer.Key("seen");
        writer.StartArray();
        for (const auto& key : state.seen) {
            WriteString(writer, key);
        }
        writer.EndArray();
        writer.EndObject();
    }
    writer.EndObject();
    writer.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

std::optional<Cursor> DecodeCursor(std::string_view text) {
    rapidjson::Document document;
    document.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
    if (document.HasParseError() || !document.IsObject()) {
        return std::nullopt;
    }
    const auto feeds = document.FindMember("feeds");
    if (feeds == document.MemberEnd() || !feeds->value.IsObject()) {
        return std::nullopt;
    }
    Cursor cursor;
    for (const auto& feed : feeds->value.GetObject()) {
        if (!feed.value.IsObject()) {
            return std::nullopt;
        }
        FeedState state;
        for (const auto& [key, out] : {std::pair{"etag", &state.etag}, std::pair{"last_modified", &state.last_modified},
                                       std::pair{"newest", &state.newest}}) {
            const auto it = feed.value.FindMember(key);
            if (it == feed.value.MemberEnd() || !it->value.IsString()) {
                return std::nullopt;
            }
            out->assign(it->value.GetString(), it->value.GetStringLength());
        }
        const auto seen = feed.value.FindMember("seen");
        if (seen == feed.value.MemberEnd() || !seen->value.IsArray()) {
            return std::nullopt;
        }
        for (const auto& key : seen->value.GetArray()) {
            if (!key.IsString()) {
                return std::nullopt;
            }
            state.seen.emplace_back(key.GetString(), key.GetStringLength());
        }
        cursor.emplace(std::string(feed.name.GetString(), feed.name.GetStringLength()), std::move(state));
    }
    return cursor;
}

// One FetchAsync: the feeds in order, one conditional GET each; new entries (keys not yet seen) go into
// the batch oldest first up to the item budget. A feed's validators are kept only when all its new
// entries made it into the batch, so a 304 never hides entries that were cut. Any failure fails the
// whole fetch: nothing is consumed.
struct RssConnector::Operation : std::enable_shared_from_this<Operation> {
    RssConnector* self = nullptr;
    Cursor cursor;
    std::size_t max_items = 0;
    FetchCallback done;
    Batch batch;
    std::size_t feed_index = 0;

    const std::string& FeedUrl() const { return self->feeds_[feed_index]; }
    std::string FeedName() const { return "feed #" + std::to_string(feed_index) + " (" + HostOf(FeedUrl()) + ")"; }
    std::size_t Used() const { return batch.items.size() + batch.bad_records.size(); }

    void Fail(ConnectorErrc code, std::string detail, std::optional<system_clock::time_point> retry_at = {}) {
        Fail(make_error_code(code), std::move(detail), retry_at);
    }
    void Fail(std::error_code code, std::string detail, std::optional<system_clock::time_point> retry_at = {}) {
        auto callback = std::move(done);
        callback(FetchResult(FetchError{code, std::move(detail), retry_at}));
    }

    void Finish() {
        batch.next_cursor = EncodeCursor(cursor);
        auto callback = std::move(done);
        callback(FetchResult(std::move(batch)));
    }

    void NextFeed() {
        if (feed_index >= self->feeds_.size()) {
            Finish();
            return;
        }
        if (Used() >= max_items) {
            batch.has_more = true;
            Finish();
            return;
        }
        http::Request request;
        request.url = FeedUrl();
        request.headers = {{"Accept", "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1"}};
        if (const auto it = cursor.find(FeedUrl()); it != cursor.end()) {
            if (!it->second.etag.empty()) {
                request.headers.emplace_back("If-None-Match", it->second.etag);
            }
            if (!it->second.last_modified.empty()) {
                request.headers.emplace_back("If-Modified-Since", it->second.last_modified);
            }
        }
        request.rate_limit_key = self->rate_limit_key_;
        self->context_.http->Submit(std::move(request),
                                    [op = shared_from_this()](http::Outcome outcome) { op->OnFeed(outcome); });
    }

    void OnFeed(const http::Outcome& outcome) {
        if (!outcome.response) {
            Fail(outcome.error.code, FeedName() + ": " + outcome.error.detail);
            return;
        }
        const auto& response = *outcome.response;
        const auto now = system_clock::now();
        if (response.status == 304) {  // not modified: nothing new
            ++feed_index;
            NextFeed();
            return;
        }
        if (response.status < 200 || response.status > 299) {
            if (response.status == 404 || response.status == 410) {
                Fail(ConnectorErrc::kPermanent, "HTTP " + std::to_string(response.status) + ": " + FeedName() +
                                                    " is gone; check sources." + self->name_ + ".feeds");
                return;
            }
            auto problem = http::ClassifyResponse(response, now);
            if (problem && problem->retry_at) {
                self->context_.http->Limits().BlockUntil(self->rate_limit_key_, *problem->retry_at);
            }
            if (problem && problem->code == make_error_code(ConnectorErrc::kAuthBroken)) {
                problem->detail += "; " + FeedName() + " refuses this client; check sources." + self->name_ + ".feeds";
            }
            if (problem) {
                Fail(problem->code, problem->detail, problem->retry_at);
            } else {
                Fail(ConnectorErrc::kRetryLater, "HTTP " + std::to_string(response.status) + " from " + FeedName());
            }
            return;
        }
        const FeedContext context{self->name_, FeedUrl(), self->channel_};
        auto parsed = ParseFeed(response.body, context);
        if (auto* error = std::get_if<std::string>(&parsed)) {
            Fail(ConnectorErrc::kMalformed, FeedName() + ": " + *error);
            return;
        }
        Take(std::get<Feed>(parsed), response);
        ++feed_index;
        NextFeed();
    }

    void Take(Feed& feed, const http::Response& response) {
        auto& state = cursor[FeedUrl()];
        const std::set<std::string, std::less<>> seen(state.seen.begin(), state.seen.end());
        std::vector<FeedEntry> fresh;
        std::set<std::string, std::less<>> present;
        for (auto& entry : feed.entries) {
            present.insert(entry.key);
            if (!seen.contains(entry.key) && !std::any_of(fresh.begin(), fresh.end(), [&](const FeedEntry& other) {
                    return other.key == entry.key;
                })) {
                fresh.push_back(std::move(entry));
            }
        }
        // Feeds list newest first: reverse, then order by date where dates exist (oldest first).
        std::reverse(fresh.begin(), fresh.end());
        // Undated entries count as the oldest (a strict weak order: dated ones compare by date).
        std::stable_sort(fresh.begin(), fresh.end(), [](const FeedEntry& a, const FeedEntry& b) {
            if (!a.date || !b.date) {
                return !a.date && b.date.has_value();
            }
            return *a.date < *b.date;
        });
        const std::size_t budget = max_items > Used() ? max_items - Used() : 0;
        const std::size_t take = std::min(budget, fresh.size());
        // A plain time point plus a flag, not std::optional: GCC 12 at -O2 warns (wrongly) that a compared
        // optional may be uninitialized, and warnings are errors.
        const auto stored = state.newest.empty() ? std::nullopt : ParseRfc3339(state.newest);
        bool have_newest = stored.has_value();
        Timestamp newest_time = stored.value_or(Timestamp{});
        for (std::size_t i = 0; i < take; ++i) {
            auto& entry = fresh[i];
            state.seen.push_back(entry.key);
            if (entry.date.has_value()) {
                const Timestamp date = entry.date.value();
                if (!have_newest || date > newest_time) {
                    newest_time = date;
                    have_newest = true;
                }
            }
            if (auto* item = std::get_if<RawItem>(&entry.record)) {
                batch.items.push_back(std::move(*item));
            } else {
                batch.bad_records.push_back(std::get<BadRecord>(std::move(entry.record)));
            }
        }
        if (have_newest) {
            state.newest = FormatTime(newest_time);
        }
        // Bound the seen list: forget first what the feed no longer carries, oldest first.
        if (state.seen.size() > self->max_seen_ids_) {
            std::size_t excess = state.seen.size() - self->max_seen_ids_;
            std::vector<std::string> kept;
            for (auto& key : state.seen) {
                if (excess > 0 && !present.contains(key)) {
                    --excess;
                    continue;
                }
                kept.push_back(std::move(key));
            }
            if (excess > 0) {
                kept.erase(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(excess));
            }
            state.seen = std::move(kept);
        }
        if (take < fresh.size()) {
            // Cut by the budget: no validators, so the next fetch downloads the document again.
            state.etag.clear();
            state.last_modified.clear();
            batch.has_more = true;
            return;
        }
        const auto* etag = response.Header("etag");
        const auto* last_modified = response.Header("last-modified");
        state.etag = etag != nullptr ? *etag : std::string{};
        state.last_modified = last_modified != nullptr ? *last_modified : std::string{};
    }
};

RssConnector::RssConnector(std::string name, const Settings& settings, const ConnectorContext& context)
    : name_(std::move(name)),
      context_(context),
      feeds_(settings.GetStringList("feeds")),
      channel_(settings.GetString("channel")),
      max_seen_ids_(static_cast<std::size_t>(settings.GetInt("max_seen_ids"))),
      requests_per_minute_(settings.GetDouble("requests_per_minute")),
      rate_limit_key_("rss:" + name_) {}

RssConnector::~RssConnector() = default;

void RssConnector::FetchAsync(const std::optional<std::string>& cursor, std::size_t max_items, FetchCallback done) {
    auto fail = [&](ConnectorErrc code, std::string detail) {
        done(FetchResult(FetchError{make_error_code(code), std::move(detail), std::nullopt}));
    };
    if (context_.http == nullptr) {
        fail(ConnectorErrc::kPermanent, "no HTTP runtime (connector built for re-parsing only)");
        return;
    }
    if (feeds_.empty()) {
        fail(ConnectorErrc::kPermanent, "sources." + name_ + ".feeds is empty");
        return;
    }
    auto operation = std::make_shared<Operation>();
    operation->self = this;
    if (cursor) {
        auto decoded = DecodeCursor(*cursor);
        if (!decoded) {
            fail(ConnectorErrc::kPermanent, "stored cursor of source " + name_ + " is unreadable; fix or delete it");
            return;
        }
        operation->cursor = std::move(*decoded);
    }
    // Feeds removed from the configuration are forgotten.
    std::erase_if(operation->cursor, [this](const auto& entry) {
        return std::find(feeds_.begin(), feeds_.end(), entry.first) == feeds_.end();
    });
    if (!bucket_configured_) {
        context_.http->Limits().Configure(rate_limit_key_, http::BucketSpec{requests_per_minute_, 5.0});
        bucket_configured_ = true;
    }
    operation->max_items = std::max<std::size_t>(max_items, 1);
    operation->done = std::move(done);
    operation->NextFeed();
}

Result<void> RssConnector::Acknowledge(const Batch& /*batch*/) {
    return outcome::success();
}

std::variant<RawItem, BadRecord> RssConnector::ParseRecord(std::string_view raw, std::string_view locator) const {
    const auto hash = locator.rfind('#');
    const FeedContext context{name_, std::string(locator.substr(0, hash == std::string_view::npos ? 0 : hash)),
                              channel_};
    auto parsed = ParseEntryXml(raw, context);
    if (auto* item = std::get_if<RawItem>(&parsed)) {
        return std::move(*item);
    }
    return BadRecord{std::string(locator), std::get<std::string>(parsed), std::string(raw.substr(0, kMaxRawBytes)),
                     raw.size() > kMaxRawBytes};
}

}  // namespace carelisten::connectors::rss
