// Twilio's wire formats: the signature test vectors of Twilio's documentation, the webhook form, consent
// keywords, E.164 normalization and the Messages list page.
#include <gtest/gtest.h>

#include <connectors/twilio/phone.hpp>
#include <connectors/twilio/twilio_wire.hpp>
#include <fstream>
#include <sstream>

namespace carelisten::connectors::twilio {
namespace {

std::string Fixture(const std::string& name) {
    std::ifstream in(std::string(CARELISTEN_FIXTURES_DIR) + "/twilio/" + name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

FormParams DocumentedParams(const std::string& caller) {
    return {{"CallSid", "CA1234567890ABCDE"},
            {"Caller", caller},
            {"Digits", "1234"},
            {"From", caller},
            {"To", "+18005551212"}};
}

constexpr std::string_view kDocumentedUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";

TEST(TwilioSignature, MatchesBothVectorsOfTwiliosSecurityDocumentation) {
    EXPECT_EQ(ComputeSignature("12345", kDocumentedUrl, DocumentedParams("+12349013030")),
              "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    EXPECT_EQ(ComputeSignature("12345", kDocumentedUrl, DocumentedParams("+14158675310")),
              "GvWf1cFY/Q7PnoempGyD5oXAezc=");
}

TEST(TwilioSignature, ParameterOrderDoesNotMatterBecauseTwilioSortsThem) {
    auto params = DocumentedParams("+14158675310");
    std::reverse(params.begin(), params.end());
    EXPECT_TRUE(VerifySignature("12345", kDocumentedUrl, params, "GvWf1cFY/Q7PnoempGyD5oXAezc="));
}

TEST(TwilioSignature, RefusesAnotherTokenAChangedParameterOrUrlAndAnEmptySignature) {
    const auto params = DocumentedParams("+14158675310");
    EXPECT_FALSE(VerifySignature("54321", kDocumentedUrl, params, "GvWf1cFY/Q7PnoempGyD5oXAezc="));
    auto changed = params;
    changed[2].second = "1235";
    EXPECT_FALSE(VerifySignature("12345", kDocumentedUrl, changed, "GvWf1cFY/Q7PnoempGyD5oXAezc="));
    EXPECT_FALSE(VerifySignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=3", params,
                                 "GvWf1cFY/Q7PnoempGyD5oXAezc="));
    EXPECT_FALSE(VerifySignature("12345", kDocumentedUrl, params, ""));
    EXPECT_FALSE(VerifySignature("", kDocumentedUrl, params, ComputeSignature("", kDocumentedUrl, params)));
}

TEST(TwilioSignature, AcceptsTheUrlWithOrWithoutTheExplicitDefaultPortLikeTwiliosSdks) {
    const auto params = DocumentedParams("+14158675310");
    const auto with_port = ComputeSignature("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", params);
    EXPECT_TRUE(VerifySignature("12345", kDocumentedUrl, params, with_port));
    EXPECT_TRUE(VerifySignature("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", params,
                                "GvWf1cFY/Q7PnoempGyD5oXAezc="));
    // Another port is another URL.
    const auto other_port = ComputeSignature("12345", "https://mycompany.com:8443/myapp.php?foo=1&bar=2", params);
    EXPECT_FALSE(VerifySignature("12345", kDocumentedUrl, params, other_port));
}

TEST(TwilioForm, DecodesPlusPercentAndEmptyValuesInOrder) {
    const auto params = ParseForm("From=%2B919812300001&Body=Wait+was+4+hours%21&NumMedia=0&Empty=&Flag");
    ASSERT_TRUE(params);
    ASSERT_EQ(params->size(), 5U);
    EXPECT_EQ((*params)[0], (std::pair<std::string, std::string>{"From", "+919812300001"}));
    EXPECT_EQ(*FindParam(*params, "Body"), "Wait was 4 hours!");
    EXPECT_EQ(*FindParam(*params, "Empty"), "");
    EXPECT_EQ(*FindParam(*params, "Flag"), "");
    EXPECT_EQ(FindParam(*params, "To"), nullptr);
}

TEST(TwilioForm, DecodesUtf8DevanagariAndRefusesBrokenEscapesAndInvalidUtf8) {
    const auto params = ParseForm("Body=%E0%A4%A7%E0%A4%A8%E0%A5%8D%E0%A4%AF%E0%A4%B5%E0%A4%BE%E0%A4%A6");
    ASSERT_TRUE(params);
    EXPECT_EQ(*FindParam(*params, "Body"), "धन्यवाद");
    EXPECT_FALSE(ParseForm("Body=%E0%A4"));  // truncated UTF-8
    EXPECT_FALSE(ParseForm("Body=%zz"));
    EXPECT_FALSE(ParseForm("Body=%4"));
    EXPECT_FALSE(ParseForm("Body=%"));
    EXPECT_FALSE(ParseForm(std::string(kMaxFormBytes + 1, 'a')));
}

TEST(TwilioForm, EncodeThenParseRoundTrips) {
    const std::string text = "Ward 4 & billing = 100% wrong? धन्यवाद +1";
    const auto params = ParseForm("Body=" + FormEncode(text));
    ASSERT_TRUE(params);
    EXPECT_EQ(*FindParam(*params, "Body"), text);
}

TEST(TwilioKeywords, RecognisesTwiliosOptOutOptInAndHelpWordsOnly) {
    for (const char* word :
         {"STOP", "stop", " Stop. ", "STOPALL", "UNSUBSCRIBE", "cancel", "END", "quit", "REVOKE", "OPTOUT", "stop!"}) {
        EXPECT_EQ(ClassifyKeyword(word), Keyword::kOptOut) << word;
    }
    for (const char* word : {"START", "unstop", "Yes"}) {
        EXPECT_EQ(ClassifyKeyword(word), Keyword::kOptIn) << word;
    }
    EXPECT_EQ(ClassifyKeyword("HELP"), Keyword::kHelp);
    for (const char* text :
         {"Please stop calling my mother at night", "stopped", "", "the pain did not end", "yes the doctor was rude"}) {
        EXPECT_EQ(ClassifyKeyword(text), Keyword::kNone) << text;
    }
}

TEST(TwilioPhone, NormalizesLocalAndInternationalFormatsToE164) {
    EXPECT_EQ(ToE164("098123 00001", "IN"), "+919812300001");
    EXPECT_EQ(ToE164("+91 98123-00001", "US"), "+919812300001");
    EXPECT_EQ(ToE164("(415) 555-0100", "US"), "+14155550100");
    EXPECT_EQ(ToE164("020 7946 0018", "GB"), "+442079460018");
    EXPECT_FALSE(ToE164("12", "IN"));
    EXPECT_FALSE(ToE164("not a number", "IN"));
    EXPECT_FALSE(ToE164("", "IN"));
    EXPECT_TRUE(IsKnownRegion("IN"));
    EXPECT_FALSE(IsKnownRegion("XX"));
}

TEST(TwilioRfc2822, ParsesTheListsDatesWithTheirOffset) {
    const auto utc = ParseRfc2822("Wed, 18 Aug 2010 20:01:40 +0000");
    ASSERT_TRUE(utc);
    EXPECT_EQ(std::chrono::system_clock::to_time_t(*utc), 1282161700);
    const auto ist = ParseRfc2822("Thu, 19 Aug 2010 01:31:40 +0530");
    ASSERT_TRUE(ist);
    EXPECT_EQ(*ist, *utc);
    EXPECT_FALSE(ParseRfc2822("2010-08-18T20:01:40Z"));
    EXPECT_FALSE(ParseRfc2822("Wed, 31 Feb 2010 20:01:40 +0000"));
}

TEST(TwilioMessagesPage, KeepsInboundMessagesAsSmsItemsAndFollowsNextPageUri) {
    const auto parsed = ParseMessagesPage(Fixture("messages_page1.json"), {.source = "sms", .default_region = "IN"});
    ASSERT_TRUE(std::holds_alternative<MessagesPage>(parsed));
    const auto& page = std::get<MessagesPage>(parsed);
    ASSERT_EQ(page.items.size(), 2U);
    EXPECT_EQ(page.items[0].external_id, "SMb0000000000000000000000000000001");
    EXPECT_EQ(page.items[0].channel, "sms");
    EXPECT_EQ(page.items[0].author, "+919812300001");
    EXPECT_EQ(page.items[0].thread_id, "sms:+919812300001");
    EXPECT_EQ(page.items[1].text, "STOP");
    ASSERT_TRUE(page.items[1].posted_at);
    EXPECT_EQ(*page.items[1].posted_at, *ParseRfc2822("Mon, 02 Nov 2026 02:31:40 +0000"));
    EXPECT_TRUE(page.next_page_uri.starts_with("/2010-04-01/Accounts/"));
    EXPECT_NE(page.next_page_uri.find("PageToken="), std::string::npos);
}

TEST(TwilioMessagesPage, SkipsOutboundAndQuarantinesAMessageWithoutSid) {
    const auto parsed = ParseMessagesPage(Fixture("messages_page2.json"), {.source = "sms", .default_region = "IN"});
    ASSERT_TRUE(std::holds_alternative<MessagesPage>(parsed));
    const auto& page = std::get<MessagesPage>(parsed);
    ASSERT_EQ(page.items.size(), 1U);
    EXPECT_EQ(page.items[0].text, "मुझे बिल में गलत चार्ज मिला, कृपया जांच करें");
    EXPECT_EQ(page.outbound_skipped, 1U);
    ASSERT_EQ(page.bad_records.size(), 1U);
    EXPECT_EQ(page.bad_records[0].reason, "no usable sid");
    EXPECT_NE(page.bad_records[0].raw.find("no sid here"), std::string::npos);
    EXPECT_TRUE(page.next_page_uri.empty());
}

TEST(TwilioMessagesPage, RefusesInvalidDeeplyNestedOrHugeBodiesWithoutCrashing) {
    const ItemOptions options{.source = "sms", .default_region = "IN"};
    EXPECT_TRUE(std::holds_alternative<WireError>(ParseMessagesPage("{\"messages\":[", options)));
    EXPECT_TRUE(std::holds_alternative<WireError>(ParseMessagesPage(std::string(100000, '['), options)));
    EXPECT_TRUE(std::holds_alternative<WireError>(ParseMessagesPage(std::string(kMaxPageBytes + 1, ' '), options)));
    EXPECT_TRUE(std::holds_alternative<WireError>(ParseMessagesPage(R"({"messages":{}})", options)));
    EXPECT_TRUE(std::holds_alternative<WireError>(
        ParseMessagesPage(R"({"messages":[],"next_page_uri":"https://evil.example/x"})", options)));
}

TEST(TwilioWebhookForm, BuildsTheItemFromMessageSidAndNormalizesFrom) {
    const auto params = ParseForm(
        "ToCountry=IN&SmsMessageSid=SMc0000000000000000000000000000001&NumMedia=0&Body=Still+waiting+in+casualty+"
        "since+6pm&SmsSid=SMc0000000000000000000000000000001&From=09812300007&To=%2B912240001234&NumSegments=1&"
        "MessageSid=SMc0000000000000000000000000000001&AccountSid=ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&ApiVersion="
        "2010-04-01");
    ASSERT_TRUE(params);
    const auto item = InboundFormToItem(*params, {.source = "hospital_sms", .default_region = "IN"});
    ASSERT_TRUE(std::holds_alternative<RawItem>(item));
    const auto& raw = std::get<RawItem>(item);
    EXPECT_EQ(raw.source, "hospital_sms");
    EXPECT_EQ(raw.external_id, "SMc0000000000000000000000000000001");
    EXPECT_EQ(raw.author, "+919812300007");
    EXPECT_EQ(raw.text, "Still waiting in casualty since 6pm");
    EXPECT_TRUE(std::holds_alternative<std::string>(InboundFormToItem({{"From", "+1"}}, {})));
}

TEST(TwilioApi, ParsesErrorBodiesAndSendAnswers) {
    const auto error = ParseApiError(
        R"({"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429})");
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, 20429);
    EXPECT_FALSE(ParseApiError("<html>"));
    const auto answer = ParseSendAnswer(R"({"sid":"SMd0000000000000000000000000000001","status":"queued"})");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, "queued");
}

}  // namespace
}  // namespace carelisten::connectors::twilio

namespace carelisten::connectors::twilio {
namespace {

TEST(TwilioDemoContent, TheDemoMessagesPageParsesIntoEightInboundSmsItems) {
    std::ifstream in(std::string(CARELISTEN_FIXTURES_DIR) + "/../../demo/upstreams/twilio/messages.json");
    std::stringstream text;
    text << in.rdbuf();
    const auto parsed = ParseMessagesPage(text.str(), {.source = "hospital_sms", .default_region = "IN"});
    ASSERT_TRUE(std::holds_alternative<MessagesPage>(parsed));
    const auto& page = std::get<MessagesPage>(parsed);
    EXPECT_EQ(page.items.size(), 8U);
    EXPECT_TRUE(page.bad_records.empty());
    int keywords = 0;
    for (const auto& item : page.items) {
        EXPECT_TRUE(item.author.starts_with("+91")) << item.external_id;
        keywords += ClassifyKeyword(item.text) != Keyword::kNone ? 1 : 0;
    }
    EXPECT_EQ(keywords, 2);  // one STOP, one START
}

}  // namespace
}  // namespace carelisten::connectors::twilio
