// webhook_bench: Twilio's inbound SMS webhook under load from a second process on loopback. This process starts a
// private PostgreSQL cluster and the real carelistend (a twilio_sms source whose API is a local fake, the public
// listener on a free port), then sends N distinct, correctly signed inbound messages from C concurrent clients,
// each request on a new connection as Twilio makes them. A request's latency runs from connecting to the last
// byte of the answer, which comes only after the message is committed. Prints p50, p90, p99 and max latency and
// the rate, and checks that every message is stored exactly once.
//
//   webhook_bench --requests 5000 --concurrency 16
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <common/log.hpp>
#include <connectors/twilio/twilio_wire.hpp>
#include <csignal>
#include <daemon/embedded_postgres.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <support/fake_upstream.hpp>
#include <support/temp_dir.hpp>
#include <thread>
#include <vector>

namespace {

using namespace carelisten;
using Clock = std::chrono::steady_clock;
namespace twilio = connectors::twilio;

constexpr std::string_view kAccount = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
constexpr std::string_view kToken = "bench-auth-t0ken";
constexpr std::string_view kPublicBase = "https://listen.bench.example";
constexpr std::string_view kTarget = "/webhooks/bench_sms";

std::string ReadTrimmed(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::string text;
    std::getline(in, text);
    return text;
}

/// One signed inbound SMS as Twilio posts it.
std::string SignedRequest(const std::string& address, std::size_t n) {
    char sid[40];
    std::snprintf(sid, sizeof sid, "SMb%031zu", n);
    const twilio::FormParams params{
        {"ToCountry", "IN"},
        {"SmsMessageSid", sid},
        {"NumMedia", "0"},
        {"Body", "Waited three hours at the pharmacy counter, message " + std::to_string(n)},
        {"SmsSid", sid},
        {"From", "+9198" + std::to_string(10000000 + n % 5000000)},
        {"To", "+912240001234"},
        {"NumSegments", "1"},
        {"MessageSid", sid},
        {"AccountSid", std::string(kAccount)},
        {"ApiVersion", "2010-04-01"}};
    std::string body;
    for (const auto& [name, value] : params) {
        body += (body.empty() ? "" : "&") + twilio::FormEncode(name) + "=" + twilio::FormEncode(value);
    }
    return "POST " + std::string(kTarget) + " HTTP/1.1\r\nHost: " + address +
           "\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: " +
           twilio::ComputeSignature(kToken, std::string(kPublicBase) + std::string(kTarget), params) +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

int Exchange(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& request) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect(endpoint, ec);
    if (ec) {
        return 0;
    }
    boost::asio::write(socket, boost::asio::buffer(request), ec);
    std::string answer;
    boost::asio::read(socket, boost::asio::dynamic_buffer(answer), ec);
    return answer.size() > 12 ? std::stoi(answer.substr(9, 3)) : 0;
}

double Percentile(std::vector<double>& sorted, double p) {
    return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size())))];
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"inbound webhook latency under load, from a second process"};
    std::size_t requests = 5000;
    std::size_t concurrency = 16;
    std::string daemon_path =
        (std::filesystem::canonical("/proc/self/exe").parent_path() / "../../daemon/carelistend").string();
    cli.add_option("--requests", requests, "webhooks to send")->capture_default_str();
    cli.add_option("--concurrency", concurrency, "clients sending at once")->capture_default_str();
    cli.add_option("--daemon", daemon_path, "the carelistend binary")->capture_default_str();
    CLI11_PARSE(cli, argc, argv);
    log::SetMinLevel(log::Level::kWarning);

    testing::TempDir dir;
    daemon::EmbeddedPostgres postgres({.state_dir = (dir.Path() / "pg").string(), .run_as = "postgres", .bin_dir = ""});
    postgres.Start();
    testing::FakeUpstream upstream;  // Twilio's API for the polling backstop: no messages
    upstream.Route("GET", "/2010-04-01/Accounts/", [](const testing::RecordedRequest&) {
        return testing::FakeResponse::Json(R"({"messages":[],"next_page_uri":null,"page":0,"page_size":50})");
    });
    testing::WriteFile(dir.Path() / "token", std::string(kToken) + "\n");
    const auto state = dir.Path() / "state";
    std::filesystem::create_directories(state);
    const auto config = dir.Path() / "carelistend.toml";
    testing::WriteFile(config, "[daemon]\nstate_dir = \"" + state.string() + "\"\nlog_level = \"warning\"\n" +
                                   "[database]\nurl = \"" + postgres.Conninfo() + "\"\n[http]\nlisten_port = 0\n" +
                                   "[upstream]\nallow_plain_http_loopback = true\n[webhooks]\nenabled = true\n" +
                                   "listen_port = 0\npublic_base_url = \"" + std::string(kPublicBase) + "\"\n" +
                                   "[sources.bench_sms]\ntype = \"twilio_sms\"\npoll_interval_ms = 600000\n" +
                                   "base_url = \"" + upstream.BaseUrl() + "\"\naccount_sid = \"" +
                                   std::string(kAccount) + "\"\nauth_token_file = \"" +
                                   (dir.Path() / "token").string() +
                                   "\"\nphone_number = \"+912240001234\"\ndefault_region = \"IN\"\n");

    const pid_t daemon = ::fork();
    if (daemon == 0) {
        const std::string log = (dir.Path() / "daemon.log").string();
        std::freopen(log.c_str(), "a", stderr);
        ::execl(daemon_path.c_str(), daemon_path.c_str(), "--config", config.c_str(), nullptr);
        std::_Exit(127);
    }
    std::string address;
    for (int i = 0; i < 600 && address.empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        address = ReadTrimmed(state / "webhooks.address");
    }
    if (address.empty()) {
        std::cerr << "carelistend did not start (" << daemon_path << "); see its log\n";
        ::kill(daemon, SIGKILL);
        return 1;
    }
    const auto colon = address.rfind(':');
    const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address(address.substr(0, colon)),
                                                  static_cast<unsigned short>(std::stoi(address.substr(colon + 1))));

    // Warm-up (connections, prepared statements), not measured.
    for (std::size_t i = 0; i < 50; ++i) {
        Exchange(endpoint, SignedRequest(address, requests + i));
    }
    std::vector<std::string> prepared(requests);
    for (std::size_t i = 0; i < requests; ++i) {
        prepared[i] = SignedRequest(address, i);
    }
    std::vector<double> latencies(requests);
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> failures{0};
    const auto start = Clock::now();
    std::vector<std::thread> clients;
    for (std::size_t c = 0; c < concurrency; ++c) {
        clients.emplace_back([&] {
            for (std::size_t i = next.fetch_add(1); i < requests; i = next.fetch_add(1)) {
                const auto sent = Clock::now();
                const int status = Exchange(endpoint, prepared[i]);
                latencies[i] = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
                failures += status == 200 ? 0 : 1;
            }
        });
    }
    for (auto& client : clients) {
        client.join();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

    pqxx::connection connection(postgres.Conninfo());
    const auto stored = pqxx::nontransaction(connection)
                            .exec1("SELECT count(*), count(DISTINCT external_id) FROM item WHERE source = 'bench_sms'");
    ::kill(daemon, SIGTERM);
    int status = 0;
    ::waitpid(daemon, &status, 0);
    postgres.Stop();

    std::sort(latencies.begin(), latencies.end());
    std::cout << "requests: " << requests << ", concurrency " << concurrency << ", failed " << failures.load()
              << "\nlatency (connect to answer, after the commit): p50 " << Percentile(latencies, 0.50) << " ms, p90 "
              << Percentile(latencies, 0.90) << " ms, p99 " << Percentile(latencies, 0.99) << " ms, max "
              << latencies.back() << " ms\nrate: " << static_cast<long>(static_cast<double>(requests) / seconds)
              << " webhooks/s\nstored: " << stored[0].as<long>() << " items, " << stored[1].as<long>()
              << " distinct (expected " << requests + 50 << ")\n";
    return failures.load() == 0 && stored[0].as<std::size_t>() == requests + 50 &&
                   stored[1].as<std::size_t>() == requests + 50
               ? 0
               : 1;
}
