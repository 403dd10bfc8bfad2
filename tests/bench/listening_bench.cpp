// listening_bench: items per second from one fake upstream (X API v2 recent search, pages of 100 posts in the
// real wire format) through the HTTP runtime, the X connector, the analyzer and one crm transaction per batch
// into a private PostgreSQL cluster: the whole listening flow of carelistend, in process.
//
//   listening_bench --items 50000 [--batch 500]
//
// The connector's client-side rate limit is lifted (the real X allows far less than this: the figure measures
// the daemon, not the API plan).
#include <CLI/CLI.hpp>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <common/log.hpp>
#include <connectors/http/client.hpp>
#include <connectors/registry.hpp>
#include <crm/store.hpp>
#include <daemon/embedded_postgres.hpp>
#include <daemon/ingest.hpp>
#include <daemon/metrics.hpp>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlp/analyzer.hpp>
#include <support/fake_upstream.hpp>
#include <support/temp_dir.hpp>
#include <thread>

#include "bench_database.hpp"

namespace {

using namespace carelisten;
using Clock = std::chrono::steady_clock;

// Posts are composed from three fragment lists (216 combinations, plus the post's number), so they differ like
// real posts do: identical texts would all be linked as near-duplicates, which is not the common case.
const char* const kOpenings[] = {
    "The nurses on ward 7 at St Elsewhere", "Waited four hours in A&E at St Elsewhere",
    "The doctor at St Elsewhere",           "Parking at St Elsewhere",
    "The food on the cardiology ward",      "My mother's discharge from St Elsewhere",
};
const char* const kMiddles[] = {
    "were wonderful and explained everything to us,", "left us with no updates at all,",
    "was rude and dismissive about my medication,",   "was impossible on a weekday morning,",
    "arrived cold for the third time this week,",     "took the whole day because of paperwork,",
};
const char* const kEndings[] = {
    "thank you all so much",           "terrible experience overall", "please fix the billing too",
    "the cleaners were lovely though", "I will write to PALS",        "five stars for the physio team",
};

std::string PostText(std::uint64_t id) {
    return std::string(kOpenings[id % 6]) + " " + kMiddles[(id / 6) % 6] + " " + kEndings[(id / 36) % 6] + " (visit " +
           std::to_string(id) + ")";
}

/// Serves `total` posts newest first, 100 a page, paging with next_token within the since_id window.
testing::FakeResponse Search(std::size_t total, const testing::RecordedRequest& request) {
    const std::string since = request.QueryParam("since_id");
    const std::uint64_t since_id = since.empty() ? 0 : std::stoull(since);
    const std::string token = request.QueryParam("next_token");
    std::uint64_t top = token.empty() ? total : std::stoull(token);  // ids are 1..total
    std::string data;
    std::string users;
    std::uint64_t id = top;
    std::size_t count = 0;
    for (; id > since_id && count < 100; --id, ++count) {
        data += (data.empty() ? "" : ",") + std::string(R"({"id":")") + std::to_string(id) + R"(","text":")" +
                PostText(id) + R"(","author_id":")" + std::to_string(id % 997) +
                R"(","created_at":"2026-11-25T10:00:00.000Z","conversation_id":")" + std::to_string(id) +
                R"(","lang":"en"})";
        if (count < 20) {
            users += (users.empty() ? "" : ",") + std::string(R"({"id":")") + std::to_string(id % 997) +
                     R"(","username":"user)" + std::to_string(id % 997) + R"("})";
        }
    }
    std::string meta = R"("result_count":)" + std::to_string(count);
    if (count > 0) {
        meta += R"(,"newest_id":")" + std::to_string(top) + R"(","oldest_id":")" + std::to_string(id + 1) + "\"";
    }
    if (id > since_id) {
        meta += R"(,"next_token":")" + std::to_string(id) + "\"";
    }
    if (count == 0) {
        return testing::FakeResponse::Json("{\"meta\":{" + meta + "}}");
    }
    return testing::FakeResponse::Json("{\"data\":[" + data + "],\"includes\":{\"users\":[" + users + "]},\"meta\":{" +
                                       meta + "}}");
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"listening_bench: items per second from a fake X upstream through carelistend's flow into PostgreSQL"};
    std::size_t items = 50000;
    std::size_t batch_size = 500;
    cli.add_option("--items", items, "posts the upstream serves")->capture_default_str();
    cli.add_option("--batch", batch_size, "items per transaction (and per fetch)")->capture_default_str();
    CLI11_PARSE(cli, argc, argv);
    log::SetMinLevel(log::Level::kWarning);

    testing::TempDir dir;
    daemon::EmbeddedPostgres postgres(
        {.state_dir = (dir.Path() / "state").string(), .run_as = "postgres", .bin_dir = ""});
    if (!bench::StartWithSchema(postgres)) {
        return 1;
    }
    testing::FakeUpstream upstream;
    upstream.Route("GET", "/2/tweets/search/recent",
                   [items](const testing::RecordedRequest& request) { return Search(items, request); });
    { std::ofstream(dir.Path() / "token") << "bench-token\n"; }

    auto analyzer = nlp::Analyzer::Create();
    if (!analyzer) {
        std::cerr << "analyzer: " << analyzer.error().message() << "\n";
        return 1;
    }
    boost::asio::io_context fetch_loop;
    connectors::http::ClientOptions options;
    options.allow_plain_http_loopback = true;
    connectors::http::Client http(fetch_loop, options);
    const auto* factory = connectors::FindConnectorFactory("x_recent_search");
    Settings settings = DefaultSettings(factory->settings);
    settings.Set("base_url", upstream.BaseUrl());
    settings.Set("query", std::vector<std::string>{"St Elsewhere"});
    settings.Set("bearer_token_file", (dir.Path() / "token").string());
    settings.Set("requests_per_minute", 1e6);
    settings.Set("page_size", std::int64_t{100});
    std::vector<std::unique_ptr<connectors::Connector>> sources;
    sources.push_back(factory->create("x_bench", settings, {.loop = &fetch_loop, .http = &http}));

    daemon::Metrics metrics;
    daemon::IngestSettings ingest;
    ingest.batch_size = batch_size;
    ingest.poll_interval = std::chrono::milliseconds(50);
    const auto conninfo = postgres.Conninfo();
    const auto started = Clock::now();
    {
        daemon::IngestWorker worker(
            std::move(sources), analyzer.value(), [conninfo] { return crm::Store::Open(conninfo, ""); }, metrics,
            ingest, fetch_loop);
        worker.Start();
        while (metrics.FindSource("x_bench")->items_stored.load() < items) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        worker.RequestStop();
        worker.Join(std::chrono::seconds(30));
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    std::cout << "listening flow (fake X upstream -> HTTP runtime -> X connector -> analyzer -> PostgreSQL), batch "
              << batch_size << ": " << items << " items in " << seconds
              << " s = " << static_cast<double>(items) / seconds << " items/s ("
              << upstream.RequestCount("/2/tweets/search/recent") << " upstream requests)\n";
    postgres.Stop();
    return 0;
}
