#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <common/log.hpp>
#include <connectors/errc.hpp>
#include <connectors/google_reviews/google_reviews_connector.hpp>
#include <connectors/google_reviews/google_reviews_wire.hpp>
#include <connectors/http/client.hpp>
#include <connectors/wire_util.hpp>
#include <cstdio>
#include <set>

namespace carelisten::connectors::google_reviews {
namespace {

using std::chrono::system_clock;

constexpr std::string_view kLogModule = "google_reviews";
// Refresh the access token this long before Google says it expires (clock skew, slow requests).
constexpr std::chrono::seconds kTokenSafetyMargin{60};
// Google's default quota is 300 requests per minute per project.
constexpr double kPublishedRequestsPerMinute = 300.0;

const std::array kSettingSpecs = {
    SettingSpec{.key = "base_url",
                .type = SettingType::kString,
                .default_value = std::string{"https://mybusiness.googleapis.com"},
                .description = "The My Business API v4 host (tests and the demo point it at a fake)."},
    SettingSpec{.key = "oauth_url",
                .type = SettingType::kString,
                .default_value = std::string{"https://oauth2.googleapis.com/token"},
                .description = "The OAuth 2.0 token endpoint used to exchange the refresh token."},
    SettingSpec{.key = "locations",
                .type = SettingType::kStringList,
                .default_value = std::vector<std::string>{},
                .description = "Location resource names to read, e.g. [\"accounts/1/locations/2\"]."},
    SettingSpec{.key = "client_id",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "The OAuth client id (not a secret) of the Google Cloud project."},
    SettingSpec{.key = "client_secret_file",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "File holding the OAuth client secret."},
    SettingSpec{.key = "client_secret_credential",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "systemd credential holding the OAuth client secret."},
    SettingSpec{.key = "refresh_token_file",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "File holding the OAuth refresh token (scope business.manage)."},
    SettingSpec{.key = "refresh_token_credential",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "systemd credential holding the OAuth refresh token."},
    SettingSpec{.key = "page_size",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{50},
                .description = "Reviews per request (the API allows at most 50).",
                .min = 1,
                .max = 50},
    SettingSpec{.key = "max_pages",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{20},
                .description = "Pages read per location and fetch; bounds the first backfill to max_pages x page_size.",
                .min = 1,
                .max = 1000},
    SettingSpec{.key = "requests_per_minute",
                .type = SettingType::kDouble,
                .default_value = 240.0,
                .description = "Client-side limit per OAuth client, kept below Google's 300 per minute.",
                .min = 1.0,
                .max = kPublishedRequestsPerMinute - 1.0},
};

std::unique_ptr<Connector> Create(std::string name, const Settings& settings, const ConnectorContext& context) {
    return std::make_unique<GoogleReviewsConnector>(std::move(name), settings, context);
}

const ConnectorFactory kFactory{
    .type = "google_reviews",
    .description = "Google Business Profile reviews of the hospital's locations (edits become new versions)",
    .settings = SettingsTable{.name = "google_reviews", .specs = kSettingSpecs},
    .create = &Create,
};

// "accounts/<id>/locations/<id>" with URL-safe ids only: the name goes into the request path as is.
bool IsLocationName(std::string_view name) {
    const auto safe = [](std::string_view part) {
        return !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
        });
    };
    if (!name.starts_with("accounts/")) {
        return false;
    }
    name.remove_prefix(9);
    const auto slash = name.find("/locations/");
    return slash != std::string_view::npos && safe(name.substr(0, slash)) && safe(name.substr(slash + 11));
}

}  // namespace

const ConnectorFactory& Factory() {
    return kFactory;
}

std::string EncodeCursor(const Cursor& cursor) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("locations");
    writer.StartObject();
    for (const auto& [location, checkpoint] : cursor) {
        writer.Key(location.data(), static_cast<rapidjson::SizeType>(location.size()));
        writer.StartObject();
        writer.Key("t");
        writer.String(checkpoint.update_time.data(), static_cast<rapidjson::SizeType>(checkpoint.update_time.size()));
        writer.Key("ids");
        writer.StartArray();
        for (const auto& id : checkpoint.review_ids) {
            writer.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
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
    const auto locations = document.FindMember("locations");
    if (locations == document.MemberEnd() || !locations->value.IsObject()) {
        return std::nullopt;
    }
    Cursor cursor;
    for (const auto& member : locations->value.GetObject()) {
        if (!member.value.IsObject()) {
            return std::nullopt;
        }
        const auto time = member.value.FindMember("t");
        const auto ids = member.value.FindMember("ids");
        if (time == member.value.MemberEnd() || !time->value.IsString() || !ParseRfc3339(time->value.GetString()) ||
            ids == member.value.MemberEnd() || !ids->value.IsArray()) {
            return std::nullopt;
        }
        Checkpoint checkpoint{time->value.GetString(), {}};
        for (const auto& id : ids->value.GetArray()) {
            if (!id.IsString()) {
                return std::nullopt;
            }
            checkpoint.review_ids.emplace_back(id.GetString(), id.GetStringLength());
        }
        cursor.emplace(std::string(member.name.GetString(), member.name.GetStringLength()), std::move(checkpoint));
    }
    return cursor;
}

// One FetchAsync: the locations in order, each read page by page (newest updateTime first) down to its
// checkpoint, then the oldest new reviews up to the item budget go into the batch, oldest first, and the
// location's checkpoint moves to the newest of them. An error anywhere fails the whole fetch (nothing
// consumed); the cursor never passes a review that is not in the batch.
struct GoogleReviewsConnector::Operation : std::enable_shared_from_this<Operation> {
    GoogleReviewsConnector* self = nullptr;
    Cursor cursor;
    std::size_t max_items = 0;
    FetchCallback done;
    Batch batch;
    std::size_t location_index = 0;
    std::vector<ReviewEntry> collected;  // current location, page order (newest first), new reviews only
    std::optional<Timestamp> checkpoint_time;
    std::set<std::string, std::less<>> checkpoint_ids;
    std::size_t checkpoint_ids_seen = 0;
    std::int64_t pages = 0;
    bool refreshed_after_401 = false;

    const std::string& Location() const { return self->locations_[location_index]; }

    void Fail(ConnectorErrc code, std::string detail, std::optional<system_clock::time_point> retry_at = {}) {
        Fail(FetchError{make_error_code(code), std::move(detail), retry_at});
    }
    void Fail(FetchError error) {
        auto callback = std::move(done);
        callback(FetchResult(std::move(error)));
    }

    void NextLocation() {
        if (location_index >= self->locations_.size() || batch.items.size() + batch.bad_records.size() >= max_items) {
            if (location_index < self->locations_.size()) {
                batch.has_more = true;
            }
            batch.next_cursor = EncodeCursor(cursor);
            auto callback = std::move(done);
            callback(FetchResult(std::move(batch)));
            return;
        }
        collected.clear();
        pages = 0;
        checkpoint_time.reset();
        checkpoint_ids.clear();
        checkpoint_ids_seen = 0;
        if (const auto it = cursor.find(Location()); it != cursor.end()) {
            checkpoint_time = ParseRfc3339(it->second.update_time);
            checkpoint_ids.insert(it->second.review_ids.begin(), it->second.review_ids.end());
        }
        WithToken([op = shared_from_this()] { op->RequestPage(""); });
    }

    // Runs `then` once a fresh access token is cached, refreshing it first when needed.
    void WithToken(std::function<void()> then) {
        if (!self->access_token_.Empty() && system_clock::now() < self->access_token_expires_) {
            then();
            return;
        }
        Secret client_secret;
        Secret refresh_token;
        try {
            client_secret = self->client_secret_.Read();
            refresh_token = self->refresh_token_.Read();
        } catch (const std::exception& error) {
            Fail(ConnectorErrc::kAuthBroken, std::string("cannot read an OAuth secret: ") + error.what() +
                                                 "; check sources." + self->name_ +
                                                 ".client_secret_file and refresh_token_file");
            return;
        }
        http::Request request;
        request.method = "POST";
        request.url = self->oauth_url_;
        request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
        request.body = "grant_type=refresh_token&client_id=" + PercentEncode(self->client_id_) +
                       "&client_secret=" + PercentEncode(client_secret.Reveal()) +
                       "&refresh_token=" + PercentEncode(refresh_token.Reveal());
        request.rate_limit_key = self->rate_limit_key_;
        self->context_.http->Submit(std::move(request), [op = shared_from_this(), then = std::move(then)](
                                                            http::Outcome outcome) { op->OnToken(outcome, then); });
    }

    void OnToken(const http::Outcome& outcome, const std::function<void()>& then) {
        const std::string host = HostPortOf(self->oauth_url_);
        if (!outcome.response) {
            Fail(FetchError{outcome.error.code, "token endpoint " + host + ": " + outcome.error.detail, std::nullopt});
            return;
        }
        const auto& response = *outcome.response;
        const auto token = ParseTokenResponse(response.body);
        if (response.status == 400 || response.status == 401 || response.status == 403) {
            const std::string reason = token && !token->error.empty() ? token->error : "refused";
            Fail(ConnectorErrc::kAuthBroken, "HTTP " + std::to_string(response.status) + " from " + host +
                                                 ": the refresh token was refused (" + reason + "); check sources." +
                                                 self->name_ + ".refresh_token_file, client_id and client_secret_file");
            return;
        }
        if (auto problem = http::ClassifyResponse(response, system_clock::now())) {
            Fail(FetchError{problem->code, "token endpoint: " + problem->detail, problem->retry_at});
            return;
        }
        if (!token || token->access_token.empty()) {
            Fail(ConnectorErrc::kRetryLater, "token endpoint " + host + " answered without an access_token");
            return;
        }
        const auto lifetime = std::chrono::seconds(token->expires_in > 0 ? token->expires_in : 3600);
        self->access_token_ = Secret(token->access_token);
        self->access_token_expires_ =
            system_clock::now() + (lifetime > 2 * kTokenSafetyMargin ? lifetime - kTokenSafetyMargin : lifetime / 2);
        then();
    }

    void RequestPage(const std::string& page_token) {
        http::Request request;
        request.url = self->base_url_ + "/v4/" + Location() + "/reviews?pageSize=" + std::to_string(self->page_size_) +
                      "&orderBy=updateTime%20desc";
        if (!page_token.empty()) {
            request.url += "&pageToken=" + PercentEncode(page_token);
        }
        request.headers = {{"Authorization", "Bearer " + self->access_token_.Reveal()}, {"Accept", "application/json"}};
        request.rate_limit_key = self->rate_limit_key_;
        self->context_.http->Submit(std::move(request), [op = shared_from_this(), page_token](http::Outcome outcome) {
            op->OnPage(outcome, page_token);
        });
    }

    void OnPage(const http::Outcome& outcome, const std::string& page_token) {
        const std::string host = HostPortOf(self->base_url_);
        if (!outcome.response) {
            Fail(FetchError{outcome.error.code, host + ": " + outcome.error.detail, std::nullopt});
            return;
        }
        const auto& response = *outcome.response;
        const auto now = system_clock::now();
        if (response.status < 200 || response.status > 299) {
            OnErrorStatus(response, page_token, now);
            return;
        }
        auto parsed = ParseReviewsPage(response.body, self->name_, Location());
        if (auto* error = std::get_if<std::string>(&parsed)) {
            Fail(ConnectorErrc::kMalformed,
                 host + ": unreadable reviews page of location #" + std::to_string(location_index) + ": " + *error);
            return;
        }
        auto& page = std::get<ReviewsPage>(parsed);
        ++pages;
        bool reached = false;
        std::optional<Timestamp> last_time;
        for (auto& entry : page.entries) {
            if (!entry.update_time) {
                entry.update_time = last_time;  // unreadable times keep their place in the order
            }
            last_time = entry.update_time;
            if (checkpoint_time && entry.update_time) {
                if (*entry.update_time < *checkpoint_time) {
                    reached = true;
                    break;
                }
                if (*entry.update_time == *checkpoint_time && checkpoint_ids.contains(entry.review_id)) {
                    ++checkpoint_ids_seen;
                    continue;  // stored by an earlier fetch (a tie at the checkpoint time)
                }
            }
            collected.push_back(std::move(entry));
        }
        // A page ending exactly at the checkpoint time with every stored tie seen has reached it too: the
        // next page could only hold reviews stored already.
        if (!reached && checkpoint_time && last_time == checkpoint_time &&
            checkpoint_ids_seen >= checkpoint_ids.size()) {
            reached = true;
        }
        if (!reached && !page.next_page_token.empty()) {
            if (pages < self->max_pages_) {
                RequestPage(page.next_page_token);
                return;
            }
            if (checkpoint_time) {
                log::Warning(kLogModule, "source ", self->name_, ": location #", location_index, " has more than ",
                             pages * self->page_size_, " changed reviews since the checkpoint; raise max_pages");
            }
        }
        FinishLocation();
    }

    void OnErrorStatus(const http::Response& response, const std::string& page_token, system_clock::time_point now) {
        const std::string host = HostPortOf(self->base_url_);
        const auto api_error = ParseApiError(response.body);
        const std::string status = api_error ? api_error->status : std::string{};
        if (response.status == 401 && !refreshed_after_401) {
            // The cached token expired early or was revoked: refresh once, then retry the page.
            refreshed_after_401 = true;
            self->access_token_ = Secret();
            WithToken([op = shared_from_this(), page_token] { op->RequestPage(page_token); });
            return;
        }
        if (response.status == 401) {
            Fail(ConnectorErrc::kAuthBroken, "HTTP 401 from " + host +
                                                 ": a freshly refreshed access token was refused; check sources." +
                                                 self->name_ + ".refresh_token_file (scope business.manage)");
            return;
        }
        if (response.status == 429 || status == "RESOURCE_EXHAUSTED") {
            const auto limits = http::ParseRateLimitHeaders(response.headers, now);
            const auto until = limits.BlockedUntil().value_or(now + std::chrono::seconds(60));
            self->context_.http->Limits().BlockUntil(self->rate_limit_key_, until);
            Fail(ConnectorErrc::kRateLimited,
                 "HTTP " + std::to_string(response.status) + " RESOURCE_EXHAUSTED from " + host +
                     ": Business Profile quota used up; waiting",
                 until);
            return;
        }
        if (response.status == 403) {
            Fail(ConnectorErrc::kAuthBroken,
                 "HTTP 403 " + status + " from " + host +
                     ": the project has no Business Profile API access (quota 0) or the account does not manage "
                     "location #" +
                     std::to_string(location_index) +
                     "; apply for Basic API Access (do not request a quota increase) and check sources." + self->name_ +
                     ".locations");
            return;
        }
        if (response.status == 404) {
            Fail(ConnectorErrc::kPermanent, "HTTP 404 from " + host + ": location #" + std::to_string(location_index) +
                                                " not found; check sources." + self->name_ + ".locations");
            return;
        }
        if (auto problem = http::ClassifyResponse(response, now)) {
            Fail(FetchError{problem->code, problem->detail, problem->retry_at});
            return;
        }
        Fail(ConnectorErrc::kRetryLater, "HTTP " + std::to_string(response.status) + " from " + host);
    }

    // Takes the oldest new reviews of this location that fit the budget, oldest first, and moves its
    // checkpoint to the newest of them; a location that did not fit ends the fetch with has_more.
    void FinishLocation() {
        const std::size_t used = batch.items.size() + batch.bad_records.size();
        const std::size_t budget = max_items > used ? max_items - used : 0;
        const std::size_t take = std::min(budget, collected.size());
        const std::size_t first = collected.size() - take;  // collected is newest first
        std::optional<Timestamp> newest;
        std::vector<std::string> ids_at_newest;
        for (std::size_t i = collected.size(); i-- > first;) {
            auto& entry = collected[i];
            if (entry.update_time && (!newest || *entry.update_time > *newest)) {
                newest = entry.update_time;
                ids_at_newest.clear();
            }
            if (entry.update_time && newest && *entry.update_time == *newest) {
                ids_at_newest.push_back(entry.review_id);
            }
            if (auto* item = std::get_if<RawItem>(&entry.record)) {
                batch.items.push_back(std::move(*item));
            } else {
                batch.bad_records.push_back(std::get<BadRecord>(std::move(entry.record)));
            }
        }
        if (newest) {
            auto& checkpoint = cursor[Location()];
            if (checkpoint_time && *newest == *checkpoint_time) {
                // Still at the old checkpoint time: remember the earlier ids too.
                ids_at_newest.insert(ids_at_newest.end(), checkpoint_ids.begin(), checkpoint_ids.end());
            }
            checkpoint.update_time = FormatTime(*newest);
            checkpoint.review_ids = std::move(ids_at_newest);
        }
        if (take < collected.size()) {
            batch.has_more = true;
            batch.next_cursor = EncodeCursor(cursor);
            auto callback = std::move(done);
            callback(FetchResult(std::move(batch)));
            return;
        }
        ++location_index;
        NextLocation();
    }

    static std::string FormatTime(Timestamp time) {
        // RFC 3339 UTC with microseconds: exact enough for Google's timestamps and ParseRfc3339 reads it back.
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
};

GoogleReviewsConnector::GoogleReviewsConnector(std::string name, const Settings& settings,
                                               const ConnectorContext& context)
    : name_(std::move(name)),
      context_(context),
      base_url_(settings.GetString("base_url")),
      oauth_url_(settings.GetString("oauth_url")),
      locations_(settings.GetStringList("locations")),
      client_id_(settings.GetString("client_id")),
      client_secret_{settings.GetString("client_secret_file"), settings.GetString("client_secret_credential")},
      refresh_token_{settings.GetString("refresh_token_file"), settings.GetString("refresh_token_credential")},
      page_size_(settings.GetInt("page_size")),
      max_pages_(settings.GetInt("max_pages")),
      requests_per_minute_(settings.GetDouble("requests_per_minute")),
      rate_limit_key_("google_reviews:" + (client_id_.empty() ? name_ : client_id_)) {
    while (base_url_.ends_with('/')) {
        base_url_.pop_back();
    }
}

GoogleReviewsConnector::~GoogleReviewsConnector() = default;

void GoogleReviewsConnector::FetchAsync(const std::optional<std::string>& cursor, std::size_t max_items,
                                        FetchCallback done) {
    auto fail = [&](ConnectorErrc code, std::string detail) {
        done(FetchResult(FetchError{make_error_code(code), std::move(detail), std::nullopt}));
    };
    if (context_.http == nullptr) {
        fail(ConnectorErrc::kPermanent, "no HTTP runtime (connector built for re-parsing only)");
        return;
    }
    if (locations_.empty()) {
        fail(ConnectorErrc::kPermanent, "sources." + name_ + ".locations is empty");
        return;
    }
    for (const auto& location : locations_) {
        if (!IsLocationName(location)) {
            fail(ConnectorErrc::kPermanent, "sources." + name_ +
                                                ".locations holds a name that is not "
                                                "accounts/<id>/locations/<id>");
            return;
        }
    }
    if (!client_secret_.Configured() || !refresh_token_.Configured() || client_id_.empty()) {
        fail(ConnectorErrc::kAuthBroken, "set sources." + name_ +
                                             ".client_id, client_secret_file (or _credential) "
                                             "and refresh_token_file (or _credential)");
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
    if (!bucket_configured_) {
        context_.http->Limits().Configure(rate_limit_key_, http::BucketSpec{requests_per_minute_, 5.0});
        bucket_configured_ = true;
    }
    operation->max_items = std::max<std::size_t>(max_items, 1);
    operation->done = std::move(done);
    operation->NextLocation();
}

Result<void> GoogleReviewsConnector::Acknowledge(const Batch& /*batch*/) {
    return outcome::success();
}

std::variant<RawItem, BadRecord> GoogleReviewsConnector::ParseRecord(std::string_view raw,
                                                                     std::string_view locator) const {
    auto parsed = ParseReview(raw, name_);
    if (auto* item = std::get_if<RawItem>(&parsed)) {
        return std::move(*item);
    }
    return BadRecord{std::string(locator), std::get<std::string>(parsed), std::string(raw.substr(0, kMaxRawBytes)),
                     raw.size() > kMaxRawBytes};
}

}  // namespace carelisten::connectors::google_reviews
