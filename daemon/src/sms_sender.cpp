#include <openssl/evp.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <common/log.hpp>
#include <connectors/errc.hpp>
#include <connectors/twilio/phone.hpp>
#include <connectors/twilio/twilio_wire.hpp>
#include <daemon/config.hpp>
#include <daemon/sms_sender.hpp>
#include <daemon/wiring.hpp>

namespace carelisten::daemon {
namespace {

constexpr std::string_view kLogModule = "sms_sender";
constexpr std::chrono::seconds kDefaultRetryAfter{30};
constexpr std::chrono::minutes kAuthRetry{5};
constexpr std::chrono::minutes kReconcileSlack{5};
constexpr int kReconcilePages = 3;

namespace http = connectors::http;
namespace twilio = connectors::twilio;

std::string Base64(std::string_view text) {
    std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
    const int written =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                        reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    out.resize(static_cast<std::size_t>(std::max(written, 0)));
    return out;
}

}  // namespace

struct SmsSender::Loop {
    boost::asio::io_context io;
    std::unique_ptr<http::Client> client;

    /// Runs one exchange to completion on this thread's loop.
    http::Outcome Exchange(http::Request request) {
        std::optional<http::Outcome> result;
        client->Submit(std::move(request), [&result](http::Outcome outcome) { result.emplace(std::move(outcome)); });
        while (!result) {
            io.restart();
            io.run_one();
        }
        return std::move(*result);
    }
};

std::vector<SmsSenderOptions> MakeSmsSenderOptions(const Config& config) {
    std::vector<SmsSenderOptions> out;
    for (const auto& source : config.sources) {
        if (source.type != "twilio_sms" || !source.common.GetBool("enabled")) {
            continue;
        }
        SmsSenderOptions options;
        options.source = source.name;
        options.base_url = source.specific.GetString("base_url");
        while (!options.base_url.empty() && options.base_url.back() == '/') {
            options.base_url.pop_back();
        }
        options.account_sid = source.specific.GetString("account_sid");
        options.auth_token = SecretSource{source.specific.GetString("auth_token_file"),
                                          source.specific.GetString("auth_token_credential")};
        options.from =
            twilio::ToE164(source.specific.GetString("phone_number"), source.specific.GetString("default_region"))
                .value_or(source.specific.GetString("phone_number"));
        if (const auto& base = config.webhooks.GetString("public_base_url");
            config.webhooks.GetBool("enabled") && !base.empty()) {
            options.webhook_url = base + "/webhooks/" + source.name;
        }
        options.client_options = MakeClientOptions(config);
        out.push_back(std::move(options));
    }
    return out;
}

SmsSender::SmsSender(SmsSenderOptions options, StoreFactory store_factory)
    : options_(std::move(options)), store_factory_(std::move(store_factory)) {}

SmsSender::~SmsSender() {
    RequestStop();
    Join();
}

void SmsSender::Start() {
    loop_ = std::make_unique<Loop>();
    thread_ = std::thread([this] { Run(); });
}

void SmsSender::RequestStop() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (loop_) {
        // An exchange in flight is aborted (its row stays 'sending' and is reconciled at the next start), so a
        // stop never waits for a slow Twilio. Runs on the sender's thread, inside Exchange.
        boost::asio::post(loop_->io, [this] {
            if (loop_->client) {
                loop_->client->CancelAll();
            }
        });
    }
}

void SmsSender::Join() {
    if (thread_.joinable()) {
        thread_.join();
    }
}

bool SmsSender::Wait(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, duration, [this] { return stop_; });
}

void SmsSender::Run() {
    loop_->client = std::make_unique<http::Client>(loop_->io, options_.client_options);
    std::unique_ptr<crm::Store> store;
    bool reconciled = false;
    while (Wait(store ? options_.poll_interval : std::chrono::milliseconds(0))) {
        if (!store) {
            auto opened = store_factory_();
            if (!opened) {
                Wait(std::chrono::seconds(5));
                continue;
            }
            store = std::move(opened).value();
        }
        if (!reconciled) {
            reconciled = Reconcile(*store, *loop_->client);
            if (!reconciled) {
                continue;  // never send new messages while an earlier one may be in doubt for the same number
            }
        }
        for (;;) {
            auto claimed = store->ClaimOutbound(options_.source);
            if (!claimed || !claimed.value()) {
                break;
            }
            if (!Send(*store, *loop_->client, *claimed.value())) {
                reconciled = false;
                break;
            }
            const std::lock_guard lock(mutex_);
            if (stop_) {
                break;
            }
        }
    }
    loop_->client->CancelAll();
    loop_->client.reset();
}

bool SmsSender::Send(crm::Store& store, http::Client& /*client*/, const crm::OutboundRow& row) {
    std::string token;
    try {
        token = options_.auth_token.Read().Reveal();
    } catch (const std::exception& error) {
        log::Error(kLogModule, "source ", options_.source, ": cannot read the Auth Token (", error.what(),
                   "); outbox message ", row.id, " waits");
        (void)store.RetryOutbound(row.id, std::chrono::system_clock::now() + kAuthRetry, "auth token unreadable");
        return true;
    }
    http::Request request;
    request.method = "POST";
    request.url = options_.base_url + "/2010-04-01/Accounts/" + options_.account_sid + "/Messages.json";
    request.headers = {{"Authorization", "Basic " + Base64(options_.account_sid + ":" + token)},
                       {"Content-Type", "application/x-www-form-urlencoded"},
                       {"Accept", "application/json"}};
    request.body = "To=" + twilio::FormEncode(row.recipient) + "&From=" + twilio::FormEncode(options_.from) +
                   "&Body=" + twilio::FormEncode(row.body);
    if (!options_.webhook_url.empty()) {
        request.body +=
            "&StatusCallback=" + twilio::FormEncode(options_.webhook_url + "?callback=status&outbox=" + row.marker);
    }
    const auto outcome = loop_->Exchange(std::move(request));
    const auto now = std::chrono::system_clock::now();
    if (!outcome.response) {
        log::Warning(kLogModule, "source ", options_.source, ": outbox message ", row.id, " got no answer (",
                     outcome.error.detail, "); reconciling before any resend");
        return false;
    }
    const http::Response& response = *outcome.response;
    if (response.status >= 200 && response.status < 300) {
        if (const auto answer = twilio::ParseSendAnswer(response.body)) {
            (void)store.CompleteOutbound(row.id, answer->sid, answer->status);
            return true;
        }
        log::Warning(kLogModule, "source ", options_.source, ": outbox message ", row.id,
                     " answered without a sid; reconciling");
        return false;
    }
    const auto api_error = twilio::ParseApiError(response.body);
    const std::string code = api_error ? " (Twilio error " + std::to_string(api_error->code) + ")" : std::string();
    if (response.status == 429 || (api_error && api_error->code == 20429)) {
        auto retry_at = now + kDefaultRetryAfter;
        if (auto classified = http::ClassifyResponse(response, now); classified && classified->retry_at) {
            retry_at = *classified->retry_at;
        }
        (void)store.RetryOutbound(row.id, retry_at, "HTTP 429" + code);
        return true;
    }
    if (response.status == 401 || response.status == 403) {
        log::Error(kLogModule, "source ", options_.source, ": Twilio refused the credentials", code, "; check sources.",
                   options_.source, ".auth_token_file and account_sid");
        (void)store.RetryOutbound(row.id, now + kAuthRetry, "HTTP " + std::to_string(response.status) + code);
        return true;
    }
    if (response.status >= 400 && response.status < 500) {
        // Invalid number, opted out at the carrier (21610), ...: Twilio created nothing, and will not.
        (void)store.FailOutbound(row.id, "HTTP " + std::to_string(response.status) + code);
        return true;
    }
    log::Warning(kLogModule, "source ", options_.source, ": outbox message ", row.id, " got HTTP ", response.status,
                 "; reconciling before any resend");
    return false;
}

bool SmsSender::Reconcile(crm::Store& store, http::Client& /*client*/) {
    auto sending = store.ListOutbound(options_.source, "sending");
    if (!sending) {
        return false;
    }
    if (sending.value().empty()) {
        return true;
    }
    std::string token;
    try {
        token = options_.auth_token.Read().Reveal();
    } catch (const std::exception&) {
        return false;
    }
    const std::string authorization = "Basic " + Base64(options_.account_sid + ":" + token);
    for (const auto& row : sending.value()) {
        std::string url = options_.base_url + "/2010-04-01/Accounts/" + options_.account_sid +
                          "/Messages.json?To=" + twilio::FormEncode(row.recipient) +
                          "&From=" + twilio::FormEncode(options_.from) + "&PageSize=50";
        std::optional<twilio::ListedMessage> found;
        bool listed = false;
        for (int page = 0; page < kReconcilePages && !url.empty() && !found; ++page) {
            http::Request request;
            request.url = url;
            request.headers = {{"Authorization", authorization}, {"Accept", "application/json"}};
            const auto outcome = loop_->Exchange(std::move(request));
            if (!outcome.response || outcome.response->status != 200) {
                listed = false;
                break;
            }
            std::string next;
            const auto messages = twilio::ParseListedMessages(outcome.response->body, &next);
            if (!messages) {
                listed = false;
                break;
            }
            listed = true;
            for (const auto& message : *messages) {
                if (message.direction.starts_with("outbound") && message.body == row.body && message.date_created &&
                    *message.date_created >= row.updated_at - kReconcileSlack) {
                    found = message;
                    break;
                }
            }
            url = next.empty() ? std::string() : options_.base_url + next;
        }
        if (found) {
            log::Notice(kLogModule, "source ", options_.source, ": outbox message ", row.id,
                        " was sent before the answer was lost; recorded, not resent");
            (void)store.CompleteOutbound(row.id, found->sid, found->status);
        } else if (listed) {
            log::Notice(kLogModule, "source ", options_.source, ": outbox message ", row.id,
                        " never reached Twilio; queued again");
            (void)store.RetryOutbound(row.id, std::chrono::system_clock::now(), "not created at Twilio; resending");
        } else {
            return false;
        }
    }
    return true;
}

}  // namespace carelisten::daemon
