#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <common/log.hpp>
#include <connectors/discourse/discourse_connector.hpp>
#include <connectors/discourse/discourse_webhook.hpp>
#include <connectors/errc.hpp>
#include <connectors/http/client.hpp>
#include <connectors/wire_util.hpp>
#include <stdexcept>

namespace carelisten::connectors::discourse {
namespace {

constexpr std::string_view kLogModule = "discourse";

const std::array kSettingSpecs = {
    SettingSpec{.key = "base_url",
                .type = SettingType::kString,
                .default_value = std::monostate{},
                .description = "The forum's address, e.g. https://community.stelsewhere.example (required).",
                .reloadable = false},
    SettingSpec{.key = "api_username",
                .type = SettingType::kString,
                .default_value = std::string{"system"},
                .description = "Api-Username sent with the key: the user whose view of the forum is read.",
                .reloadable = false},
    SettingSpec{.key = "api_key_file",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "File holding the Admin API key (Admin > API > New key, read-only scope).",
                .reloadable = false},
    SettingSpec{.key = "api_key_credential",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "systemd credential holding the API key (instead of api_key_file).",
                .reloadable = false},
    SettingSpec{.key = "communities",
                .type = SettingType::kStringList,
                .default_value = std::vector<std::string>{},
                .description = "Category id to condition community, e.g. [\"12:diabetes\", \"15:cancer\"].",
                .reloadable = false},
    SettingSpec{.key = "max_pages",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{10},
                .description = "Most pages of 50 posts read per fetch, 1 .. 100; a longer backlog is read over "
                               "several fetches.",
                .reloadable = false,
                .min = 1,
                .max = 100},
    SettingSpec{.key = "requests_per_minute",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{50},
                .description = "Client-side limit for this forum and key, 1 .. 60 (Discourse allows 60 admin API "
                               "requests a minute).",
                .reloadable = false,
                .min = 1,
                .max = 60},
    SettingSpec{.key = "webhook_secret_file",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "File holding the webhook secret that signs pushed post_created/post_edited events.",
                .reloadable = false},
    SettingSpec{.key = "webhook_secret_credential",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "systemd credential holding the webhook secret (instead of webhook_secret_file).",
                .reloadable = false},
};

std::unique_ptr<Connector> Create(std::string name, const Settings& settings, const ConnectorContext& context) {
    return std::make_unique<DiscourseConnector>(std::move(name), settings, context);
}

const ConnectorFactory kFactory{
    .type = "discourse",
    .description = "posts of a Discourse forum (patient communities), categories mapped to conditions",
    .settings = SettingsTable{.name = "discourse", .specs = kSettingSpecs},
    .create = &Create,
};

}  // namespace

const ConnectorFactory& Factory() {
    return kFactory;
}

std::string EncodeCursor(const Position& position) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("last");
    writer.Int64(position.last);
    if (position.gap) {
        writer.Key("gap");
        writer.StartArray();
        writer.Int64(position.gap->first);
        writer.Int64(position.gap->second);
        writer.EndArray();
    }
    writer.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

std::optional<Position> DecodeCursor(std::string_view cursor) {
    rapidjson::Document document;
    document.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(cursor.data(),
                                                                                           cursor.size());
    if (document.HasParseError() || !document.IsObject()) {
        return std::nullopt;
    }
    const auto last = document.FindMember("last");
    if (last == document.MemberEnd() || !last->value.IsInt64() || last->value.GetInt64() < 0) {
        return std::nullopt;
    }
    Position position{last->value.GetInt64(), std::nullopt};
    if (const auto gap = document.FindMember("gap"); gap != document.MemberEnd()) {
        if (!gap->value.IsArray() || gap->value.Size() != 2 || !gap->value[0].IsInt64() || !gap->value[1].IsInt64() ||
            gap->value[0].GetInt64() >= gap->value[1].GetInt64() || gap->value[1].GetInt64() > position.last + 1) {
            return std::nullopt;
        }
        position.gap = std::pair{gap->value[0].GetInt64(), gap->value[1].GetInt64()};
    }
    return position;
}

SecretSource WebhookSecretSource(const Settings& settings) {
    return SecretSource{settings.GetString("webhook_secret_file"), settings.GetString("webhook_secret_credential")};
}

// One fetch in flight: a walk down from `before` (nullopt: the newest post) to `lower` (exclusive).
struct DiscourseConnector::FetchState {
    FetchCallback done;
    std::optional<Position> start;  ///< nullopt: first poll ever
    bool filling_gap = false;
    std::int64_t lower = 0;
    std::optional<std::int64_t> before;
    std::size_t budget = 0;
    std::size_t pages_left = 0;
    bool reached = false;  ///< the walk met `lower` (or the bottom): nothing left in between
    std::optional<std::int64_t> walked_newest;
    std::optional<std::int64_t> walked_oldest;
    Batch batch;
    std::string api_key;
};

DiscourseConnector::DiscourseConnector(std::string name, const Settings& settings, const ConnectorContext& context)
    : name_(std::move(name)),
      context_(context),
      api_username_(settings.GetString("api_username")),
      api_key_{settings.GetString("api_key_file"), settings.GetString("api_key_credential")},
      max_pages_(static_cast<std::size_t>(settings.GetInt("max_pages"))),
      bucket_rate_(static_cast<double>(settings.GetInt("requests_per_minute"))) {
    options_.source = name_;
    options_.base_url = settings.GetString("base_url");
    while (!options_.base_url.empty() && options_.base_url.back() == '/') {
        options_.base_url.pop_back();
    }
    if (!options_.base_url.starts_with("https://") && !options_.base_url.starts_with("http://")) {
        throw std::invalid_argument("sources." + name_ + ".base_url must be an https:// URL");
    }
    if (!api_key_.Configured()) {
        throw std::invalid_argument("sources." + name_ + ": set api_key_file or api_key_credential");
    }
    if (!api_key_.file.empty() && !api_key_.credential.empty()) {
        throw std::invalid_argument("sources." + name_ + ": set api_key_file or api_key_credential, not both");
    }
    webhook_secret_ = WebhookSecretSource(settings);
    if (!webhook_secret_.file.empty() && !webhook_secret_.credential.empty()) {
        throw std::invalid_argument("sources." + name_ +
                                    ": set webhook_secret_file or webhook_secret_credential, not both");
    }
    if (api_username_.empty()) {
        throw std::invalid_argument("sources." + name_ + ".api_username is empty");
    }
    std::string error;
    auto communities = ParseCommunities(settings.GetStringList("communities"), error);
    if (!communities) {
        throw std::invalid_argument("sources." + name_ + "." + error);
    }
    options_.communities = std::move(*communities);
    host_ = HostPortOf(options_.base_url);
    rate_limit_key_ = "discourse:" + host_ + ":" + api_key_.Describe();
}

void DiscourseConnector::FetchAsync(const std::optional<std::string>& cursor, std::size_t max_items,
                                    FetchCallback done) {
    auto state = std::make_shared<FetchState>();
    state->done = std::move(done);
    state->budget = std::max<std::size_t>(max_items, 1);
    state->pages_left = max_pages_;
    if (cursor) {
        state->start = DecodeCursor(*cursor);
        if (!state->start) {
            Finish(state, FetchError{ConnectorErrc::kPermanent,
                                     "the stored cursor of source " + name_ + " is unreadable; fix or delete it",
                                     std::nullopt});
            return;
        }
        if (state->start->gap) {
            state->filling_gap = true;
            state->lower = state->start->gap->first;
            state->before = state->start->gap->second;
        } else {
            state->lower = state->start->last;
        }
    } else {
        state->pages_left = 1;  // the first poll takes the newest page: no backfill of the forum's history
    }
    if (context_.http == nullptr) {
        Finish(state, FetchError{ConnectorErrc::kPermanent, "no HTTP runtime for source " + name_, std::nullopt});
        return;
    }
    if (!bucket_configured_) {
        context_.http->Limits().Configure(rate_limit_key_, {.rate_per_minute = bucket_rate_, .burst = 5.0});
        bucket_configured_ = true;
    }
    if (const auto blocked = context_.http->Limits().BlockedUntil(rate_limit_key_);
        blocked && *blocked > std::chrono::system_clock::now()) {
        Finish(state, FetchError{ConnectorErrc::kRateLimited, "rate limited by " + host_ + " (waiting)", *blocked});
        return;
    }
    try {
        state->api_key = api_key_.Read().Reveal();
    } catch (const std::exception& error) {
        Finish(state, FetchError{ConnectorErrc::kAuthBroken,
                                 std::string("cannot read the API key: ") + error.what() + "; check sources." + name_ +
                                     ".api_key_file",
                                 std::nullopt});
        return;
    }
    FetchPage(std::move(state));
}

void DiscourseConnector::FetchPage(std::shared_ptr<FetchState> state) {
    http::Request request;
    request.url =
        options_.base_url + "/posts.json" + (state->before ? "?before=" + std::to_string(*state->before) : "");
    request.headers = {{"Api-Key", state->api_key}, {"Api-Username", api_username_}, {"Accept", "application/json"}};
    request.rate_limit_key = rate_limit_key_;
    --state->pages_left;
    context_.http->Submit(std::move(request), [this, alive = std::weak_ptr<int>(alive_),
                                               state](http::Outcome outcome) mutable {
        if (alive.expired()) {
            return;  // the connector was destroyed while the request was in flight (daemon stopping)
        }
        if (!outcome.response) {
            Finish(state, FetchError{outcome.error.code, outcome.error.detail, std::nullopt});
            return;
        }
        const http::Response& response = *outcome.response;
        const auto now = std::chrono::system_clock::now();
        if (auto classified = http::ClassifyResponse(response, now)) {
            FetchError error{classified->code, classified->detail, classified->retry_at};
            if (classified->code == ConnectorErrc::kRateLimited) {
                // The global limiter answers text/plain with Retry-After; action limiters answer JSON with
                // extras.wait_seconds: use it when there is no Retry-After.
                const auto wait = ParseRateLimitWaitSeconds(response.body);
                if (response.Header("retry-after") == nullptr && wait) {
                    error.retry_at = now + std::chrono::seconds(*wait);
                }
                if (const std::string* code = response.Header("discourse-rate-limit-error-code")) {
                    error.detail += " (" + CappedText(*code, 60) + ")";
                }
                if (error.retry_at) {
                    context_.http->Limits().BlockUntil(rate_limit_key_, *error.retry_at);
                }
            } else if (classified->code == ConnectorErrc::kAuthBroken) {
                const auto messages = ParseErrorMessages(response.body);
                error.detail += (messages && !messages->empty() ? ": " + CappedText(*messages, 160) : std::string()) +
                                "; check sources." + name_ + ".api_key_file and sources." + name_ + ".api_username";
            } else if (response.status == 404) {
                error.detail += ": no /posts.json here; check sources." + name_ + ".base_url";
            }
            Finish(state, std::move(error));
            return;
        }
        auto parsed = ParsePostsPage(response.body, options_);
        if (auto* wire_error = std::get_if<WireError>(&parsed)) {
            Finish(state,
                   FetchError{ConnectorErrc::kMalformed,
                              "unreadable /posts.json page from " + host_ + ": " + wire_error->reason, std::nullopt});
            return;
        }
        OnPage(state, std::move(std::get<PostPage>(parsed)));
    });
}

void DiscourseConnector::OnPage(std::shared_ptr<FetchState> state, PostPage page) {
    std::optional<std::int64_t> page_oldest;
    bool stopped_on_budget = false;
    for (auto& entry : page.entries) {
        if (entry.id > 0 && entry.id <= state->lower && state->start) {
            state->reached = true;
            break;
        }
        if (entry.id > 0 && state->before && entry.id >= *state->before) {
            continue;  // not below `before`: an upstream that ignores the parameter must not loop us
        }
        const bool counts = entry.item.has_value() || entry.bad.has_value();
        if (counts && state->budget == 0) {
            stopped_on_budget = true;
            break;
        }
        if (entry.item) {
            state->batch.items.push_back(std::move(*entry.item));
        } else if (entry.bad) {
            state->batch.bad_records.push_back(std::move(*entry.bad));
        }
        if (counts) {
            --state->budget;
        }
        if (entry.id > 0) {
            state->walked_newest = std::max(state->walked_newest.value_or(entry.id), entry.id);
            state->walked_oldest = std::min(state->walked_oldest.value_or(entry.id), entry.id);
            page_oldest = std::min(page_oldest.value_or(entry.id), entry.id);
        }
    }
    if (page.entries.empty()) {
        state->reached = true;  // nothing older exists
    }
    if (!state->start) {
        state->reached = true;  // first poll: the newest page only, by design
    }
    if (state->reached || stopped_on_budget || state->budget == 0 || state->pages_left == 0 || !page_oldest) {
        Finish(state, std::nullopt);
        return;
    }
    state->before = page_oldest;
    FetchPage(std::move(state));
}

void DiscourseConnector::Finish(std::shared_ptr<FetchState> state, std::optional<FetchError> error) {
    // The new position covers exactly what was walked: posts above the walk's lower bound that were not
    // reached stay (or become) the gap.
    std::optional<Position> next;
    if (state->walked_newest) {
        if (!state->start) {
            next = Position{*state->walked_newest, std::nullopt};
        } else if (state->filling_gap) {
            next = *state->start;
            next->gap.reset();
            if (!state->reached) {
                next->gap = std::pair{state->lower, *state->walked_oldest};
            }
        } else {
            next = Position{std::max(state->start->last, *state->walked_newest), std::nullopt};
            if (!state->reached) {
                next->gap = std::pair{state->lower, *state->walked_oldest};
            }
        }
        if (next->gap && next->gap->first + 1 >= next->gap->second) {
            next->gap.reset();  // no id fits between them: nothing is missing
        }
    } else if (!error && state->filling_gap && state->reached) {
        next = *state->start;  // the gap held nothing (all deleted or hidden)
        next->gap.reset();
    }
    auto deliver = [state, next, error = std::move(error), name = name_]() mutable {
        if (error && next) {
            log::Warning(kLogModule, "source ", name, ": stopped early, keeping the pages read: ", error->detail);
            error.reset();
        }
        if (error) {
            state->done(FetchResult(std::move(*error)));
            return;
        }
        if (next && (!state->start || !(*next == *state->start))) {
            state->batch.next_cursor = EncodeCursor(*next);
        }
        // A gap left, or a gap just closed with newer posts possibly waiting: fetch again now.
        state->batch.has_more = next && (next->gap.has_value() || state->filling_gap);
        state->done(FetchResult(std::move(state->batch)));
    };
    if (context_.loop != nullptr) {
        boost::asio::post(*context_.loop, std::move(deliver));  // never call `done` from inside FetchAsync
    } else {
        deliver();
    }
}

Result<void> DiscourseConnector::Acknowledge(const Batch& /*batch*/) {
    return outcome::success();
}

std::variant<RawItem, BadRecord> DiscourseConnector::ParseRecord(std::string_view raw, std::string_view locator) const {
    if (raw.size() >= kMaxQuarantineRawBytes) {
        return BadRecord{std::string(locator), "record was truncated when quarantined", std::string(raw), true};
    }
    auto outcome = ParsePostRecord(raw, options_);
    if (auto* item = std::get_if<RawItem>(&outcome)) {
        return std::move(*item);
    }
    if (auto* reason = std::get_if<std::string>(&outcome)) {
        return BadRecord{std::string(locator), std::move(*reason), std::string(raw), false};
    }
    return BadRecord{std::string(locator), "post is deleted or a small action: nothing to store", std::string(raw),
                     false};
}

std::optional<WebhookResult> DiscourseConnector::HandleWebhook(const WebhookRequest& request) const {
    if (!webhook_secret_.Configured()) {
        return std::nullopt;
    }
    WebhookResult result;
    if (request.method != "POST") {
        result.status = 405;
        result.detail = "webhooks are POST";
        return result;
    }
    Secret secret;
    try {
        secret = webhook_secret_.Read();
    } catch (const std::exception& error) {
        // Our side is broken, not the sender's: 503 makes Discourse retry once the operator fixed the file.
        result.status = 503;
        result.detail = std::string("cannot read the webhook secret: ") + error.what();
        return result;
    }
    const std::string* signature = request.Header("x-discourse-event-signature");
    if (signature == nullptr || !VerifyDiscourseSignature(secret.Reveal(), request.body, *signature)) {
        result.status = 403;
        result.detail = signature == nullptr ? "no X-Discourse-Event-Signature" : "bad X-Discourse-Event-Signature";
        return result;
    }
    auto parsed = ParseDiscourseWebhook(request.headers, request.body, options_);
    if (auto* error = std::get_if<WebhookError>(&parsed)) {
        result.detail = error->reason;
        if (error->kind == WebhookError::Kind::kIgnored) {
            result.status = 202;
        } else {
            result.status = 400;
        }
        return result;
    }
    result.items.push_back(std::get<RawItem>(std::move(parsed)));
    result.detail = "post event";
    return result;
}

}  // namespace carelisten::connectors::discourse
