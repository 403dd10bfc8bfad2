#include <gtest/gtest.h>

#include <connectors/raw_item.hpp>

namespace carelisten::connectors {
namespace {

TEST(IsValidUtf8, AcceptsWellFormedText) {
    EXPECT_TRUE(IsValidUtf8(""));
    EXPECT_TRUE(IsValidUtf8("plain ascii"));
    EXPECT_TRUE(IsValidUtf8("d\xC3\xA9j\xC3\xA0 vu"));                 // déjà vu
    EXPECT_TRUE(IsValidUtf8("\xE0\xA4\xA8\xE0\xA4\xB9\xE0\xA5\x80"));  // Devanagari
    EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));                      // emoji
}

TEST(IsValidUtf8, RejectsMalformedText) {
    EXPECT_FALSE(IsValidUtf8("\xFF"));
    EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
    EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
    EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
    EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
    EXPECT_FALSE(IsValidUtf8("ok\x80ok"));
}

TEST(ParseRfc3339, ParsesZuluAndOffsets) {
    const auto zulu = ParseRfc3339("2026-11-02T08:15:00Z");
    ASSERT_TRUE(zulu);
    const auto offset = ParseRfc3339("2026-11-02T13:45:00+05:30");
    ASSERT_TRUE(offset);
    EXPECT_EQ(*zulu, *offset);
    const auto fractional = ParseRfc3339("2026-11-02T08:15:00.250Z");
    ASSERT_TRUE(fractional);
    EXPECT_EQ(*fractional - *zulu, std::chrono::milliseconds(250));
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(zulu->time_since_epoch()).count(), 1793607300);
}

TEST(ParseRfc3339, RejectsWhatIsNotATimestamp) {
    EXPECT_FALSE(ParseRfc3339(""));
    EXPECT_FALSE(ParseRfc3339("2026-11-02"));
    EXPECT_FALSE(ParseRfc3339("2026-11-02T08:15:00"));  // no zone
    EXPECT_FALSE(ParseRfc3339("2026-02-30T08:15:00Z"));
    EXPECT_FALSE(ParseRfc3339("2026-11-02T25:15:00Z"));
    EXPECT_FALSE(ParseRfc3339("2026-11-02T08:15:00Zjunk"));
}

TEST(ValidateRawItem, NamesTheBrokenInvariant) {
    RawItem item{.source = "s", .external_id = "1", .text = "fine"};
    EXPECT_FALSE(ValidateRawItem(item));
    item.external_id.clear();
    EXPECT_EQ(ValidateRawItem(item), "empty external_id");
    item.external_id = "1";
    item.author = "\xFF";
    EXPECT_EQ(ValidateRawItem(item), "invalid UTF-8");
}

}  // namespace
}  // namespace carelisten::connectors
