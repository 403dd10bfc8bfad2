// Structured log fields: the allow-list, the journal record, the readable suffix, and when the
// journal is used.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <common/log.hpp>

namespace carelisten::log {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(LogFields, TextLineCarriesFieldsAsAReadableSuffix) {
    EXPECT_EQ(TextLine(Level::kWarning, "ingest", "fetch failed", {.source = "x", .error_class = "rate_limited"}),
              "<4>ingest: fetch failed [SOURCE=x ERROR_CLASS=rate_limited]");
    EXPECT_EQ(TextLine(Level::kInfo, "ingest", "ok", {}), "<6>ingest: ok");
}

TEST(LogFields, ValuesCannotForgeLinesOrFields) {
    const auto line = TextLine(Level::kError, "m", "a\nb", {.source = "s", .item_id = "1 2]\n[SOURCE=evil"});
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_THAT(line, HasSubstr("ITEM_ID=1_2___SOURCE=evil]"));
    const auto long_value = std::string(1000, 'a');
    EXPECT_LT(TextLine(Level::kError, "m", "x", {.item_id = long_value}).size(), 300u);
}

TEST(LogFields, JournalRecordHasMessagePriorityAndTheAllowListedFields) {
    const auto record = JournalRecord(Level::kError, "ingest", "store failed",
                                      {.source = "drop", .item_id = "q-17", .error_class = ""});
    EXPECT_THAT(record, Contains("MESSAGE=ingest: store failed"));
    EXPECT_THAT(record, Contains("PRIORITY=3"));
    EXPECT_THAT(record, Contains("CARELISTEN_MODULE=ingest"));
    EXPECT_THAT(record, Contains("SOURCE=drop"));
    EXPECT_THAT(record, Contains("ITEM_ID=q-17"));
    for (const auto& entry : record) {
        EXPECT_NE(entry.rfind("ERROR_CLASS=", 0), 0u) << "empty fields are left out";
    }
}

TEST(LogFields, JournalStreamMatchesOnlyTheDescriptorItNames) {
    char path[] = "/tmp/carelisten-log-test-XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    struct stat info {};
    ASSERT_EQ(::fstat(fd, &info), 0);
    const std::string matching = std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino);
    const std::string other = std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino + 1);
    EXPECT_TRUE(StreamIsJournal(matching.c_str(), fd));
    EXPECT_FALSE(StreamIsJournal(other.c_str(), fd));
    EXPECT_FALSE(StreamIsJournal(nullptr, fd));
    EXPECT_FALSE(StreamIsJournal("garbage", fd));
    ::close(fd);
    ::unlink(path);
}

TEST(LogFields, WriteSendsFieldsToTheJournalWhenItIsTheDestination) {
    std::vector<std::vector<std::string>> sent;
    SetJournalSinkForTesting([&](const std::vector<std::string>& fields) { sent.push_back(fields); });
    With({.source = "reddit", .error_class = "auth_broken"}).Error("ingest", "credentials rejected, failure #", 1);
    SetJournalSinkForTesting(nullptr);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_THAT(sent[0], Contains("MESSAGE=ingest: credentials rejected, failure #1"));
    EXPECT_THAT(sent[0], Contains("SOURCE=reddit"));
    EXPECT_THAT(sent[0], Contains("ERROR_CLASS=auth_broken"));

    std::vector<std::string> lines;
    SetSinkForTesting([&](std::string_view line) { lines.emplace_back(line); });
    With({.source = "reddit"}).Notice("ingest", "recovered");
    SetSinkForTesting(nullptr);
    EXPECT_THAT(lines, ElementsAre("<5>ingest: recovered [SOURCE=reddit]"));
}

}  // namespace
}  // namespace carelisten::log
