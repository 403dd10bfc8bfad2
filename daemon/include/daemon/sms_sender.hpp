/// @file
/// @brief The SMS outbox sender: sends the queued messages of one twilio_sms source through Twilio's
/// Messages API exactly once, checking consent right before each send.
#pragma once

#include <atomic>
#include <chrono>
#include <common/secret.hpp>
#include <condition_variable>
#include <connectors/http/client.hpp>
#include <crm/store.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace carelisten::daemon {

struct Config;

struct SmsSenderOptions {
    std::string source;       ///< the twilio_sms source whose outbox rows are sent
    std::string base_url;     ///< https://api.twilio.com (a fake in tests)
    std::string account_sid;  ///< AC...
    SecretSource auth_token;
    std::string from;  ///< the source's number, E.164
    /// The public URL of the source's webhook ("<public_base_url>/webhooks/<source>"); empty: no StatusCallback.
    std::string webhook_url;
    std::chrono::milliseconds poll_interval{1000};
    connectors::http::ClientOptions client_options;
};

/// The sender's options for every twilio_sms source of `config` that is enabled.
std::vector<SmsSenderOptions> MakeSmsSenderOptions(const Config& config);

/// How exactly-once works: ClaimOutbound commits the row as 'sending' (with its random marker, also put in
/// the StatusCallback URL) before the API call; the answer makes it 'sent'. When no answer arrives (crash,
/// timeout, 5xx), the row stays 'sending' and is reconciled, at start and after such a failure, by listing
/// Twilio's messages to that recipient from our number: a message with the same body created after the send
/// began completes the row; none found means Twilio never created it, and only then is it queued again.
/// 429/20429 ("never processed, always safe to retry") re-queue the row after Retry-After.
///
/// Lifecycle: Start() runs one thread with its own io_context, HTTP client and database connection;
/// RequestStop() + Join() (or the destructor) end it between two sends. Thread-safety: Start/RequestStop/Join
/// from one owning thread.
class SmsSender {
public:
    using StoreFactory = std::function<Result<std::unique_ptr<crm::Store>>()>;

    SmsSender(SmsSenderOptions options, StoreFactory store_factory);
    ~SmsSender();
    SmsSender(const SmsSender&) = delete;
    SmsSender& operator=(const SmsSender&) = delete;

    void Start();
    void RequestStop();
    void Join();

private:
    void Run();
    bool Wait(std::chrono::milliseconds duration);
    /// Sends one claimed row; true when the row left 'sending' (sent, re-queued or failed).
    bool Send(crm::Store& store, connectors::http::Client& client, const crm::OutboundRow& row);
    /// Settles every 'sending' row by listing Twilio's messages; false when Twilio could not be asked.
    bool Reconcile(crm::Store& store, connectors::http::Client& client);

    SmsSenderOptions options_;
    StoreFactory store_factory_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    struct Loop;
    std::unique_ptr<Loop> loop_;
};

}  // namespace carelisten::daemon
