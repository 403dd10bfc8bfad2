#include <gtest/gtest.h>

#include <connectors/jsonl_drop/jsonl_drop_connector.hpp>
#include <connectors/jsonl_drop/jsonl_drop_wire.hpp>
#include <support/temp_dir.hpp>

namespace carelisten::connectors::jsonl_drop {
namespace {

using testing::TempDir;
using testing::WriteFile;

const RawItem& AsItem(const std::variant<RawItem, ParseFailure>& parsed) {
    return std::get<RawItem>(parsed);
}
std::string Failure(const std::variant<RawItem, ParseFailure>& parsed) {
    return std::holds_alternative<ParseFailure>(parsed) ? std::get<ParseFailure>(parsed).reason : "";
}

TEST(JsonlDropWire, ParsesAFullLine) {
    const auto parsed = ParseLine(
        R"({"external_id":"r-1","text":"The nurse was kind","author":"p1","posted_at":"2026-11-02T08:15:00Z",)"
        R"("channel":"review","url":"https://example.org/r/1","lang":"en","extra":{"ignored":true}})",
        "drop", "unknown");
    ASSERT_EQ(Failure(parsed), "");
    const auto& item = AsItem(parsed);
    EXPECT_EQ(item.source, "drop");
    EXPECT_EQ(item.external_id, "r-1");
    EXPECT_EQ(item.text, "The nurse was kind");
    EXPECT_EQ(item.author, "p1");
    EXPECT_EQ(item.channel, "review");
    EXPECT_EQ(item.language_hint, "en");
    EXPECT_TRUE(item.posted_at.has_value());
}

TEST(JsonlDropWire, AcceptsIntegerIdsAndDefaultsTheChannel) {
    const auto parsed = ParseLine(R"({"external_id":12345,"text":""})", "drop", "sms");
    ASSERT_EQ(Failure(parsed), "");
    EXPECT_EQ(AsItem(parsed).external_id, "12345");
    EXPECT_EQ(AsItem(parsed).channel, "sms");
}

TEST(JsonlDropWire, ExplainsEveryKindOfBadLine) {
    EXPECT_EQ(Failure(ParseLine("{\"external_id\":\"1\",\"text\":\"caf\xE9\"}", "d", "unknown")), "invalid UTF-8");
    EXPECT_NE(Failure(ParseLine("{\"external_id\":", "d", "unknown")).find("invalid JSON"), std::string::npos);
    EXPECT_EQ(Failure(ParseLine("[1,2]", "d", "unknown")), "not a JSON object");
    EXPECT_EQ(Failure(ParseLine(R"({"text":"x"})", "d", "unknown")), "missing external_id");
    EXPECT_EQ(Failure(ParseLine(R"({"external_id":"","text":"x"})", "d", "unknown")), "empty external_id");
    EXPECT_EQ(Failure(ParseLine(R"({"external_id":"1"})", "d", "unknown")), "missing text");
    EXPECT_EQ(Failure(ParseLine(R"({"external_id":"1","text":5})", "d", "unknown")), "text is not a string");
    EXPECT_EQ(Failure(ParseLine(R"({"external_id":1.5,"text":"x"})", "d", "unknown")),
              "external_id is neither a string nor an integer");
    EXPECT_EQ(Failure(ParseLine(R"({"external_id":"1","text":"x","posted_at":"yesterday"})", "d", "unknown")),
              "posted_at is not an RFC 3339 timestamp");
    EXPECT_NE(Failure(ParseLine(R"({"external_id":"1","text":"x","channel":"fax"})", "d", "unknown")).find("channel"),
              std::string::npos);
}

TEST(JsonlDropWire, SurvivesDeepNesting) {
    const std::string hostile = "{\"external_id\":\"1\",\"text\":\"x\",\"deep\":" + std::string(200000, '[') + "}";
    EXPECT_NE(Failure(ParseLine(hostile, "d", "unknown")), "");
}

TEST(JsonlDropCursor, RoundTrips) {
    const FilePosition position{"a \"quoted\" name.jsonl", 42, 1234};
    const auto decoded = DecodeCursor(EncodeCursor(position));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->file, position.file);
    EXPECT_EQ(decoded->inode, 42u);
    EXPECT_EQ(decoded->offset, 1234u);
    EXPECT_FALSE(DecodeCursor("not json"));
}

class JsonlDropConnectorTest : public ::testing::Test {
protected:
    JsonlDropConnector Make(std::int64_t max_record_bytes = 1024 * 1024) {
        Settings settings = DefaultSettings(Factory().settings);
        settings.Set("directory", dir_.Path().string());
        settings.Set("max_record_bytes", max_record_bytes);
        return JsonlDropConnector("drop", settings);
    }
    std::string Line(int id, const std::string& text = "hello") {
        return R"({"external_id":")" + std::to_string(id) + R"(","text":")" + text + "\"}\n";
    }
    TempDir dir_;
};

TEST_F(JsonlDropConnectorTest, ReadsInBatchesAndResumesFromTheCursor) {
    std::string content;
    for (int i = 1; i <= 5; ++i) {
        content += Line(i);
    }
    WriteFile(dir_.Path() / "b.jsonl", content);
    auto connector = Make();

    auto first = connector.Fetch(std::nullopt, 2);
    ASSERT_TRUE(first);
    ASSERT_EQ(first.value().items.size(), 2u);
    EXPECT_EQ(first.value().items[0].external_id, "1");
    EXPECT_TRUE(first.value().has_more);
    EXPECT_TRUE(first.value().ack_token.empty());

    // The same cursor gives the same batch (nothing is consumed until the cursor is committed).
    auto again = connector.Fetch(std::nullopt, 2);
    ASSERT_TRUE(again);
    EXPECT_EQ(again.value().items[0].external_id, "1");

    auto second = connector.Fetch(first.value().next_cursor, 10);
    ASSERT_TRUE(second);
    ASSERT_EQ(second.value().items.size(), 3u);
    EXPECT_EQ(second.value().items[0].external_id, "3");
    EXPECT_FALSE(second.value().ack_token.empty());
    EXPECT_FALSE(second.value().has_more);

    // Only Acknowledge moves the file, and acknowledging twice is harmless.
    EXPECT_TRUE(std::filesystem::exists(dir_.Path() / "b.jsonl"));
    ASSERT_TRUE(connector.Acknowledge(second.value()));
    ASSERT_TRUE(connector.Acknowledge(second.value()));
    EXPECT_FALSE(std::filesystem::exists(dir_.Path() / "b.jsonl"));
    EXPECT_TRUE(std::filesystem::exists(dir_.Path() / "done" / "b.jsonl"));

    auto empty = connector.Fetch(second.value().next_cursor, 10);
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty.value().items.empty());
    EXPECT_TRUE(empty.value().ack_token.empty());
}

TEST_F(JsonlDropConnectorTest, FilesGoInNameOrderAndIgnoreTemporaryNames) {
    WriteFile(dir_.Path() / "2.jsonl", Line(2));
    WriteFile(dir_.Path() / "1.jsonl", Line(1));
    WriteFile(dir_.Path() / "3.jsonl.tmp", Line(3));
    WriteFile(dir_.Path() / ".4.jsonl", Line(4));
    auto connector = Make();
    auto first = connector.Fetch(std::nullopt, 10);
    ASSERT_TRUE(first);
    ASSERT_EQ(first.value().items.size(), 1u);
    EXPECT_EQ(first.value().items[0].external_id, "1");
    EXPECT_TRUE(first.value().has_more);
    ASSERT_TRUE(connector.Acknowledge(first.value()));
    auto second = connector.Fetch(first.value().next_cursor, 10);
    ASSERT_TRUE(second);
    ASSERT_EQ(second.value().items.size(), 1u);
    EXPECT_EQ(second.value().items[0].external_id, "2");
    EXPECT_FALSE(second.value().has_more);
}

TEST_F(JsonlDropConnectorTest, CrashAfterCommitBeforeMoveCompletesTheFileOnRestart) {
    WriteFile(dir_.Path() / "a.jsonl", Line(1) + Line(2));
    auto connector = Make();
    auto batch = connector.Fetch(std::nullopt, 10);
    ASSERT_TRUE(batch);
    // The cursor was committed but the daemon died before Acknowledge: a new fetch from that cursor
    // yields no items and the token that moves the file.
    auto resumed = Make().Fetch(batch.value().next_cursor, 10);
    ASSERT_TRUE(resumed);
    EXPECT_TRUE(resumed.value().items.empty());
    EXPECT_FALSE(resumed.value().ack_token.empty());
    ASSERT_TRUE(connector.Acknowledge(resumed.value()));
    EXPECT_TRUE(std::filesystem::exists(dir_.Path() / "done" / "a.jsonl"));
}

TEST_F(JsonlDropConnectorTest, ARedroppedFileWithTheSameNameIsReadFromItsStart) {
    WriteFile(dir_.Path() / "daily.jsonl", Line(1) + Line(2));
    auto connector = Make();
    auto batch = connector.Fetch(std::nullopt, 10);
    ASSERT_TRUE(batch);
    ASSERT_TRUE(connector.Acknowledge(batch.value()));
    WriteFile(dir_.Path() / "daily.jsonl", Line(3) + Line(4) + Line(5));
    auto next = connector.Fetch(batch.value().next_cursor, 10);
    ASSERT_TRUE(next);
    ASSERT_EQ(next.value().items.size(), 3u);
    EXPECT_EQ(next.value().items[0].external_id, "3");
    ASSERT_TRUE(connector.Acknowledge(next.value()));
    EXPECT_EQ(
        std::distance(std::filesystem::directory_iterator(dir_.Path() / "done"), std::filesystem::directory_iterator()),
        2);
}

TEST_F(JsonlDropConnectorTest, BadLinesBecomeBadRecordsAndTheRestGoesOn) {
    const std::string oversized = Line(9, std::string(5000, 'x'));
    WriteFile(dir_.Path() / "mixed.jsonl", Line(1) + "{broken\n" + "\n" +
                                               "{\"external_id\":\"2\",\"text\":\"\xFF\"}\n" + oversized + Line(3) +
                                               "{\"external_id\":\"4\",\"text\":\"no newline\"}");
    auto connector = Make(1024);
    auto batch = connector.Fetch(std::nullopt, 100);
    ASSERT_TRUE(batch);
    ASSERT_EQ(batch.value().items.size(), 3u);
    EXPECT_EQ(batch.value().items[2].external_id, "4");
    ASSERT_EQ(batch.value().bad_records.size(), 3u);
    EXPECT_NE(batch.value().bad_records[0].reason.find("invalid JSON"), std::string::npos);
    EXPECT_EQ(batch.value().bad_records[1].reason, "invalid UTF-8");
    EXPECT_NE(batch.value().bad_records[2].reason.find("max_record_bytes"), std::string::npos);
    // Kept whole (it is under the quarantine cap), so it can be replayed once the limit is raised.
    EXPECT_FALSE(batch.value().bad_records[2].raw_truncated);
    EXPECT_EQ(batch.value().bad_records[2].raw, oversized.substr(0, oversized.size() - 1));
    // Locators are distinct and stable: the same file read again gives the same locators.
    auto again = connector.Fetch(std::nullopt, 100);
    ASSERT_TRUE(again);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(again.value().bad_records[i].locator, batch.value().bad_records[i].locator);
    }
    EXPECT_NE(batch.value().bad_records[0].locator, batch.value().bad_records[1].locator);

    // Replay of a fixed record goes through the same parser.
    auto replayed =
        connector.ParseRecord(R"({"external_id":"2","text":"fixed"})", batch.value().bad_records[1].locator);
    ASSERT_TRUE(std::holds_alternative<RawItem>(replayed));
    EXPECT_EQ(std::get<RawItem>(replayed).text, "fixed");
    auto still_bad = connector.ParseRecord("{", "x");
    ASSERT_TRUE(std::holds_alternative<BadRecord>(still_bad));
}

TEST_F(JsonlDropConnectorTest, HugeLinesAreCutAtTheQuarantineCap) {
    WriteFile(dir_.Path() / "huge.jsonl", Line(1, std::string(200 * 1024, 'y')) + Line(2));
    auto connector = Make(1024);
    auto batch = connector.Fetch(std::nullopt, 100);
    ASSERT_TRUE(batch);
    ASSERT_EQ(batch.value().bad_records.size(), 1u);
    EXPECT_TRUE(batch.value().bad_records[0].raw_truncated);
    EXPECT_EQ(batch.value().bad_records[0].raw.size(), 64u * 1024);
    ASSERT_EQ(batch.value().items.size(), 1u);
    EXPECT_EQ(batch.value().items[0].external_id, "2");
}

TEST_F(JsonlDropConnectorTest, AMissingDirectoryIsARetryableError) {
    Settings settings = DefaultSettings(Factory().settings);
    settings.Set("directory", (dir_.Path() / "nope").string());
    JsonlDropConnector connector("drop", settings);
    EXPECT_FALSE(connector.Fetch(std::nullopt, 10));
}

}  // namespace
}  // namespace carelisten::connectors::jsonl_drop
