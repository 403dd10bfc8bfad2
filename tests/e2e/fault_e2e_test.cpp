// The fault-injection suite (`make test-faults`; a shorter form runs in `make test`). The real carelistend takes
// items from every kind of channel at once: files (jsonl_drop), two X searches and a Mastodon hashtag from fake
// upstreams that misbehave on purpose (429 with Retry-After, bursts of 5xx, stalled, truncated and reset responses,
// an expired token), a real Dovecot mailbox over IMAPS, signed Twilio SMS webhooks (replayed and forged ones among
// them) and HL7 discharges over MLLP (each replayed) whose follow-up surveys it sends to an SMTP sink. Meanwhile it is
// killed with SIGKILL at random moments, its PostgreSQL is stopped for a while and restarted, its connections are
// terminated from the server side, it is sent SIGHUP with a changed configuration, and (as root) its state
// directory's disk is filled. A checker then compares what the upstreams served and acknowledged with what the
// database holds, and prints two tables: the faults with the daemon's recovery time after each, and per channel the
// items expected, stored, duplicated and lost.
//
// CARELISTEN_FAULT_SCALE=full gives the issue's figures (about 100,000 items, 20 kills, the database down a
// minute); unset, a shorter form (about 6,000 items, 4 kills, 5 s) that fits the sanitizer tier.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <pg/pg_test_database.hpp>
#include <random>
#include <set>
#include <sstream>
#include <support/fake_upstream.hpp>
#include <support/smtp_sink.hpp>
#include <support/temp_dir.hpp>
#include <thread>

#include "channel_clients.hpp"
#include "daemon_process.hpp"
#include "fake_networks.hpp"

namespace carelisten::e2e {
namespace {

namespace fs = std::filesystem;
using carelisten::testing::FakeResponse;
using carelisten::testing::FakeUpstream;
using carelisten::testing::RecordedRequest;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kAccount = "ACfffffffffffffffffffffffffffffff0";
constexpr std::string_view kTwilioToken = "fault-suite-auth-token";
constexpr std::string_view kPublicBase = "https://listen.cityhosp.example";
constexpr const char* kMailbox = "FAULTS";
constexpr const char* kMailboxDone = "FAULTSDone";
const std::vector<std::string> kXSources = {"x_city", "x_citywide"};
constexpr const char* kMastodonSource = "mastodon_city";
constexpr auto kRecoveryBound = std::chrono::seconds(60);

struct Scale {
    bool full = false;
    int drop_files = 6;
    int drop_lines = 500;  // per file; every 100th line is malformed on top
    int posts_per_network_source = 600;
    int mails = 150;
    int sms = 1000;
    int patients = 30;
    int kills = 4;
    std::chrono::seconds database_pause{5};
};

Scale ChooseScale() {
    const char* scale = std::getenv("CARELISTEN_FAULT_SCALE");
    if (scale == nullptr || std::string_view(scale) != "full") {
        return {};
    }
    return {.full = true,
            .drop_files = 70,
            .drop_lines = 1000,
            .posts_per_network_source = 5000,
            .mails = 2000,
            .sms = 13000,
            .patients = 300,
            .kills = 20,
            .database_pause = std::chrono::seconds(60)};
}

unsigned short FreeLoopbackPort() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

std::string SqlTextArray(const std::vector<std::string>& values) {
    std::string array = "ARRAY[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        array += (i == 0 ? "'" : ",'") + values[i] + "'";
    }
    return array + "]::text[]";
}

/// The upstream faults, drawn per request; counted by kind for the report.
class UpstreamMisbehaviour {
public:
    enum Kind { kNone, kRateLimited, kServerError, kStall, kTruncate, kReset, kKinds };

    Kind Draw() {
        const std::lock_guard lock(mutex_);
        Kind kind = kNone;
        if (calm_) {
            return kNone;
        }
        if (burst_left_ > 0) {
            --burst_left_;
            kind = kServerError;
        } else if (scripted_ < kKinds) {
            // Every kind once first, so that even the short form (few polls) sees each of them.
            kind = static_cast<Kind>(scripted_++);
            if (kind == kServerError) {
                burst_left_ = 2;
            }
        } else {
            const int roll = static_cast<int>(random_() % 100);
            kind = roll < 4    ? kRateLimited
                   : roll < 7  ? kServerError
                   : roll < 9  ? kStall
                   : roll < 11 ? kTruncate
                   : roll < 12 ? kReset
                               : kNone;
            if (kind == kServerError) {
                burst_left_ = 2 + static_cast<int>(random_() % 4);  // a burst: the next few requests fail too
            }
        }
        ++counts_[kind];
        return kind;
    }

    int Count(Kind kind) const {
        const std::lock_guard lock(mutex_);
        return counts_[kind];
    }

    /// No more faults (the drain at the end).
    void Calm() {
        const std::lock_guard lock(mutex_);
        calm_ = true;
    }

private:
    mutable std::mutex mutex_;
    bool calm_ = false;
    std::mt19937 random_{20261202};
    int burst_left_ = 0;
    int scripted_ = kRateLimited;
    int counts_[kKinds] = {};
};

/// What the fake answers instead of the real page, in the network's own error shape.
FakeResponse Misbehaving(UpstreamMisbehaviour::Kind kind, bool mastodon, FakeResponse real) {
    switch (kind) {
        case UpstreamMisbehaviour::kRateLimited: {
            auto limited = mastodon ? FakeResponse::Json(R"({"error":"Too many requests"})", 429)
                                    : FakeResponse::Json(R"({"title":"Too Many Requests","detail":"Too Many Requests",)"
                                                         R"("type":"about:blank","status":429})",
                                                         429);
            limited.headers.emplace_back("Retry-After", "1");
            return limited;
        }
        case UpstreamMisbehaviour::kServerError:
            return mastodon ? FakeResponse::Json(R"({"error":"We're sorry, but something went wrong"})", 503)
                            : FakeResponse::Json(R"({"title":"Service Unavailable","status":503})", 503);
        case UpstreamMisbehaviour::kStall:
            real.stall = true;
            return real;
        case UpstreamMisbehaviour::kTruncate:
            real.truncate = true;
            return real;
        case UpstreamMisbehaviour::kReset:
            real.reset = true;
            return real;
        default:
            return real;
    }
}

/// Runs `step` on its own thread until it returns false or Stop() is called.
class Feeder {
public:
    template <typename Step>
    explicit Feeder(Step step)
        : thread_([this, step]() mutable {
              while (!stopping_.load() && step()) {
              }
              done_ = true;
          }) {}
    ~Feeder() { Stop(); }
    void Stop() {
        stopping_ = true;
        if (thread_.joinable()) {
            thread_.join();
        }
    }
    bool Done() const { return done_.load(); }

private:
    std::atomic<bool> stopping_{false};
    std::atomic<bool> done_{false};
    std::thread thread_;
};

/// Signed SMS webhooks, each re-sent until it is acknowledged with 200 (at-least-once, as a delivery queue does);
/// every 25th acknowledged one is replayed, every 40th send is preceded by a forged copy that must get 403.
class SmsPusher {
public:
    SmsPusher(std::string address, int total) : address_(std::move(address)), total_(total) {}

    /// One webhook (and its replay or forgery); false once all are acknowledged.
    bool Step() {
        if (next_ >= total_) {
            return false;
        }
        const int index = next_;
        const std::string sid = "SMfault" + std::to_string(1000000 + index);
        const auto params = TwilioInbound(
            kAccount, sid, "+9198" + std::to_string(10000000 + index),
            index % 7 == 0 ? "Waited 3 hours at the billing desk, staff were rude" : "Thank you, the nurses were kind");
        if (index % 40 == 0) {
            const auto forged_sid = "SMforged" + std::to_string(1000000 + index);
            const auto forged = TwilioInbound(kAccount, forged_sid, "+919800000000", "forged");
            int status = 0;
            for (int attempt = 0; attempt < 600 && (status == 0 || status >= 500); ++attempt) {
                status = StatusOf(
                    PostTwilioForm(address_, "/webhooks/hospital_sms", forged, "a-guessed-token", kPublicBase));
                if (status == 0 || status >= 500) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                }
            }
            (status == 403 ? forged_refused_ : forged_accepted_)++;
        }
        if (!PushUntilAcknowledged(params)) {
            return true;  // Stop() was called while the daemon was down
        }
        {
            const std::lock_guard lock(mutex_);
            acknowledged_.push_back(sid);
        }
        if (index % 25 == 0) {
            replays_acknowledged_ += PushUntilAcknowledged(params) ? 1 : 0;
        }
        ++next_;
        return true;
    }

    /// A webhook of its own (counted as expected), pushed until acknowledged: the recovery probe.
    bool Probe() {
        const std::string sid = "SMprobe" + std::to_string(1000000 + probes_.fetch_add(1));
        if (!PushUntilAcknowledged(TwilioInbound(kAccount, sid, "+919700000001", "probe: kind staff"), 1)) {
            return false;
        }
        const std::lock_guard lock(mutex_);
        acknowledged_.push_back(sid);
        return true;
    }

    std::vector<std::string> Acknowledged() const {
        const std::lock_guard lock(mutex_);
        return acknowledged_;
    }
    int ForgedRefused() const { return forged_refused_.load(); }
    int ForgedAccepted() const { return forged_accepted_.load(); }
    int ReplaysAcknowledged() const { return replays_acknowledged_.load(); }
    bool AllSent() const { return next_.load() >= total_; }
    void Stop() { stopping_ = true; }

private:
    bool PushUntilAcknowledged(const connectors::twilio::FormParams& params, int attempts_limit = 1 << 30) {
        for (int attempt = 0; attempt < attempts_limit && !stopping_.load(); ++attempt) {
            const int status =
                StatusOf(PostTwilioForm(address_, "/webhooks/hospital_sms", params, kTwilioToken, kPublicBase));
            if (status == 200) {
                return true;
            }
            if (status != 0 && status < 500) {
                ADD_FAILURE() << "webhook answered " << status;
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }

    std::string address_;
    int total_;
    std::atomic<int> next_{0};
    std::atomic<int> probes_{0};
    std::atomic<bool> stopping_{false};
    std::atomic<int> forged_refused_{0};
    std::atomic<int> forged_accepted_{0};
    std::atomic<int> replays_acknowledged_{0};
    mutable std::mutex mutex_;
    std::vector<std::string> acknowledged_;
};

/// HL7 discharges over MLLP, each re-sent until AA and then replayed once (the replay must be AA and change nothing).
class Hl7Sender {
public:
    Hl7Sender(std::string address, int patients) : address_(std::move(address)), patients_(patients) {}

    bool Step() {
        if (next_ >= patients_) {
            return false;
        }
        const int index = next_;
        const std::string control = "FLT-" + std::to_string(index);
        const std::string email = PatientEmail(index);
        const auto message = Hl7Discharge(control, "MRNF" + std::to_string(100000 + index), "FAULTPATIENT", email, 15);
        for (int copy = 0; copy < 2; ++copy) {
            while (!stopping_.load()) {
                std::string answer;
                try {
                    answer = MllpExchange(address_, {message}).at(0);
                } catch (const std::exception&) {
                    answer.clear();  // the daemon is down or went down mid-exchange: send again
                }
                if (answer.find("MSA|AA|" + control) != std::string::npos) {
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            if (stopping_.load()) {
                return false;
            }
            if (copy == 0) {
                const std::lock_guard lock(mutex_);
                acknowledged_.push_back(email);
            } else {
                ++replays_;
            }
        }
        ++next_;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return true;
    }

    static std::string PatientEmail(int index) { return "faultpatient" + std::to_string(index) + "@mail.example"; }
    std::vector<std::string> Acknowledged() const {
        const std::lock_guard lock(mutex_);
        return acknowledged_;
    }
    int Replays() const { return replays_.load(); }
    void Stop() { stopping_ = true; }

private:
    std::string address_;
    int patients_;
    std::atomic<int> next_{0};
    std::atomic<int> replays_{0};
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::vector<std::string> acknowledged_;
};

std::string MailMessage(int index) {
    const std::string body = index % 9 == 0 ? "The discharge letter was wrong and nobody answers the phone on ward 4."
                                            : "Many thanks to the cardiology team for the care my mother received.";
    return "From: Patient " + std::to_string(index) + " <mailpatient" + std::to_string(index) +
           "@mail.example>\r\nTo: feedback@cityhosp.example\r\nSubject: My stay\r\nDate: Wed, 02 Dec 2026 "
           "10:00:00 +0000\r\nMessage-ID: <fault-" +
           std::to_string(index) +
           "@mail.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n";
}

struct FaultRow {
    std::string fault;
    int times = 0;
    double worst_recovery_seconds = 0;
    std::string note;
};

struct ChannelRow {
    std::string channel;
    long long expected = 0;
    long long stored = 0;
    long long duplicated = 0;
    long long lost = 0;
};

std::string Tables(const std::vector<FaultRow>& faults, const std::vector<ChannelRow>& channels, const Scale& scale) {
    std::ostringstream out;
    out << "\nfault suite (" << (scale.full ? "full" : "short") << " form)\n\n";
    out << "| fault | times | worst recovery (s) | note |\n| --- | --- | --- | --- |\n";
    for (const auto& row : faults) {
        out << "| " << row.fault << " | " << row.times << " | " << std::fixed << std::setprecision(1)
            << row.worst_recovery_seconds << " | " << row.note << " |\n";
    }
    out << "\n| channel | expected | stored | duplicated | lost |\n| --- | --- | --- | --- | --- |\n";
    long long expected = 0;
    long long stored = 0;
    long long duplicated = 0;
    long long lost = 0;
    for (const auto& row : channels) {
        out << "| " << row.channel << " | " << row.expected << " | " << row.stored << " | " << row.duplicated << " | "
            << row.lost << " |\n";
        expected += row.expected;
        stored += row.stored;
        duplicated += row.duplicated;
        lost += row.lost;
    }
    out << "| all | " << expected << " | " << stored << " | " << duplicated << " | " << lost << " |\n";
    return out.str();
}

class FaultSuite : public ::testing::Test {
protected:
    void SetUp() override {
        dsn_ = test::PgTestDsn();
        if (!dsn_) {
            GTEST_SKIP() << test::kPgSkipMessage;
        }
        ASSERT_FALSE(DovecotDir().empty()) << "CARELISTEN_TEST_DOVECOT_DIR is not set: run through ctest";
        ASSERT_NE(std::getenv("CARELISTEN_TEST_PG_DIR"), nullptr);
    }

    std::optional<std::string> dsn_;
};

TEST_F(FaultSuite, EveryItemExactlyOnceThroughEveryFault) {
    const Scale scale = ChooseScale();
    test::TestDatabase database(*dsn_);
    testing::TempDir dir;
    const fs::path state = dir.Path() / "state";
    fs::create_directories(state);
    // As root, the state directory is a small tmpfs of its own, so that filling its disk fills nothing else.
    const bool own_state_disk = ::geteuid() == 0 && ::mount("tmpfs", state.c_str(), "tmpfs", 0, "size=2m") == 0;
    struct Unmount {
        fs::path path;
        bool mounted;
        ~Unmount() {
            if (mounted) {
                ::umount2(path.c_str(), MNT_DETACH);
            }
        }
    } unmount{state, own_state_disk};

    // The upstreams.
    Networks networks;
    UpstreamMisbehaviour misbehaviour;
    std::mutex token_mutex;
    std::string accepted_x_token = "x-token-1";
    FakeUpstream upstream;
    upstream.Route("GET", "/", [&](const RecordedRequest& request) {
        const auto slash = request.path.find('/', 1);
        const std::string source = request.path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
        const std::string rest = slash == std::string::npos ? "" : request.path.substr(slash);
        if (source.starts_with("x_") && rest == "/2/tweets/search/recent") {
            std::string token;
            {
                const std::lock_guard lock(token_mutex);
                token = accepted_x_token;
            }
            return Misbehaving(misbehaviour.Draw(), false, XSearch(networks, source, request, token));
        }
        if (source == kMastodonSource && rest.starts_with("/api/v1/timelines/tag/")) {
            return Misbehaving(misbehaviour.Draw(), true,
                               MastodonTag(networks, source, upstream.BaseUrl() + "/" + source, request));
        }
        return FakeResponse::Json(R"({"error":"Record not found"})", 404);
    });
    // Twilio's Messages list, which the SMS source polls for inbound messages: there are none (they come by webhook).
    upstream.Route("GET", "/2010-04-01/Accounts/", [](const RecordedRequest&) {
        return FakeResponse::Json(R"({"messages":[],"next_page_uri":null,"page":0,"page_size":50})");
    });
    carelisten::testing::SmtpSink sink;
    CreateMailbox(kMailbox);
    CreateMailbox(kMailboxDone);

    // The configuration, with fixed ports: the address files live in the state directory, whose disk gets full.
    const auto http_port = FreeLoopbackPort();
    const auto webhook_port = FreeLoopbackPort();
    const auto hl7_port = FreeLoopbackPort();
    const std::string http_address = "127.0.0.1:" + std::to_string(http_port);
    const std::string webhook_address = "127.0.0.1:" + std::to_string(webhook_port);
    const std::string hl7_address = "127.0.0.1:" + std::to_string(hl7_port);
    const fs::path drop = dir.Path() / "drop";
    fs::create_directories(drop);
    testing::WriteFile(dir.Path() / "x-token", "x-token-1\n");
    testing::WriteFile(dir.Path() / "mastodon-token", "mastodon-token\n");
    testing::WriteFile(dir.Path() / "twilio-token", std::string(kTwilioToken) + "\n");
    const auto config = dir.Path() / "carelistend.toml";
    const auto write_config =
        [&](int batch_size, int poll_interval_ms) {
            std::string text = R"([daemon]
state_dir = ")" + state.string() +
                               R"("
batch_size = )" + std::to_string(batch_size) +
                               R"(
poll_interval_ms = )" + std::to_string(poll_interval_ms) +
                               R"(
retry_max_delay_ms = 4000
[database]
url = ")" + database.Conninfo() +
                               R"("
[http]
listen_port = )" + std::to_string(http_port) +
                               R"(
[console]
enabled = false
[upstream]
allow_plain_http_loopback = true
request_timeout_ms = 3000
[webhooks]
enabled = true
listen_port = )" + std::to_string(webhook_port) +
                               R"(
public_base_url = ")" + std::string(kPublicBase) +
                               R"("
[surveys]
enabled = true
hospital_name = "City Hospital"
tick_interval_ms = 200
console_url = "https://console.cityhosp.example"
smtp_url = ")" + sink.Url() + R"("
smtp_allow_plaintext_loopback = true
from_address = "followup@cityhosp.example"
hl7_enabled = true
hl7_listen_port = )" + std::to_string(hl7_port) +
                               R"(
[sources.drop]
type = "jsonl_drop"
directory = ")" + drop.string() +
                               R"("
[sources.feedback_mail]
type = "imap"
url = "imaps://127.0.0.1:)" + TrimmedFile(DovecotDir() / "imaps_port") +
                               R"("
username = "patientmail"
password_file = ")" + (DovecotDir() / "password").string() +
                               R"("
ca_file = ")" + (DovecotDir() / "cert.pem").string() +
                               R"("
mailboxes = [")" + kMailbox + R"("]
after_commit = "move"
move_to = ")" + kMailboxDone + R"("
[sources.hospital_sms]
type = "twilio_sms"
base_url = ")" + upstream.BaseUrl() +
                               R"("
account_sid = ")" + std::string(kAccount) +
                               R"("
auth_token_file = ")" + (dir.Path() / "twilio-token").string() +
                               R"("
phone_number = "022 4000 1234"
default_region = "IN"
[sources.)" + kMastodonSource +
                               R"(]
type = "mastodon"
base_url = ")" + upstream.BaseUrl() +
                               "/" + kMastodonSource +
                               R"("
hashtags = ["stelsewhere"]
search_terms = []
requests_per_minute = 60
access_token_file = ")" + (dir.Path() / "mastodon-token").string() +
                               "\"\n";
            for (const auto& name : kXSources) {
                text += "[sources." + name + "]\ntype = \"x_recent_search\"\nbase_url = \"" + upstream.BaseUrl() + "/" +
                        name + "\"\nquery = [\"St Elsewhere\"]\nbearer_token_file = \"" +
                        (dir.Path() / "x-token").string() + "\"\nrequests_per_minute = 600\n";
            }
            testing::WriteFile(config, text);
        };
    write_config(250, 200);
    const std::string carelisten = (BinaryDir() / "daemon" / "carelisten").string();
    testing::WriteFile(dir.Path() / "any_hour.toml", AnyHourQuestionSet());
    const auto defined = RunCommand(
        {carelisten, "--config", config.string(), "surveys", "define", (dir.Path() / "any_hour.toml").string()});
    ASSERT_EQ(defined.status, 0) << defined.err;

    const auto log = dir.Path() / "daemon.log";
    auto daemon = std::make_unique<DaemonProcess>(config, log);
    daemon->Start();
    const auto ready = [&] { return HttpGet(http_address, "/readyz").status == 200; };
    ASSERT_TRUE(WaitUntil(ready, std::chrono::seconds(60))) << ReadWholeFile(log);

    // A network source's first poll takes the newest page only (no backfill, as on a new deployment): each gets one
    // post, stored before the load starts, so that every later post is one the daemon must page forward to.
    for (const auto& name : kXSources) {
        networks.Add(name, 4'000'001);
    }
    networks.Add(kMastodonSource, 4'000'001);
    ASSERT_TRUE(WaitUntil(
        [&] {
            return database.QueryInt("SELECT count(*) FROM source_cursor WHERE source LIKE 'x\\_%' OR source = '" +
                                     std::string(kMastodonSource) + "'") == 3;
        },
        std::chrono::seconds(60)))
        << "the network sources did not store their first post";

    // The load: every channel at once, for the whole schedule of faults.
    SmsPusher sms(webhook_address, scale.sms);
    Hl7Sender hl7(hl7_address, scale.patients);
    std::atomic<int> files_written{0};
    std::atomic<int> mails_delivered{0};
    const int network_total = scale.posts_per_network_source;
    std::atomic<int> network_posts{0};
    const auto pace = [](double per_second) {
        return std::chrono::microseconds(static_cast<long long>(1e6 / per_second));
    };
    // The feeders spread their items over about this long: about as long as the schedule of faults takes, so that
    // the faults meet the load.
    const double load_seconds = scale.full ? 120.0 : 40.0;
    Feeder files([&] {
        if (files_written >= scale.drop_files) {
            return false;
        }
        const int file = files_written;
        std::string content;
        for (int line = 0; line < scale.drop_lines; ++line) {
            const int id = file * scale.drop_lines + line;
            content += R"({"external_id":"file-)" + std::to_string(id) + R"(","author":"filepatient-)" +
                       std::to_string(id % 211) + R"(","text":"Visit )" + std::to_string(id) +
                       (id % 6 == 0 ? R"(: the nurse was rude and I waited hours for pain relief"})"
                                    : R"(: kind and helpful staff on the ward"})") +
                       "\n";
            if (line % 100 == 42) {
                content += "{\"external_id\": \"broken-" + std::to_string(id) + "\", \"text\": \n";
            }
        }
        const auto name = "batch-" + std::to_string(100000 + file);
        testing::WriteFile(drop / (name + ".partial"), content);
        fs::rename(drop / (name + ".partial"), drop / (name + ".jsonl"));  // a drop is complete when it appears
        ++files_written;
        std::this_thread::sleep_for(std::chrono::duration<double>(load_seconds / scale.drop_files));
        return true;
    });
    Feeder posts([&, next_id = std::uint64_t{5'000'000}]() mutable {
        if (network_posts >= network_total) {
            return false;
        }
        for (const auto& name : kXSources) {
            networks.Add(name, next_id += 3);
        }
        networks.Add(kMastodonSource, next_id += 3);
        ++network_posts;
        std::this_thread::sleep_for(pace(network_total / load_seconds));
        return true;
    });
    Feeder mail([&] {
        if (mails_delivered >= scale.mails) {
            return false;
        }
        DeliverMail(kMailbox, "fault-" + std::to_string(mails_delivered.load()) + ".eml", MailMessage(mails_delivered));
        ++mails_delivered;
        std::this_thread::sleep_for(pace(scale.mails / load_seconds));
        return true;
    });
    Feeder sms_feeder([&] { return sms.Step(); });
    Feeder hl7_feeder([&] { return hl7.Step(); });

    // Acknowledgements follow commits: whatever a peer was told is stored, is stored (checked while the daemon is
    // dead, so nothing can commit in between).
    int acknowledgement_checks = 0;
    const auto check_acknowledgements = [&](const std::string& when) {
        ++acknowledgement_checks;
        const auto sids = sms.Acknowledged();
        if (!sids.empty()) {
            EXPECT_EQ(database.QueryInt("SELECT count(DISTINCT external_id) FROM item WHERE source = 'hospital_sms' "
                                        "AND external_id = ANY (" +
                                        SqlTextArray(sids) + ")"),
                      static_cast<long long>(sids.size()))
                << "an SMS webhook was acknowledged before its commit (" << when << ")";
        }
        const auto emails = hl7.Acknowledged();
        if (!emails.empty()) {
            // The survey's own contact is chosen when it is invited; until then it is the patient's.
            EXPECT_EQ(database.QueryInt("SELECT count(DISTINCT c.value) FROM patient_contact AS c JOIN survey AS s "
                                        "ON s.patient_id = c.patient_id WHERE c.kind = 'email' AND c.value = ANY (" +
                                        SqlTextArray(emails) + ")"),
                      static_cast<long long>(emails.size()))
                << "an HL7 discharge was acknowledged (AA) before its survey was stored (" << when << ")";
        }
        EXPECT_LE(MaildirCount(kMailboxDone),
                  database.QueryInt("SELECT count(*) FROM item WHERE source = 'feedback_mail'"))
            << "a mail was moved to the done folder before its commit (" << when << ")";
        const long long done_lines = static_cast<long long>(CountDirectoryEntries(drop / "done")) * scale.drop_lines;
        EXPECT_LE(done_lines, database.QueryInt("SELECT count(*) FROM item WHERE source = 'drop'"))
            << "a drop file was moved to done/ before all its lines were committed (" << when << ")";
    };

    // Recovery: the daemon is ready and a new webhook is stored and acknowledged.
    const auto recovery_seconds = [&](Clock::time_point fault_ended) {
        EXPECT_TRUE(WaitUntil(ready, std::chrono::seconds(90))) << ReadWholeFile(log);
        EXPECT_TRUE(sms.Probe());
        return std::chrono::duration<double>(Clock::now() - fault_ended).count();
    };
    const auto restart = [&] {
        daemon = std::make_unique<DaemonProcess>(config, log);
        daemon->Start();
    };

    std::vector<FaultRow> faults;
    std::mt19937 random(20261202);
    const auto run_a_while = [&](int low_ms, int high_ms) {
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::uniform_int_distribution<int>(low_ms, high_ms)(random)));
    };

    // 1. kill -9 at random moments.
    FaultRow kills{"kill -9 at a random moment, then restart", 0, 0, ""};
    for (int kill = 0; kill < scale.kills; ++kill) {
        run_a_while(800, 4000);
        daemon->Signal(SIGKILL);
        ASSERT_EQ(daemon->Wait(std::chrono::seconds(10)), 128 + SIGKILL);
        check_acknowledgements("after kill " + std::to_string(kill + 1));
        const auto ended = Clock::now();
        restart();
        kills.worst_recovery_seconds = std::max(kills.worst_recovery_seconds, recovery_seconds(ended));
        ++kills.times;
    }
    faults.push_back(kills);

    // 2. PostgreSQL stopped for a while, then started again under the running daemon.
    run_a_while(1000, 2000);
    const std::string pg_cluster = std::string(std::getenv("CARELISTEN_SOURCE_DIR")) + "/tests/support/pg_cluster.sh";
    const std::string pg_dir = std::getenv("CARELISTEN_TEST_PG_DIR");
    ASSERT_EQ(RunCommand({pg_cluster, "pause", pg_dir}).status, 0);
    std::this_thread::sleep_for(scale.database_pause);
    EXPECT_TRUE(daemon->Running()) << "the daemon must wait out a database outage, not exit";
    ASSERT_EQ(RunCommand({pg_cluster, "resume", pg_dir}).status, 0);
    {
        const auto ended = Clock::now();
        faults.push_back({"PostgreSQL stopped for " + std::to_string(scale.database_pause.count()) + " s", 1,
                          recovery_seconds(ended), ""});
    }

    // 3. Every connection of the daemon terminated from the server side.
    run_a_while(1000, 2000);
    {
        const auto terminated = database.QueryInt(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
            "current_database() AND pid <> pg_backend_pid()) AS t");
        const auto ended = Clock::now();
        faults.push_back({"server-side termination of every connection", 1, recovery_seconds(ended),
                          std::to_string(terminated) + " connections"});
    }
    EXPECT_TRUE(daemon->Running());

    // 4. SIGHUP with a changed configuration, under load.
    {
        FaultRow reloads{"SIGHUP with a changed config (batch size, poll interval)", 0, 0, ""};
        for (int reload = 0; reload < 3; ++reload) {
            write_config(reload % 2 == 0 ? 100 : 400, reload % 2 == 0 ? 300 : 150);
            daemon->Signal(SIGHUP);
            const auto ended = Clock::now();
            reloads.worst_recovery_seconds = std::max(reloads.worst_recovery_seconds, recovery_seconds(ended));
            ++reloads.times;
            run_a_while(500, 1500);
        }
        const auto metrics = HttpGet(http_address, "/metrics").body;
        EXPECT_THAT(metrics, ::testing::HasSubstr("carelisten_config_reloads_total 3")) << metrics;
        faults.push_back(reloads);
    }

    // 5. An expired token: X refuses it with 401 until the operator puts the new one in the file and reloads.
    {
        {
            const std::lock_guard lock(token_mutex);
            accepted_x_token = "x-token-2";
        }
        const auto stored_x = [&] { return database.QueryInt("SELECT count(*) FROM item WHERE source LIKE 'x\\_%'"); };
        std::this_thread::sleep_for(std::chrono::seconds(3));
        testing::WriteFile(dir.Path() / "x-token", "x-token-2\n");
        daemon->Signal(SIGHUP);
        const auto ended = Clock::now();
        const auto before = stored_x();
        const bool resumed =
            WaitUntil([&] { return stored_x() > before || network_posts >= network_total; }, std::chrono::seconds(90));
        EXPECT_TRUE(resumed) << "the X sources did not resume after the token was rotated";
        faults.push_back({"expired X token, rotated in its file + SIGHUP", 1,
                          std::chrono::duration<double>(Clock::now() - ended).count(), ""});
    }

    // 6. The state directory's disk full, with a restart while it is full.
    if (own_state_disk) {
        {
            std::ofstream filler(state / "filler", std::ios::binary);
            const std::string block(64 * 1024, 'x');
            while (filler.write(block.data(), static_cast<std::streamsize>(block.size()))) {
            }
        }
        daemon->Signal(SIGKILL);
        daemon->Wait(std::chrono::seconds(10));
        check_acknowledgements("after the kill with a full state disk");
        restart();
        std::this_thread::sleep_for(std::chrono::seconds(3));
        EXPECT_TRUE(WaitUntil([&] { return daemon->Running() && ready(); }, std::chrono::seconds(30)))
            << "the daemon must run with a full state directory: " << ReadWholeFile(log);
        fs::remove(state / "filler");
        const auto ended = Clock::now();
        if (!daemon->Running()) {
            restart();  // as systemd's Restart=on-failure would
        }
        faults.push_back({"state directory's disk full, restart while full", 1, recovery_seconds(ended), ""});
    } else {
        faults.push_back({"state directory's disk full", 0, 0, "skipped: needs root for a tmpfs of its own"});
    }

    // The whole load is sent (the faults may end first); then everything must drain.
    const auto load_deadline = Clock::now() + std::chrono::minutes(scale.full ? 5 : 2);
    while (!(files.Done() && posts.Done() && mail.Done()) && Clock::now() < load_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_TRUE(files.Done() && posts.Done() && mail.Done()) << "the load was not all sent in time";
    files.Stop();
    posts.Stop();
    mail.Stop();
    misbehaviour.Calm();
    const auto feed_deadline = Clock::now() + std::chrono::minutes(scale.full ? 10 : 3);
    while (!(sms.AllSent() && hl7_feeder.Done()) && Clock::now() < feed_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    sms.Stop();
    hl7.Stop();
    sms_feeder.Stop();
    hl7_feeder.Stop();
    EXPECT_TRUE(sms.AllSent()) << "the webhooks were not all acknowledged in time";

    long long network_expected = 0;
    for (const auto& name : kXSources) {
        network_expected += static_cast<long long>(networks.Total(name));
    }
    const long long mastodon_expected = static_cast<long long>(networks.Total(kMastodonSource));
    const long long drop_expected = static_cast<long long>(files_written) * scale.drop_lines;
    const auto sids = sms.Acknowledged();
    const auto patients = hl7.Acknowledged();
    const auto invitations_to = [&](const std::string& email) {
        long long count = 0;
        for (const auto& message : sink.Messages()) {
            count += message.find("To: " + email) != std::string::npos ? 1 : 0;
        }
        return count;
    };
    const auto count_where = [&](const std::string& where) {
        return database.QueryInt("SELECT count(*) FROM item WHERE " + where);
    };
    const bool drained = WaitUntil(
        [&] {
            return count_where("source = 'drop'") >= drop_expected &&
                   count_where("source LIKE 'x\\_%'") >= network_expected &&
                   count_where("source = '" + std::string(kMastodonSource) + "'") >= mastodon_expected &&
                   count_where("source = 'feedback_mail'") >= mails_delivered &&
                   database.QueryInt("SELECT count(*) FROM survey WHERE state <> 'scheduled'") >=
                       static_cast<long long>(patients.size());
        },
        std::chrono::minutes(scale.full ? 10 : 3));
    std::this_thread::sleep_for(std::chrono::seconds(2));  // ten scheduler passes: a second copy would show by now
    const auto health = HttpGet(http_address, "/healthz").body;
    daemon->Signal(SIGTERM);
    EXPECT_EQ(daemon->Wait(std::chrono::seconds(60)), 0) << ReadWholeFile(log);
    EXPECT_TRUE(drained) << "not everything was stored in time";

    // The checker.
    std::vector<ChannelRow> channels;
    const auto row = [&](const std::string& channel, const std::string& where, long long expected) {
        const auto stored = database.QueryInt("SELECT count(DISTINCT (source, external_id)) FROM item WHERE " + where);
        const auto rows = database.QueryInt("SELECT count(*) FROM item WHERE " + where);
        channels.push_back({channel, expected, stored, rows - stored, std::max(0LL, expected - stored)});
        EXPECT_EQ(stored, expected) << channel;
        EXPECT_EQ(rows, stored) << channel << " duplicated";
    };
    row("files (jsonl_drop)", "source = 'drop'", drop_expected);
    row("X recent search (2 sources)", "source LIKE 'x\\_%'", network_expected);
    row("Mastodon hashtag", "source = '" + std::string(kMastodonSource) + "'", mastodon_expected);
    row("e-mail (IMAP, Dovecot)", "source = 'feedback_mail'", mails_delivered);
    row("SMS webhooks (Twilio)", "source = 'hospital_sms' AND external_id NOT LIKE 'SMforged%'",
        static_cast<long long>(sids.size()));
    {
        long long sent_once = 0;
        long long duplicated = 0;
        for (const auto& email : patients) {
            const auto copies = invitations_to(email);
            sent_once += copies >= 1 ? 1 : 0;
            duplicated += std::max(0LL, copies - 1);
        }
        const auto surveys = database.QueryInt("SELECT count(*) FROM survey");
        const auto unknown = database.QueryInt(
            "SELECT count(*) FROM outbound_message WHERE state = 'failed' AND error LIKE 'outcome unknown%'");
        channels.push_back({"HL7 discharges -> survey invitations e-mailed", static_cast<long long>(patients.size()),
                            sent_once, duplicated, static_cast<long long>(patients.size()) - sent_once});
        EXPECT_EQ(surveys, static_cast<long long>(patients.size())) << "one survey per discharge, replays included";
        EXPECT_EQ(duplicated, 0) << "a survey invitation was sent twice";
        // A kill between the claim and the SMTP exchange leaves the outcome unknown: such an invitation is marked
        // failed for staff, never sent again (SMTP cannot tell whether it went).
        EXPECT_EQ(sent_once + unknown, static_cast<long long>(patients.size()));
        faults.push_back({"HL7 discharges replayed", hl7.Replays(), 0, "each AA again, no second survey"});
    }
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM item WHERE external_id LIKE 'SMforged%'"), 0);
    EXPECT_EQ(sms.ForgedAccepted(), 0);
    EXPECT_GT(sms.ForgedRefused(), 0);
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM quarantine WHERE source = 'drop'"),
              static_cast<long long>(files_written) * (scale.drop_lines / 100));
    EXPECT_THAT(health, ::testing::HasSubstr("\"status\":\"ok\"")) << health;

    faults.push_back({"SMS webhooks replayed after their 200", sms.ReplaysAcknowledged(), 0, "no second item"});
    faults.push_back({"SMS webhooks forged", sms.ForgedRefused(), 0, "all refused with 403, none stored"});
    faults.push_back({"upstream 429 with Retry-After", misbehaviour.Count(UpstreamMisbehaviour::kRateLimited), 0, ""});
    faults.push_back({"upstream 5xx (in bursts)", misbehaviour.Count(UpstreamMisbehaviour::kServerError), 0, ""});
    faults.push_back({"upstream stalled responses", misbehaviour.Count(UpstreamMisbehaviour::kStall), 0, ""});
    faults.push_back({"upstream truncated responses", misbehaviour.Count(UpstreamMisbehaviour::kTruncate), 0, ""});
    faults.push_back({"upstream connections reset", misbehaviour.Count(UpstreamMisbehaviour::kReset), 0, ""});
    for (const auto& fault : faults) {
        EXPECT_LE(fault.worst_recovery_seconds, static_cast<double>(kRecoveryBound.count())) << fault.fault;
    }
    EXPECT_GT(acknowledgement_checks, scale.kills - 1);
    for (const auto kind :
         {UpstreamMisbehaviour::kRateLimited, UpstreamMisbehaviour::kServerError, UpstreamMisbehaviour::kStall,
          UpstreamMisbehaviour::kTruncate, UpstreamMisbehaviour::kReset}) {
        EXPECT_GT(misbehaviour.Count(kind), 0) << "upstream fault kind " << kind << " never happened";
    }

    const auto tables = Tables(faults, channels, scale);
    std::cout << tables << std::flush;
    testing::WriteFile(BinaryDir() / (scale.full ? "fault_report_full.md" : "fault_report.md"), tables);

    // No patient data in the log.
    const auto text = ReadWholeFile(log);
    for (const std::string secret : {"@mail.example", "@example.org", "+9198", "07700", "FAULTPATIENT", "Waited",
                                     "billing desk", "discharge letter"}) {
        EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in the log";
    }
}

}  // namespace
}  // namespace carelisten::e2e
