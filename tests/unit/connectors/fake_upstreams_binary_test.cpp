// carelisten-fake-upstreams, as the demo and the e2e tests run it: started as a process on a copy of
// tests/support/fake_upstreams_example, reached through the address it writes, stopped with SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <connectors/errc.hpp>
#include <connectors/http/client.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <support/temp_dir.hpp>
#include <thread>
#include <vector>

extern char** environ;

namespace carelisten::connectors::http {
namespace {

using std::chrono::milliseconds;

class FakeUpstreamsBinaryTest : public ::testing::Test {
protected:
    void SetUp() override {
        const char* source = std::getenv("CARELISTEN_SOURCE_DIR");
        const char* binary = std::getenv("CARELISTEN_BINARY_DIR");
        ASSERT_NE(source, nullptr) << "run through ctest (CARELISTEN_SOURCE_DIR)";
        ASSERT_NE(binary, nullptr) << "run through ctest (CARELISTEN_BINARY_DIR)";
        example_ = std::filesystem::path(source) / "tests/support/fake_upstreams_example";
        program_ = std::filesystem::path(binary) / "tests/support/carelisten-fake-upstreams";
        ASSERT_TRUE(std::filesystem::exists(program_)) << program_;
        std::filesystem::copy(example_, dir_.Path() / "routes");
        address_file_ = dir_.Path() / "address";
    }

    void TearDown() override {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }

    // Starts the server and returns its base URL once the address file appears.
    std::string Start(const std::vector<std::string>& extra = {}) {
        std::vector<std::string> args = {program_.string(), "--dir", (dir_.Path() / "routes").string(),
                                         "--address-file", address_file_.string()};
        args.insert(args.end(), extra.begin(), extra.end());
        std::vector<char*> argv;
        for (auto& arg : args)
            argv.push_back(arg.data());
        argv.push_back(nullptr);
        EXPECT_EQ(::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ), 0);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!std::filesystem::exists(address_file_) && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(milliseconds(20));
        }
        std::ifstream in(address_file_);
        std::string address;
        std::getline(in, address);
        return address;
    }

    Outcome Fetch(const std::string& url, const std::string& method = "GET") {
        boost::asio::io_context io;
        ClientOptions options;
        options.allow_plain_http_loopback = true;
        Client client(io, options);
        std::optional<Outcome> outcome;
        Request request;
        request.method = method;
        request.url = url;
        client.Submit(request, [&](Outcome result) { outcome = std::move(result); });
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!outcome && std::chrono::steady_clock::now() < deadline)
            io.run_one_for(milliseconds(50));
        EXPECT_TRUE(outcome.has_value());
        return outcome.value_or(Outcome{});
    }

    carelisten::testing::TempDir dir_;
    std::filesystem::path example_;
    std::filesystem::path program_;
    std::filesystem::path address_file_;
    pid_t pid_ = -1;
};

TEST_F(FakeUpstreamsBinaryTest, ServesTheRoutesFileAndStopsOnSigterm) {
    const std::string base = Start();
    ASSERT_TRUE(base.starts_with("http://127.0.0.1:")) << base;

    const Outcome items = Fetch(base + "/api/items?page=1");
    ASSERT_TRUE(items.response.has_value()) << items.error.detail;
    EXPECT_EQ(items.response->status, 200);
    std::ifstream expected_file(example_ / "items.json");
    const std::string expected((std::istreambuf_iterator<char>(expected_file)), std::istreambuf_iterator<char>());
    EXPECT_EQ(items.response->body, expected);
    ASSERT_NE(items.response->Header("content-type"), nullptr);
    EXPECT_TRUE(items.response->Header("content-type")->starts_with("application/json"));

    const Outcome feed = Fetch(base + "/feed.xml");
    ASSERT_TRUE(feed.response.has_value());
    EXPECT_TRUE(feed.response->Header("content-type")->starts_with("application/xml"));

    const Outcome ack = Fetch(base + "/api/ack", "POST");
    ASSERT_TRUE(ack.response.has_value());
    EXPECT_EQ(ack.response->status, 204);
    EXPECT_TRUE(ack.response->body.empty());

    EXPECT_EQ(Fetch(base + "/nothing/here").response->status, 404);

    // Files are read per request: a test may change an answer while the server runs.
    carelisten::testing::WriteFile(dir_.Path() / "routes/items.json", R"({"items":[]})");
    EXPECT_EQ(Fetch(base + "/api/items").response->body, R"({"items":[]})");

    ASSERT_EQ(::kill(pid_, SIGTERM), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid_, &status, 0), pid_);
    pid_ = -1;
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(FakeUpstreamsBinaryTest, FailPrefixAnswers503) {
    const std::string base = Start({"--fail-prefix", "/api/"});
    const Outcome items = Fetch(base + "/api/items");
    ASSERT_TRUE(items.response.has_value());
    EXPECT_EQ(items.response->status, 503);
    const auto classification = ClassifyResponse(*items.response, Clock::now());
    ASSERT_TRUE(classification);
    EXPECT_EQ(classification->code, ConnectorErrc::kRetryLater);
    EXPECT_EQ(Fetch(base + "/feed.xml").response->status, 200);
}

}  // namespace
}  // namespace carelisten::connectors::http
