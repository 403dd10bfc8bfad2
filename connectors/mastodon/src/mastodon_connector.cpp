#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <common/log.hpp>
#include <connectors/errc.hpp>
#include <connectors/http/client.hpp>
#include <connectors/mastodon/mastodon_connector.hpp>
#include <connectors/wire_util.hpp>
#include <set>
#include <stdexcept>

namespace carelisten::connectors::mastodon {
namespace {

constexpr std::string_view kLogModule = "mastodon";

const std::array kSettingSpecs = {
    SettingSpec{.key = "base_url",
                .type = SettingType::kString,
                .default_value = std::string{"https://mastodon.social"},
                .description = "The instance to read, e.g. https://mastodon.social (tests and the demo point it at "
                               "a fake).",
                .reloadable = false},
    SettingSpec{.key = "hashtags",
                .type = SettingType::kStringList,
                .default_value = std::vector<std::string>{},
                .description = "Hashtags to follow, without '#', e.g. [\"StElsewhere\"] (hashtag timelines).",
                .reloadable = false},
    SettingSpec{.key = "search_terms",
                .type = SettingType::kStringList,
                .default_value = std::vector<std::string>{},
                .description = "Full-text status searches, e.g. [\"St Elsewhere Hospital\"] (needs an instance "
                               "with search enabled; some need an access token).",
                .reloadable = false},
    SettingSpec{.key = "page_size",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{40},
                .description = "Statuses per request, 1 .. 40 (Mastodon's maximum).",
                .reloadable = false,
                .min = 1,
                .max = 40},
    SettingSpec{.key = "access_token_file",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "File holding an access token (optional: public timelines need none unless the "
                               "instance disabled public preview).",
                .reloadable = false},
    SettingSpec{.key = "access_token_credential",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "systemd credential holding the access token (instead of access_token_file).",
                .reloadable = false},
    SettingSpec{.key = "requests_per_minute",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{50},
                .description = "Client-side limit for this instance and token, 1 .. 60 (Mastodon allows 300 per "
                               "5 minutes).",
                .reloadable = false,
                .min = 1,
                .max = 60},
};

std::unique_ptr<Connector> Create(std::string name, const Settings& settings, const ConnectorContext& context) {
    return std::make_unique<MastodonConnector>(std::move(name), settings, context);
}

const ConnectorFactory kFactory{
    .type = "mastodon",
    .description = "hashtag timelines and status searches on a Mastodon instance (forward paging with min_id)",
    .settings = SettingsTable{.name = "mastodon", .specs = kSettingSpecs},
    .create = &Create,
};

// Replaces (or adds) one query parameter of a URL.
std::string WithQueryParam(const std::string& url, std::string_view name, std::string_view value) {
    const std::string key = std::string(name) + "=";
    const auto query = url.find('?');
    if (query == std::string::npos) {
        return url + "?" + key + std::string(value);
    }
    std::size_t pos = query + 1;
    while (pos < url.size()) {
        const auto end = std::min(url.find('&', pos), url.size());
        if (url.compare(pos, key.size(), key) == 0) {
            return url.substr(0, pos) + key + std::string(value) + url.substr(end);
        }
        pos = end + 1;
    }
    return url + "&" + key + std::string(value);
}

}  // namespace

const ConnectorFactory& Factory() {
    return kFactory;
}

std::string EncodeCursor(const Checkpoints& checkpoints) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    for (const auto& [key, id] : checkpoints) {
        writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
        writer.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
    }
    writer.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

std::optional<Checkpoints> DecodeCursor(std::string_view cursor) {
    rapidjson::Document document;
    document.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(cursor.data(),
                                                                                           cursor.size());
    if (document.HasParseError() || !document.IsObject()) {
        return std::nullopt;
    }
    Checkpoints checkpoints;
    for (const auto& member : document.GetObject()) {
        if (!member.value.IsString()) {
            return std::nullopt;
        }
        checkpoints.emplace(std::string(member.name.GetString(), member.name.GetStringLength()),
                            std::string(member.value.GetString(), member.value.GetStringLength()));
    }
    return checkpoints;
}

// One fetch in flight: shared by the completions of its requests.
struct MastodonConnector::FetchState {
    FetchCallback done;
    Checkpoints checkpoints;
    std::size_t budget = 0;  ///< records still allowed in this batch
    std::size_t stream_index = 0;
    std::optional<std::string> stream_start;  ///< the stream's checkpoint when the fetch began
    std::string url;                          ///< the page being requested
    std::size_t limit = 0;                    ///< the limit of that request
    Batch batch;
    bool consumed_anything = false;
    std::optional<std::string> token;
    std::set<std::string> seen;  ///< external_id + version of the items in the batch
};

MastodonConnector::MastodonConnector(std::string name, const Settings& settings, const ConnectorContext& context)
    : name_(std::move(name)),
      context_(context),
      base_url_(settings.GetString("base_url")),
      page_size_(static_cast<std::size_t>(settings.GetInt("page_size"))),
      token_{settings.GetString("access_token_file"), settings.GetString("access_token_credential")} {
    while (!base_url_.empty() && base_url_.back() == '/') {
        base_url_.pop_back();
    }
    if (!base_url_.starts_with("https://") && !base_url_.starts_with("http://")) {
        throw std::invalid_argument("sources." + name_ + ".base_url must be an https:// URL");
    }
    if (!token_.file.empty() && !token_.credential.empty()) {
        throw std::invalid_argument("sources." + name_ +
                                    ": set access_token_file or access_token_credential, not both");
    }
    host_ = HostPortOf(base_url_);
    for (std::string tag : settings.GetStringList("hashtags")) {
        if (tag.starts_with('#')) {
            tag.erase(0, 1);
        }
        if (tag.empty() || tag.find_first_of(" /?#&") != std::string::npos) {
            throw std::invalid_argument("sources." + name_ + ".hashtags: '" + tag + "' is not a hashtag");
        }
        // Mastodon matches hashtags case-insensitively: one stream per tag whatever its spelling.
        std::string lower = tag;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
        streams_.push_back({"tag:" + lower, "hashtag #" + tag, false, tag});
    }
    for (const auto& terms : settings.GetStringList("search_terms")) {
        if (terms.empty()) {
            throw std::invalid_argument("sources." + name_ + ".search_terms: an entry is empty");
        }
        streams_.push_back({"q:" + terms, "search '" + terms + "'", true, terms});
    }
    if (streams_.empty()) {
        throw std::invalid_argument("sources." + name_ + ": set hashtags or search_terms (or both)");
    }
    rate_limit_key_ = "mastodon:" + host_ + ":" + (token_.Configured() ? token_.Describe() : "anonymous");
    wire_options_ = {name_, host_.substr(0, host_.find(':'))};
    bucket_rate_ = static_cast<double>(settings.GetInt("requests_per_minute"));
}

std::string MastodonConnector::FirstUrl(const Stream& stream, const std::optional<std::string>& checkpoint,
                                        std::size_t limit) const {
    std::string url = stream.search ? base_url_ + "/api/v2/search?q=" + PercentEncode(stream.value) +
                                          "&type=statuses&limit=" + std::to_string(limit)
                                    : base_url_ + "/api/v1/timelines/tag/" + PercentEncode(stream.value) +
                                          "?limit=" + std::to_string(limit);
    if (checkpoint) {
        url += "&min_id=" + PercentEncode(*checkpoint);
    }
    return url;
}

void MastodonConnector::FetchAsync(const std::optional<std::string>& cursor, std::size_t max_items,
                                   FetchCallback done) {
    auto state = std::make_shared<FetchState>();
    state->done = std::move(done);
    state->budget = std::max<std::size_t>(max_items, 1);
    if (cursor) {
        auto decoded = DecodeCursor(*cursor);
        if (!decoded) {
            Finish(state, FetchError{ConnectorErrc::kPermanent,
                                     "the stored cursor of source " + name_ + " is unreadable; fix or delete it",
                                     std::nullopt});
            return;
        }
        state->checkpoints = std::move(*decoded);
    }
    if (context_.http == nullptr) {
        Finish(state, FetchError{ConnectorErrc::kPermanent, "no HTTP runtime for source " + name_, std::nullopt});
        return;
    }
    if (!bucket_configured_) {
        context_.http->Limits().Configure(rate_limit_key_, {.rate_per_minute = bucket_rate_, .burst = 5.0});
        bucket_configured_ = true;
    }
    // The instance said "not before": do not even ask.
    if (const auto blocked = context_.http->Limits().BlockedUntil(rate_limit_key_);
        blocked && *blocked > std::chrono::system_clock::now()) {
        Finish(state, FetchError{ConnectorErrc::kRateLimited, "rate limited by " + host_ + " (waiting for the window)",
                                 *blocked});
        return;
    }
    if (token_.Configured()) {
        try {
            state->token = token_.Read().Reveal();
        } catch (const std::exception& error) {
            Finish(state, FetchError{ConnectorErrc::kAuthBroken,
                                     std::string("cannot read the access token: ") + error.what() + "; check sources." +
                                         name_ + ".access_token_file",
                                     std::nullopt});
            return;
        }
    }
    StartStream(state);
}

void MastodonConnector::StartStream(std::shared_ptr<FetchState> state) {
    if (state->stream_index >= streams_.size() || state->budget == 0) {
        if (state->stream_index < streams_.size()) {
            state->batch.has_more = true;  // streams left unread this time
        }
        Finish(state, std::nullopt);
        return;
    }
    const Stream& stream = streams_[state->stream_index];
    const auto found = state->checkpoints.find(stream.key);
    state->stream_start = found == state->checkpoints.end() ? std::nullopt : std::optional<std::string>(found->second);
    state->limit = std::min(page_size_, state->budget);
    state->url = FirstUrl(stream, state->stream_start, state->limit);
    FetchPage(std::move(state));
}

void MastodonConnector::FetchPage(std::shared_ptr<FetchState> state) {
    http::Request request;
    request.url = state->url;
    request.headers.emplace_back("Accept", "application/json");
    if (state->token) {
        request.headers.emplace_back("Authorization", "Bearer " + *state->token);
    }
    request.rate_limit_key = rate_limit_key_;
    context_.http->Submit(
        std::move(request), [this, alive = std::weak_ptr<int>(alive_), state](http::Outcome outcome) mutable {
            if (alive.expired()) {
                return;  // the connector was destroyed while the request was in flight (daemon stopping)
            }
            const Stream& stream = streams_[state->stream_index];
            if (!outcome.response) {
                Finish(state,
                       FetchError{outcome.error.code, outcome.error.detail + " (" + stream.label + ")", std::nullopt});
                return;
            }
            const http::Response& response = *outcome.response;
            const auto now = std::chrono::system_clock::now();
            const auto limits = http::ParseRateLimitHeaders(response.headers, now);
            if (const auto until = limits.BlockedUntil()) {
                context_.http->Limits().BlockUntil(rate_limit_key_, *until);
            }
            if (auto classified = http::ClassifyResponse(response, now)) {
                const std::string message = CappedText(ParseErrorMessage(response.body).value_or(""), 120);
                FetchError error{classified->code, classified->detail, classified->retry_at};
                if (response.status == 404 && !stream.search) {
                    error.detail = "HTTP 404 from " + host_ + ": hashtag #" + stream.value +
                                   " is unknown on this instance (" + (message.empty() ? "not found" : message) +
                                   "); remove it from sources." + name_ + ".hashtags";
                } else if (classified->code == ConnectorErrc::kAuthBroken) {
                    error.detail = "HTTP " + std::to_string(response.status) + " from " + host_ + " for " +
                                   stream.label + ": " + (message.empty() ? "unauthorized" : message) +
                                   (token_.Configured() ? "; check sources." + name_ + ".access_token_file"
                                                        : "; this instance needs an access token: set sources." +
                                                              name_ + ".access_token_file");
                } else if (classified->code == ConnectorErrc::kRateLimited) {
                    if (error.retry_at) {
                        context_.http->Limits().BlockUntil(rate_limit_key_, *error.retry_at);
                    }
                    error.detail += " for " + stream.label + (message.empty() ? "" : ": " + message);
                } else {
                    error.detail += " for " + stream.label;
                }
                Finish(state, std::move(error));
                return;
            }

            auto parsed = stream.search ? ParseSearchPage(response.body, wire_options_)
                                        : ParseTimelinePage(response.body, wire_options_);
            if (auto* wire_error = std::get_if<WireError>(&parsed)) {
                Finish(state,
                       FetchError{ConnectorErrc::kMalformed,
                                  "unreadable page from " + host_ + " for " + stream.label + ": " + wire_error->reason,
                                  std::nullopt});
                return;
            }
            StatusPage& page = std::get<StatusPage>(parsed);
            for (auto& item : page.items) {
                // A status found by two streams (or boosted twice) is one item.
                if (state->seen.insert(item.external_id + "\n" + item.version).second) {
                    state->batch.items.push_back(std::move(item));
                }
            }
            for (auto& bad : page.bad_records) {
                bad.locator = stream.key + "/" + bad.locator;
                state->batch.bad_records.push_back(std::move(bad));
            }
            state->budget -= std::min(state->budget, page.statuses);
            if (page.newest_id) {
                auto& checkpoint = state->checkpoints[stream.key];
                if (checkpoint.empty() || IdGreater(*page.newest_id, checkpoint)) {
                    checkpoint = *page.newest_id;
                    state->consumed_anything = true;
                }
            }

            // The first poll of a stream takes the newest page only (no backfill); later polls follow
            // rel="prev" (min_id = the newest id seen) until a short page says we are caught up.
            const bool caught_up = !state->stream_start || page.statuses < state->limit || !page.newest_id;
            if (!caught_up && state->budget > 0) {
                std::optional<std::string> next;
                if (const std::string* link = response.Header("link")) {
                    next = http::FindLink(http::ParseLinkHeader(*link), "prev");
                }
                // Search responses carry no Link header: continue from the newest id on the page.
                if (!next || !next->starts_with(base_url_ + "/")) {
                    next = WithQueryParam(FirstUrl(stream, std::nullopt, state->limit), "min_id", *page.newest_id);
                }
                state->limit = std::min(page_size_, state->budget);
                state->url = WithQueryParam(*next, "limit", std::to_string(state->limit));
                FetchPage(state);
                return;
            }
            if (state->budget == 0 && !caught_up) {
                state->batch.has_more = true;
            }
            ++state->stream_index;
            StartStream(state);
        });
}

void MastodonConnector::Finish(std::shared_ptr<FetchState> state, std::optional<FetchError> error) {
    auto deliver = [state, error = std::move(error), name = name_]() mutable {
        if (error && state->consumed_anything) {
            // Pages already read are kept: the cursor covers exactly them; the failure shows on the next poll.
            log::Warning(kLogModule, "source ", name, ": stopped early, keeping the pages read: ", error->detail);
            state->batch.has_more = false;
            error.reset();
        }
        if (error) {
            state->done(FetchResult(std::move(*error)));
            return;
        }
        if (state->consumed_anything) {
            state->batch.next_cursor = EncodeCursor(state->checkpoints);
        }
        state->done(FetchResult(std::move(state->batch)));
    };
    if (context_.loop != nullptr) {
        boost::asio::post(*context_.loop, std::move(deliver));  // never call `done` from inside FetchAsync
    } else {
        deliver();
    }
}

Result<void> MastodonConnector::Acknowledge(const Batch& /*batch*/) {
    return outcome::success();
}

std::variant<RawItem, BadRecord> MastodonConnector::ParseRecord(std::string_view raw, std::string_view locator) const {
    if (raw.size() >= kMaxQuarantineRawBytes) {
        return BadRecord{std::string(locator), "record was truncated when quarantined", std::string(raw), true};
    }
    auto parsed = ParseStatusRecord(raw, wire_options_);
    if (auto* item = std::get_if<RawItem>(&parsed)) {
        return std::move(*item);
    }
    return BadRecord{std::string(locator), std::get<std::string>(parsed), std::string(raw), false};
}

}  // namespace carelisten::connectors::mastodon
