// Shared by the X and Reddit connector tests: an io_context run by the test, an http::Client on it
// (plain http to the loopback fake allowed), a FakeUpstream, and a synchronous Fetch over FetchAsync.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <connectors/connector.hpp>
#include <connectors/http/client.hpp>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <support/fake_upstream.hpp>
#include <support/temp_dir.hpp>

namespace carelisten::connectors::testing_support {

inline std::string Fixture(const std::string& relative) {
    std::ifstream in(std::string(CARELISTEN_FIXTURES_DIR) + "/" + relative);
    if (!in) {
        throw std::runtime_error("missing fixture " + relative);
    }
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

inline http::ClientOptions TestClientOptions() {
    http::ClientOptions options;
    options.allow_plain_http_loopback = true;
    options.connect_timeout = std::chrono::milliseconds(2000);
    options.total_timeout = std::chrono::milliseconds(3000);
    options.low_speed_time = std::chrono::seconds(1);
    options.low_speed_bytes = 1;
    return options;
}

class Harness {
public:
    explicit Harness(http::ClientOptions options = TestClientOptions())
        : client_(std::make_unique<http::Client>(loop_, std::move(options))) {}
    ~Harness() {
        connector_.reset();
        client_->CancelAll();
        loop_.restart();
        loop_.poll();
        client_.reset();
    }

    carelisten::testing::FakeUpstream& Fake() { return fake_; }
    http::Client& Client() { return *client_; }
    const carelisten::testing::TempDir& Dir() const { return dir_; }
    ConnectorContext Context() { return ConnectorContext{&loop_, client_.get()}; }

    void Use(std::unique_ptr<Connector> connector) { connector_ = std::move(connector); }
    Connector& Get() { return *connector_; }

    /// Runs one FetchAsync to completion on the test's loop; fails the test if `done` is not called.
    FetchResult Fetch(const std::optional<std::string>& cursor, std::size_t max_items = 1000,
                      std::chrono::seconds limit = std::chrono::seconds(20)) {
        std::optional<FetchResult> result;
        int calls = 0;
        connector_->FetchAsync(cursor, max_items, [&](FetchResult r) {
            ++calls;
            result.emplace(std::move(r));
        });
        const auto deadline = std::chrono::steady_clock::now() + limit;
        loop_.restart();
        while (!result && std::chrono::steady_clock::now() < deadline) {
            loop_.run_one_for(std::chrono::milliseconds(50));
        }
        // done must be called exactly once: give a stray second call the chance to happen.
        loop_.restart();
        loop_.poll();
        if (!result) {
            throw std::runtime_error("FetchAsync did not call done in time");
        }
        if (calls != 1) {
            throw std::runtime_error("FetchAsync called done " + std::to_string(calls) + " times");
        }
        return std::move(*result);
    }

private:
    boost::asio::io_context loop_;
    carelisten::testing::FakeUpstream fake_;
    carelisten::testing::TempDir dir_;
    std::unique_ptr<http::Client> client_;
    std::unique_ptr<Connector> connector_;
};

}  // namespace carelisten::connectors::testing_support
