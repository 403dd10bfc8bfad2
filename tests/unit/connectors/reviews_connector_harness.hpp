/// @file
/// @brief Runs one network connector's FetchAsync against a FakeUpstream: an io_context driven by the test
/// and an http::Client allowed to speak plain http to 127.0.0.1, with short timeouts.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <connectors/connector.hpp>
#include <connectors/errc.hpp>
#include <connectors/http/client.hpp>
#include <memory>
#include <optional>
#include <string>

namespace carelisten::testing {

/// Lifecycle: one per test; owns the loop and the client (cancelled and destroyed on the test's thread).
class ConnectorHarness {
public:
    explicit ConnectorHarness(connectors::http::ClientOptions options = DefaultOptions())
        : client_(std::make_unique<connectors::http::Client>(loop_, std::move(options))) {}
    ~ConnectorHarness() {
        client_->CancelAll();
        loop_.restart();
        loop_.run_for(std::chrono::milliseconds(200));
        client_.reset();
    }
    ConnectorHarness(const ConnectorHarness&) = delete;
    ConnectorHarness& operator=(const ConnectorHarness&) = delete;

    static connectors::http::ClientOptions DefaultOptions() {
        connectors::http::ClientOptions options;
        options.allow_plain_http_loopback = true;
        options.connect_timeout = std::chrono::milliseconds(2000);
        options.total_timeout = std::chrono::milliseconds(3000);
        options.low_speed_time = std::chrono::seconds(1);
        return options;
    }

    connectors::ConnectorContext Context() { return {&loop_, client_.get()}; }
    connectors::http::Client& Client() { return *client_; }

    /// Calls FetchAsync and runs the loop until `done` (fails the test if it never comes or comes twice).
    connectors::FetchResult Fetch(connectors::Connector& connector, const std::optional<std::string>& cursor,
                                  std::size_t max_items = 1000) {
        std::optional<connectors::FetchResult> result;
        int calls = 0;
        connector.FetchAsync(cursor, max_items, [&](connectors::FetchResult fetched) {
            ++calls;
            result.emplace(std::move(fetched));
            loop_.stop();
        });
        loop_.restart();
        if (!result) {
            loop_.run_for(std::chrono::seconds(20));
        }
        // Anything still queued (a second `done` would be a bug) gets a chance to show itself.
        loop_.restart();
        loop_.poll();
        EXPECT_EQ(calls, 1) << "done must be called exactly once";
        if (!result) {
            return connectors::FetchError{connectors::make_error_code(connectors::ConnectorErrc::kRetryLater),
                                          "test: no result", std::nullopt};
        }
        return std::move(*result);
    }

private:
    boost::asio::io_context loop_;
    std::unique_ptr<connectors::http::Client> client_;
};

inline connectors::ConnectorErrc ErrcOf(const connectors::FetchResult& result) {
    return static_cast<connectors::ConnectorErrc>(result.Error().code.value());
}

}  // namespace carelisten::testing
