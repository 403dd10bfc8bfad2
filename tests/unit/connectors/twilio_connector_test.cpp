// The twilio_sms connector against a fake Twilio (FakeUpstream on 127.0.0.1:0) speaking the 2010 API's JSON:
// Messages list paging through next_page_uri, the cursor, 429/20429, failures, and the signed webhook.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <connectors/errc.hpp>
#include <connectors/http/client.hpp>
#include <connectors/twilio/twilio_connector.hpp>
#include <fstream>
#include <sstream>
#include <support/fake_upstream.hpp>
#include <support/temp_dir.hpp>

namespace carelisten::connectors::twilio {
namespace {

using carelisten::testing::FakeResponse;
using carelisten::testing::FakeUpstream;
using carelisten::testing::RecordedRequest;

constexpr std::string_view kAccount = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr std::string_view kToken = "tw1l10-t0k3n";

std::string Fixture(const std::string& name) {
    std::ifstream in(std::string(CARELISTEN_FIXTURES_DIR) + "/twilio/" + name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class TwilioConnectorTest : public ::testing::Test {
protected:
    TwilioConnectorTest() {
        carelisten::testing::WriteFile(dir_.Path() / "auth_token", std::string(kToken) + "\n");
        Recreate({});
    }

    void Recreate(http::ClientOptions options) {
        connector_.reset();
        client_.reset();
        options.allow_plain_http_loopback = true;
        client_ = std::make_unique<http::Client>(io_, options);
    }

    Settings MakeSettings() {
        Settings settings = DefaultSettings(Factory().settings);
        settings.Set("base_url", fake_.BaseUrl());
        settings.Set("account_sid", std::string(kAccount));
        settings.Set("auth_token_file", (dir_.Path() / "auth_token").string());
        settings.Set("phone_number", std::string("022 4000 1234"));
        settings.Set("default_region", std::string("IN"));
        return settings;
    }

    TwilioConnector& Make() {
        connector_ = std::make_unique<TwilioConnector>("hospital_sms", MakeSettings(),
                                                       ConnectorContext{.loop = &io_, .http = client_.get()});
        return *connector_;
    }

    void ServeTwoPages() {
        fake_.Route("GET", "/2010-04-01/Accounts/" + std::string(kAccount) + "/Messages.json",
                    [](const RecordedRequest& request) {
                        return FakeResponse::Json(Fixture(
                            request.QueryParam("PageToken").empty() ? "messages_page1.json" : "messages_page2.json"));
                    });
    }

    FetchResult Fetch(const std::optional<std::string>& cursor, std::size_t max_items = 500) {
        std::optional<FetchResult> result;
        int calls = 0;
        connector_->FetchAsync(cursor, max_items, [&](FetchResult r) {
            ++calls;
            result.emplace(std::move(r));
        });
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!result && std::chrono::steady_clock::now() < deadline) {
            io_.restart();
            io_.run_for(std::chrono::milliseconds(20));
        }
        EXPECT_EQ(calls, 1);
        if (!result) {
            ADD_FAILURE() << "fetch did not complete";
            return FetchResult(FetchError{ConnectorErrc::kRetryLater, "timeout", std::nullopt});
        }
        return *result;
    }

    WebhookRequest SignedPush(const std::string& body, const std::string& query = "") {
        WebhookRequest request;
        request.method = "POST";
        request.path = "/webhooks/hospital_sms";
        request.query = query;
        request.body = body;
        request.public_url =
            "https://listen.stelsewhere.example/webhooks/hospital_sms" + (query.empty() ? std::string() : "?" + query);
        request.headers = {{"content-type", "application/x-www-form-urlencoded"},
                           {"x-twilio-signature", ComputeSignature(kToken, request.public_url, *ParseForm(body))}};
        return request;
    }

    carelisten::testing::TempDir dir_;
    FakeUpstream fake_;
    boost::asio::io_context io_;
    std::unique_ptr<http::Client> client_;
    std::unique_ptr<TwilioConnector> connector_;
};

TEST_F(TwilioConnectorTest, FollowsNextPageUriWithBasicAuthAndTheToFilterAndSetsTheCursor) {
    ServeTwoPages();
    Make();
    auto result = Fetch(EncodeCursor(std::chrono::sys_days(std::chrono::year(2026) / 11 / 1)));
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    auto& batch = result.Value();
    ASSERT_EQ(batch.items.size(), 3U);
    EXPECT_EQ(batch.items[2].external_id, "SMb0000000000000000000000000000003");
    EXPECT_EQ(batch.bad_records.size(), 1U);
    ASSERT_TRUE(batch.next_cursor);
    const auto next = DecodeCursor(*batch.next_cursor);
    ASSERT_TRUE(next);
    EXPECT_EQ(*next, std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) - std::chrono::days(1));
    const auto requests = fake_.Requests();
    ASSERT_EQ(requests.size(), 2U);
    EXPECT_EQ(requests[0].QueryParam("To"), "+912240001234");
    EXPECT_EQ(requests[0].QueryParam("DateSent>"), "2026-11-01");
    EXPECT_EQ(requests[0].Header("authorization"),
              "Basic QUNhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYTp0dzFsMTAtdDBrM24=");
    EXPECT_EQ(requests[1].QueryParam("PageToken"), "PASMb0000000000000000000000000000002");
}

TEST_F(TwilioConnectorTest, ABudgetThatEndsEarlyKeepsTheCursorSoNothingOlderIsSkipped) {
    ServeTwoPages();
    Make();
    const auto cursor = EncodeCursor(std::chrono::sys_days(std::chrono::year(2026) / 11 / 1));
    auto result = Fetch(cursor, 1);
    ASSERT_TRUE(result.Ok());
    EXPECT_EQ(result.Value().items.size(), 1U);
    EXPECT_FALSE(result.Value().next_cursor);
}

TEST_F(TwilioConnectorTest, AnEmptyListIsAnEmptyBatch) {
    fake_.Route("GET", "/2010-04-01/", [](const RecordedRequest&) {
        return FakeResponse::Json(R"({"messages":[],"next_page_uri":null,"page":0,"page_size":100})");
    });
    Make();
    auto result = Fetch(std::nullopt);
    ASSERT_TRUE(result.Ok());
    EXPECT_TRUE(result.Value().items.empty());
    EXPECT_TRUE(result.Value().next_cursor);
}

TEST_F(TwilioConnectorTest, Error20429WithRetryAfterIsRateLimitedAndBlocksTheAccount) {
    fake_.Route("GET", "/2010-04-01/", [](const RecordedRequest&) {
        auto response = FakeResponse::Json(
            R"({"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429})",
            429);
        response.headers.emplace_back("Retry-After", "120");
        return response;
    });
    Make();
    const auto before = std::chrono::system_clock::now();
    auto result = Fetch(std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(result.Error().code, make_error_code(ConnectorErrc::kRateLimited));
    ASSERT_TRUE(result.Error().retry_at);
    EXPECT_GE(*result.Error().retry_at, before + std::chrono::seconds(110));
    EXPECT_NE(result.Error().detail.find("20429"), std::string::npos);
    // The next poll does not call Twilio at all until then.
    auto again = Fetch(std::nullopt);
    EXPECT_EQ(again.Error().code, make_error_code(ConnectorErrc::kRateLimited));
    EXPECT_EQ(fake_.RequestCount(), 1U);
}

TEST_F(TwilioConnectorTest, A401IsAuthBrokenNamingTheTokenFile) {
    fake_.Route("GET", "/2010-04-01/", [](const RecordedRequest&) {
        return FakeResponse::Json(R"({"code":20003,"message":"Authenticate","status":401})", 401);
    });
    Make();
    auto result = Fetch(std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(result.Error().code, make_error_code(ConnectorErrc::kAuthBroken));
    EXPECT_NE(result.Error().detail.find("sources.hospital_sms.auth_token_file"), std::string::npos);
}

TEST_F(TwilioConnectorTest, A5xxOnTheSecondPageFailsTheWholePollSoNothingIsConsumed) {
    fake_.Route("GET", "/2010-04-01/", [](const RecordedRequest& request) {
        if (!request.QueryParam("PageToken").empty()) {
            return FakeResponse::Json(R"({"code":20500,"message":"Internal Server Error","status":500})", 500);
        }
        return FakeResponse::Json(Fixture("messages_page1.json"));
    });
    Make();
    auto result = Fetch(std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(result.Error().code, make_error_code(ConnectorErrc::kRetryLater));
}

TEST_F(TwilioConnectorTest, InvalidAndDeeplyNestedPagesAreMalformed) {
    int call = 0;
    fake_.Route("GET", "/2010-04-01/", [&call](const RecordedRequest&) {
        return FakeResponse::Json(++call == 1 ? std::string(R"({"messages":[{"sid":)") : std::string(100000, '['));
    });
    Make();
    EXPECT_EQ(Fetch(std::nullopt).Error().code, make_error_code(ConnectorErrc::kMalformed));
    EXPECT_EQ(Fetch(std::nullopt).Error().code, make_error_code(ConnectorErrc::kMalformed));
}

TEST_F(TwilioConnectorTest, AStalledResponseTimesOutAsRetryLater) {
    http::ClientOptions options;
    options.total_timeout = std::chrono::milliseconds(300);
    Recreate(options);
    fake_.Route("GET", "/2010-04-01/", [](const RecordedRequest&) {
        auto response = FakeResponse::Json(R"({"messages":[]})");
        response.delay = std::chrono::milliseconds(2000);
        return response;
    });
    Make();
    EXPECT_EQ(Fetch(std::nullopt).Error().code, make_error_code(ConnectorErrc::kRetryLater));
}

TEST_F(TwilioConnectorTest, ATruncatedOrResetResponseAndABurstOf5xxAreRetryLaterAndConsumeNothing) {
    int call = 0;
    fake_.Route("GET", "/2010-04-01/", [&call](const RecordedRequest&) {
        ++call;
        auto response = FakeResponse::Json(Fixture("messages_page1.json"));
        if (call == 1) {
            response.truncate = true;
        } else if (call == 2) {
            response.reset = true;
        } else {
            response = FakeResponse::Json(R"({"code":20500,"message":"Internal Server Error","status":500})", 503);
        }
        return response;
    });
    Make();
    for (int i = 0; i < 5; ++i) {
        const auto result = Fetch(std::nullopt);
        ASSERT_FALSE(result.Ok());
        EXPECT_EQ(result.Error().code, make_error_code(ConnectorErrc::kRetryLater)) << i << result.Error().detail;
    }
}

TEST_F(TwilioConnectorTest, AWebhookSignedWithTheTokenBecomesAnSmsItemAnsweredWithEmptyTwiml) {
    Make();
    const auto result =
        connector_->HandleWebhook(SignedPush("MessageSid=SMc0000000000000000000000000000001&AccountSid="
                                             "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&From=%2B919812300007"
                                             "&To=%2B912240001234&Body=My+lawyer+will+hear+about+this&NumMedia=0"));
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200U);
    ASSERT_EQ(result->items.size(), 1U);
    EXPECT_EQ(result->items[0].external_id, "SMc0000000000000000000000000000001");
    EXPECT_EQ(result->items[0].author, "+919812300007");
    EXPECT_EQ(result->response_content_type, "text/xml");
    EXPECT_NE(result->response_body.find("<Response></Response>"), std::string::npos);
}

TEST_F(TwilioConnectorTest, AForgedOrUnsignedWebhookIs403AndStoresNothing) {
    Make();
    auto request = SignedPush("MessageSid=SMc0000000000000000000000000000002&From=%2B919812300007&Body=hi");
    request.body = "MessageSid=SMc0000000000000000000000000000002&From=%2B919812300008&Body=hi";
    auto result = connector_->HandleWebhook(request);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 403U);
    EXPECT_TRUE(result->items.empty());
    request.headers.pop_back();
    result = connector_->HandleWebhook(request);
    EXPECT_EQ(result->status, 403U);
    request.method = "GET";
    EXPECT_EQ(connector_->HandleWebhook(request)->status, 405U);
}

TEST_F(TwilioConnectorTest, AStatusCallbackCarriesTheDeliveryUpdateForTheOutbox) {
    Make();
    const auto result = connector_->HandleWebhook(
        SignedPush("MessageSid=SMd0000000000000000000000000000001&MessageStatus=delivered&AccountSid="
                   "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                   "callback=status&outbox=ob-42-abc"));
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200U);
    EXPECT_TRUE(result->items.empty());
    ASSERT_EQ(result->delivery_updates.size(), 1U);
    EXPECT_EQ(result->delivery_updates[0].marker, "ob-42-abc");
    EXPECT_EQ(result->delivery_updates[0].status, "delivered");
}

TEST_F(TwilioConnectorTest, ReparsesAQuarantinedRecordAndRefusesBadSettings) {
    Make();
    const auto parsed = connector_->ParseRecord(
        R"({"sid":"SMe0000000000000000000000000000001","direction":"inbound","from":"+919812300009","body":"ok"})",
        "x");
    ASSERT_TRUE(std::holds_alternative<RawItem>(parsed));
    EXPECT_TRUE(std::holds_alternative<BadRecord>(connector_->ParseRecord(R"({"direction":"inbound"})", "x")));
    auto settings = MakeSettings();
    settings.Set("phone_number", std::string("12"));
    EXPECT_THROW(TwilioConnector("s", settings, {}), std::invalid_argument);
    settings = MakeSettings();
    settings.Set("account_sid", std::string("AC1"));
    EXPECT_THROW(TwilioConnector("s", settings, {}), std::invalid_argument);
}

}  // namespace
}  // namespace carelisten::connectors::twilio
