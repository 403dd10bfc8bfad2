#include <openssl/evp.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <connectors/errc.hpp>
#include <connectors/http/client.hpp>
#include <connectors/twilio/phone.hpp>
#include <connectors/twilio/twilio_connector.hpp>
#include <cstdio>
#include <stdexcept>

namespace carelisten::connectors::twilio {
namespace {

const std::array kSettingSpecs = {
    SettingSpec{.key = "base_url",
                .type = SettingType::kString,
                .default_value = std::string{"https://api.twilio.com"},
                .description = "Twilio's REST API host (tests and the demo point this at a fake).",
                .reloadable = false},
    SettingSpec{.key = "account_sid",
                .type = SettingType::kString,
                .default_value = std::monostate{},
                .description = "The Account SID (AC...), from the Twilio Console (required).",
                .reloadable = false},
    SettingSpec{.key = "auth_token_file",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "File holding the account's Auth Token: signs webhooks and authenticates API calls.",
                .reloadable = false},
    SettingSpec{.key = "auth_token_credential",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "systemd credential holding the Auth Token (instead of auth_token_file).",
                .reloadable = false},
    SettingSpec{.key = "phone_number",
                .type = SettingType::kString,
                .default_value = std::monostate{},
                .description = "The hospital's Twilio number that patients text, any format (stored as E.164).",
                .reloadable = false},
    SettingSpec{.key = "default_region",
                .type = SettingType::kString,
                .default_value = std::string{"IN"},
                .description = "ISO 3166 region for numbers written without a country code (e.g. IN, GB, US).",
                .reloadable = false},
    SettingSpec{.key = "page_size",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{100},
                .description = "Messages per list page (PageSize), 1 .. 1000.",
                .reloadable = false,
                .min = 1,
                .max = 1000},
    SettingSpec{.key = "max_pages",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{10},
                .description = "Most list pages read per poll, 1 .. 100.",
                .reloadable = false,
                .min = 1,
                .max = 100},
    SettingSpec{.key = "lookback_days",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{1},
                .description = "Days re-read before the last complete poll (DateSent>= is per day), 1 .. 30.",
                .reloadable = false,
                .min = 1,
                .max = 30},
    SettingSpec{.key = "requests_per_minute",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{60},
                .description = "Client-side limit for this account's list requests, 1 .. 600 (Twilio answers "
                               "429/20429 above its concurrency limit).",
                .reloadable = false,
                .min = 1,
                .max = 600},
};

std::unique_ptr<Connector> Create(std::string name, const Settings& settings, const ConnectorContext& context) {
    return std::make_unique<TwilioConnector>(std::move(name), settings, context);
}

const ConnectorFactory kFactory{
    .type = "twilio_sms",
    .description = "SMS to the hospital's Twilio number: signed webhook, Messages list as a backstop",
    .settings = SettingsTable{.name = "twilio_sms", .specs = kSettingSpecs},
    .create = &Create,
};

constexpr std::chrono::seconds kDefaultRateLimitWait{30};

std::string Base64(std::string_view text) {
    std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
    const int written =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                        reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    out.resize(static_cast<std::size_t>(std::max(written, 0)));
    return out;
}

std::string DayText(std::chrono::sys_days day) {
    const std::chrono::year_month_day date(day);
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
    return text;
}

std::string QueryValue(std::string_view query, std::string_view name) {
    std::size_t start = 0;
    while (start <= query.size()) {
        auto end = query.find('&', start);
        if (end == std::string_view::npos) {
            end = query.size();
        }
        const std::string_view pair = query.substr(start, end - start);
        const auto equals = pair.find('=');
        if (pair.substr(0, equals) == name) {
            return equals == std::string_view::npos ? std::string() : std::string(pair.substr(equals + 1));
        }
        start = end + 1;
    }
    return {};
}

}  // namespace

const ConnectorFactory& Factory() {
    return kFactory;
}

std::string EncodeCursor(std::chrono::sys_days since) {
    return R"({"since":")" + DayText(since) + "\"}";
}

std::optional<std::chrono::sys_days> DecodeCursor(std::string_view cursor) {
    rapidjson::Document document;
    document.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(cursor.data(),
                                                                                           cursor.size());
    if (document.HasParseError() || !document.IsObject()) {
        return std::nullopt;
    }
    const auto since = document.FindMember("since");
    if (since == document.MemberEnd() || !since->value.IsString() || since->value.GetStringLength() != 10) {
        return std::nullopt;
    }
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
    if (std::sscanf(since->value.GetString(), "%4d-%2u-%2u", &year, &month, &day) != 3) {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
    if (!date.ok()) {
        return std::nullopt;
    }
    return std::chrono::sys_days(date);
}

std::optional<StatusCallback> ParseStatusCallback(std::string_view query, const FormParams& params) {
    if (QueryValue(query, "callback") != "status") {
        return std::nullopt;
    }
    StatusCallback callback;
    callback.marker = QueryValue(query, "outbox");
    if (const auto* sid = FindParam(params, "MessageSid")) {
        callback.sid = *sid;
    }
    if (const auto* status = FindParam(params, "MessageStatus")) {
        callback.status = *status;
    }
    if (const auto* code = FindParam(params, "ErrorCode")) {
        callback.error_code = *code;
    }
    return callback;
}

struct TwilioConnector::FetchState {
    FetchCallback done;
    std::chrono::sys_days since{};
    bool first_poll = false;
    std::size_t budget = 0;
    std::size_t pages_left = 0;
    bool complete = false;  ///< the walk reached the last page
    bool truncated = false;
    Batch batch;
    std::string authorization;
};

TwilioConnector::TwilioConnector(std::string name, const Settings& settings, const ConnectorContext& context)
    : name_(std::move(name)),
      context_(context),
      base_url_(settings.GetString("base_url")),
      account_sid_(settings.GetString("account_sid")),
      auth_token_{settings.GetString("auth_token_file"), settings.GetString("auth_token_credential")},
      page_size_(static_cast<std::size_t>(settings.GetInt("page_size"))),
      max_pages_(static_cast<std::size_t>(settings.GetInt("max_pages"))),
      lookback_days_(static_cast<int>(settings.GetInt("lookback_days"))),
      requests_per_minute_(static_cast<double>(settings.GetInt("requests_per_minute"))) {
    while (!base_url_.empty() && base_url_.back() == '/') {
        base_url_.pop_back();
    }
    if (!base_url_.starts_with("https://") && !base_url_.starts_with("http://")) {
        throw std::invalid_argument("sources." + name_ + ".base_url must be an https:// URL");
    }
    if (account_sid_.size() != 34 || !account_sid_.starts_with("AC") ||
        !std::all_of(account_sid_.begin(), account_sid_.end(), [](unsigned char c) { return std::isalnum(c) != 0; })) {
        throw std::invalid_argument("sources." + name_ + ".account_sid must be the 34-character AC... Account SID");
    }
    if (!auth_token_.Configured()) {
        throw std::invalid_argument("sources." + name_ + ": set auth_token_file or auth_token_credential");
    }
    if (!auth_token_.file.empty() && !auth_token_.credential.empty()) {
        throw std::invalid_argument("sources." + name_ + ": set auth_token_file or auth_token_credential, not both");
    }
    options_.source = name_;
    options_.default_region = settings.GetString("default_region");
    if (!IsKnownRegion(options_.default_region)) {
        throw std::invalid_argument("sources." + name_ + ".default_region is not a known ISO 3166 region");
    }
    auto number = ToE164(settings.GetString("phone_number"), options_.default_region);
    if (!number) {
        throw std::invalid_argument("sources." + name_ + ".phone_number is not a valid phone number");
    }
    phone_number_ = std::move(*number);
    rate_limit_key_ = "twilio:" + account_sid_;
}

void TwilioConnector::FetchAsync(const std::optional<std::string>& cursor, std::size_t max_items, FetchCallback done) {
    auto state = std::make_shared<FetchState>();
    state->done = std::move(done);
    state->budget = std::max<std::size_t>(max_items, 1);
    state->pages_left = max_pages_;
    const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
    if (cursor) {
        const auto since = DecodeCursor(*cursor);
        if (!since) {
            Finish(state, FetchError{ConnectorErrc::kPermanent,
                                     "the stored cursor of source " + name_ + " is unreadable; fix or delete it",
                                     std::nullopt});
            return;
        }
        state->since = *since;
    } else {
        state->since = today - std::chrono::days(lookback_days_);
        state->first_poll = true;
    }
    if (context_.http == nullptr) {
        Finish(state, FetchError{ConnectorErrc::kPermanent, "no HTTP runtime for source " + name_, std::nullopt});
        return;
    }
    if (!bucket_configured_) {
        context_.http->Limits().Configure(rate_limit_key_, {.rate_per_minute = requests_per_minute_, .burst = 5.0});
        bucket_configured_ = true;
    }
    if (const auto blocked = context_.http->Limits().BlockedUntil(rate_limit_key_);
        blocked && *blocked > std::chrono::system_clock::now()) {
        Finish(state, FetchError{ConnectorErrc::kRateLimited, "rate limited by Twilio (waiting)", *blocked});
        return;
    }
    try {
        state->authorization = "Basic " + Base64(account_sid_ + ":" + auth_token_.Read().Reveal());
    } catch (const std::exception& error) {
        Finish(state, FetchError{ConnectorErrc::kAuthBroken,
                                 std::string("cannot read the Auth Token: ") + error.what() + "; check sources." +
                                     name_ + ".auth_token_file",
                                 std::nullopt});
        return;
    }
    const std::string url = base_url_ + "/2010-04-01/Accounts/" + account_sid_ +
                            "/Messages.json?To=" + FormEncode(phone_number_) + "&DateSent%3E=" + DayText(state->since) +
                            "&PageSize=" + std::to_string(page_size_);
    FetchPage(std::move(state), url);
}

void TwilioConnector::FetchPage(std::shared_ptr<FetchState> state, std::string url) {
    http::Request request;
    request.url = std::move(url);
    request.headers = {{"Authorization", state->authorization}, {"Accept", "application/json"}};
    request.rate_limit_key = rate_limit_key_;
    --state->pages_left;
    context_.http->Submit(std::move(request), [this, alive = std::weak_ptr<int>(alive_),
                                               state](http::Outcome outcome) mutable {
        if (alive.expired()) {
            return;
        }
        if (!outcome.response) {
            Finish(state, FetchError{outcome.error.code, outcome.error.detail, std::nullopt});
            return;
        }
        const http::Response& response = *outcome.response;
        const auto now = std::chrono::system_clock::now();
        if (auto classified = http::ClassifyResponse(response, now)) {
            FetchError error{classified->code, classified->detail, classified->retry_at};
            const auto api_error = ParseApiError(response.body);
            if (api_error) {
                error.detail += " (Twilio error " + std::to_string(api_error->code) + ")";
            }
            if (response.status == 429 || (api_error && api_error->code == 20429)) {
                // 20429 is "never processed and always safe to retry": wait as told, or a polite default.
                error.code = ConnectorErrc::kRateLimited;
                if (!error.retry_at) {
                    error.retry_at = now + kDefaultRateLimitWait;
                }
                context_.http->Limits().BlockUntil(rate_limit_key_, *error.retry_at);
            } else if (classified->code == ConnectorErrc::kAuthBroken) {
                error.detail += "; check sources." + name_ + ".auth_token_file and sources." + name_ + ".account_sid";
            }
            Finish(state, std::move(error));
            return;
        }
        auto parsed = ParseMessagesPage(response.body, options_);
        if (auto* wire_error = std::get_if<WireError>(&parsed)) {
            Finish(state, FetchError{ConnectorErrc::kMalformed,
                                     "unreadable Messages.json page from Twilio: " + wire_error->reason, std::nullopt});
            return;
        }
        auto& page = std::get<MessagesPage>(parsed);
        for (auto& item : page.items) {
            if (state->budget == 0) {
                state->truncated = true;
                break;
            }
            state->batch.items.push_back(std::move(item));
            --state->budget;
        }
        for (auto& bad : page.bad_records) {
            state->batch.bad_records.push_back(std::move(bad));
        }
        if (page.next_page_uri.empty()) {
            state->complete = true;
        }
        if (state->complete || state->truncated || state->pages_left == 0) {
            Finish(state, std::nullopt);
            return;
        }
        FetchPage(std::move(state), base_url_ + page.next_page_uri);
    });
}

void TwilioConnector::Finish(std::shared_ptr<FetchState> state, std::optional<FetchError> error) {
    auto deliver = [this, state, error = std::move(error)]() mutable {
        if (error) {
            // A failed later page fails the whole poll: nothing is consumed, the next poll reads it all again
            // (items dedupe on the sid).
            state->done(FetchResult(std::move(*error)));
            return;
        }
        const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
        const auto next = today - std::chrono::days(lookback_days_);
        if (state->complete && !state->truncated && next > state->since) {
            // Everything sent on or after `since` was read: later polls need only the lookback window.
            state->batch.next_cursor = EncodeCursor(next);
        } else if (state->first_poll) {
            state->batch.next_cursor = EncodeCursor(state->since);
        }
        state->done(FetchResult(std::move(state->batch)));
    };
    if (context_.loop != nullptr) {
        boost::asio::post(*context_.loop, std::move(deliver));
    } else {
        deliver();
    }
}

Result<void> TwilioConnector::Acknowledge(const Batch& /*batch*/) {
    return outcome::success();
}

std::variant<RawItem, BadRecord> TwilioConnector::ParseRecord(std::string_view raw, std::string_view locator) const {
    if (raw.size() >= kMaxQuarantineRawBytes) {
        return BadRecord{std::string(locator), "record was truncated when quarantined", std::string(raw), true};
    }
    auto outcome = ParseMessageRecord(raw, options_);
    if (auto* item = std::get_if<RawItem>(&outcome)) {
        return std::move(*item);
    }
    return BadRecord{std::string(locator), std::get<std::string>(std::move(outcome)), std::string(raw), false};
}

std::optional<WebhookResult> TwilioConnector::HandleWebhook(const WebhookRequest& request) const {
    WebhookResult result;
    if (request.method != "POST") {
        result.status = 405;
        result.detail = "webhooks are POST";
        return result;
    }
    Secret token;
    try {
        token = auth_token_.Read();
    } catch (const std::exception& error) {
        result.status = 503;  // our side is broken: Twilio retries once the operator fixed the file
        result.detail = std::string("cannot read the Auth Token: ") + error.what();
        return result;
    }
    auto params = ParseForm(request.body);
    if (!params) {
        result.status = 400;
        result.detail = "body is not a well-formed form";
        return result;
    }
    const std::string* signature = request.Header("x-twilio-signature");
    if (signature == nullptr || !VerifySignature(token.Reveal(), request.public_url, *params, *signature)) {
        result.status = 403;
        result.detail = signature == nullptr ? "no X-Twilio-Signature" : "bad X-Twilio-Signature";
        return result;
    }
    if (const auto* account = FindParam(*params, "AccountSid"); account != nullptr && *account != account_sid_) {
        result.status = 403;
        result.detail = "AccountSid of another account";
        return result;
    }
    result.response_body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";
    result.response_content_type = "text/xml";
    if (auto callback = ParseStatusCallback(request.query, *params)) {
        if (callback->marker.empty() || callback->sid.empty() || callback->status.empty()) {
            result.status = 400;
            result.detail = "status callback without outbox marker, MessageSid or MessageStatus";
            return result;
        }
        result.delivery_updates.push_back(DeliveryUpdate{std::move(callback->marker), std::move(callback->sid),
                                                         std::move(callback->status), std::move(callback->error_code)});
        result.detail = "status callback";
        return result;
    }
    auto item = InboundFormToItem(*params, options_);
    if (auto* reason = std::get_if<std::string>(&item)) {
        result.status = 400;
        result.detail = "inbound message " + *reason;
        return result;
    }
    result.items.push_back(std::get<RawItem>(std::move(item)));
    result.detail = "inbound sms";
    return result;
}

}  // namespace carelisten::connectors::twilio
