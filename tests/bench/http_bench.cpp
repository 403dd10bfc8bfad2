// http_bench: the HTTP runtime alone against FakeUpstream on loopback, run by hand.
//
//   http_bench [--requests N] [--concurrency C] [--body-bytes B] [--delay-ms D]
//
// Keeps C requests in flight on one io_context thread until N completed, each answered after D ms with
// a JSON body of B bytes, and prints requests per second, MB per second and the latency the runtime
// adds on top of the upstream's own delay (p50 / p99 / max of elapsed - D).
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <connectors/http/client.hpp>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <support/fake_upstream.hpp>
#include <vector>

namespace {

using namespace carelisten;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

struct Options {
    std::size_t requests = 5000;
    std::size_t concurrency = 50;
    std::size_t body_bytes = 20'000;
    long delay_ms = 0;
};

Options ParseArgs(int argc, char** argv) {
    Options options;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string name = argv[i];
        const auto value = std::strtoull(argv[i + 1], nullptr, 10);
        if (name == "--requests") {
            options.requests = value;
        } else if (name == "--concurrency") {
            options.concurrency = std::max<std::size_t>(value, 1);
        } else if (name == "--body-bytes") {
            options.body_bytes = value;
        } else if (name == "--delay-ms") {
            options.delay_ms = static_cast<long>(value);
        } else {
            std::fprintf(stderr, "unknown option %s\n", name.c_str());
            std::exit(2);
        }
    }
    return options;
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = ParseArgs(argc, argv);
    testing::FakeUpstream fake;
    std::string body = R"({"data":[)";
    while (body.size() + 64 < options.body_bytes)
        body += R"({"id":"1234567890","text":"synthetic post"},)";
    body += R"({"id":"0"}]})";
    fake.Route("GET", "/page", [&](const testing::RecordedRequest&) {
        testing::FakeResponse response = testing::FakeResponse::Json(body);
        response.delay = milliseconds(options.delay_ms);
        return response;
    });

    boost::asio::io_context io;
    connectors::http::ClientOptions client_options;
    client_options.allow_plain_http_loopback = true;
    client_options.max_in_flight = options.concurrency;
    connectors::http::Client client(io, client_options);

    std::vector<double> added_ms;
    added_ms.reserve(options.requests);
    std::size_t submitted = 0;
    std::size_t failed = 0;
    std::size_t bytes = 0;
    std::function<void()> submit_one = [&] {
        if (submitted == options.requests)
            return;
        ++submitted;
        connectors::http::Request request;
        request.url = fake.BaseUrl() + "/page?n=" + std::to_string(submitted);
        const auto started = steady_clock::now();
        client.Submit(std::move(request), [&, started](connectors::http::Outcome outcome) {
            if (outcome.response && outcome.response->status == 200) {
                bytes += outcome.response->body.size();
                const double elapsed = std::chrono::duration<double, std::milli>(steady_clock::now() - started).count();
                added_ms.push_back(std::max(0.0, elapsed - static_cast<double>(options.delay_ms)));
            } else {
                ++failed;
            }
            if (added_ms.size() + failed == options.requests)
                io.stop();
            submit_one();
        });
    };
    const auto started = steady_clock::now();
    for (std::size_t i = 0; i < options.concurrency; ++i)
        submit_one();
    io.run();
    const double seconds = std::chrono::duration<double>(steady_clock::now() - started).count();

    std::sort(added_ms.begin(), added_ms.end());
    const auto at = [&](double q) {
        return added_ms.empty() ? 0.0
                                : added_ms[static_cast<std::size_t>(q * static_cast<double>(added_ms.size() - 1))];
    };
    std::printf("requests %zu  concurrency %zu  body %zu B  upstream delay %ld ms  failed %zu\n", options.requests,
                options.concurrency, options.body_bytes, options.delay_ms, failed);
    std::printf("%.0f requests/s  %.1f MB/s  added latency p50 %.2f ms  p99 %.2f ms  max %.2f ms\n",
                static_cast<double>(options.requests - failed) / seconds, static_cast<double>(bytes) / seconds / 1e6,
                at(0.5), at(0.99), added_ms.empty() ? 0.0 : added_ms.back());
    return failed == 0 ? 0 : 1;
}
