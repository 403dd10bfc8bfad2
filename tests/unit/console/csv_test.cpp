#include <gtest/gtest.h>

#include <console/csv.hpp>
#include <random>
#include <stdexcept>

namespace carelisten::console {
namespace {

std::string OneCell(const std::string& cell) {
    CsvWriter writer({"h"});
    writer.AddRow({cell});
    const std::string& text = writer.Text();
    return text.substr(3, text.size() - 5);  // between "h\r\n" and the final CRLF
}

TEST(CsvWriter, Rfc4180QuotingAndCrlf) {
    CsvWriter writer({"id", "text", "score"});
    writer.AddRow({"1", "plain", "4"});
    writer.AddRow({"2", "a, b", "5"});
    writer.AddRow({"3", "she said \"fine\"", ""});
    writer.AddRow({"4", "two\nlines", "x\ry"});
    EXPECT_EQ(writer.Text(),
              "id,text,score\r\n"
              "1,plain,4\r\n"
              "2,\"a, b\",5\r\n"
              "3,\"she said \"\"fine\"\"\",\r\n"
              "4,\"two\nlines\",\"x\ry\"\r\n");
}

TEST(CsvWriter, HeaderOnlyAndEmptyCells) {
    CsvWriter writer({"a", "b"});
    EXPECT_EQ(writer.Text(), "a,b\r\n");
    writer.AddRow({"", ""});
    EXPECT_EQ(writer.Text(), "a,b\r\n,\r\n");
    // A record whose only field is empty is quoted, so readers do not skip it as a blank line.
    EXPECT_EQ(OneCell(""), "\"\"");
    // UTF-8 passes through untouched.
    EXPECT_EQ(OneCell("Tr\xC3\xA8s bien \xF0\x9F\x91\x8D"), "Tr\xC3\xA8s bien \xF0\x9F\x91\x8D");
}

TEST(CsvWriter, FormulaInjectionIsNeutralised) {
    EXPECT_EQ(OneCell("=HYPERLINK(\"http://evil\")"), "\"'=HYPERLINK(\"\"http://evil\"\")\"");
    EXPECT_EQ(OneCell("=1+1"), "'=1+1");
    EXPECT_EQ(OneCell("+44 20 7946 0000"), "'+44 20 7946 0000");
    EXPECT_EQ(OneCell("@SUM(A1)"), "'@SUM(A1)");
    EXPECT_EQ(OneCell("-2+3"), "'-2+3");
    EXPECT_EQ(OneCell("-cmd|' /C calc'!A0"), "'-cmd|' /C calc'!A0");
    EXPECT_EQ(OneCell("-"), "'-");
    EXPECT_EQ(OneCell("--1"), "'--1");
    EXPECT_EQ(OneCell("-1-1"), "'-1-1");
    EXPECT_EQ(OneCell("-1e"), "'-1e");
    EXPECT_EQ(OneCell("\t=1"), "'\t=1");
    EXPECT_EQ(OneCell("\r=1"), "\"'\r=1\"");
    EXPECT_EQ(OneCell("=a,b"), "\"'=a,b\"");
    // Only the first character counts.
    EXPECT_EQ(OneCell("a=b"), "a=b");
    EXPECT_EQ(OneCell(" =1"), " =1");
}

TEST(CsvWriter, NegativeNumbersStayNumbers) {
    for (const std::string number : {"-0.5", "-12", "-.5", "-3.", "-1e5", "-2.5E-3", "-0"}) {
        EXPECT_EQ(OneCell(number), number);
    }
}

TEST(CsvWriter, HeaderIsNeutralisedToo) {
    CsvWriter writer({"=cmd", "name"});
    EXPECT_EQ(writer.Text(), "'=cmd,name\r\n");
}

TEST(CsvWriter, RowWidthMustMatchTheHeader) {
    CsvWriter writer({"a", "b"});
    EXPECT_THROW(writer.AddRow({"1"}), std::invalid_argument);
    EXPECT_THROW(writer.AddRow({"1", "2", "3"}), std::invalid_argument);
    EXPECT_THROW(writer.AddRow({}), std::invalid_argument);
    EXPECT_EQ(writer.Text(), "a,b\r\n");  // nothing half-written
    EXPECT_THROW(CsvWriter(std::vector<std::string>{}), std::invalid_argument);
}

TEST(RedactSpans, ReplacesEachSpanByItsKind) {
    EXPECT_EQ(RedactSpans("call 07700 900123 now", {{5, 17, "phone"}}), "call [phone] now");
    EXPECT_EQ(RedactSpans("Dr Smith at bob@example.org", {{22, 27, "email"}, {0, 8, "name"}, {12, 27, "email"}}),
              "[name] at [email]");
    EXPECT_EQ(RedactSpans("no spans", {}), "no spans");
    EXPECT_EQ(RedactSpans("", {{0, 3, "phone"}}), "");
    EXPECT_EQ(RedactSpans("abc", {{0, 3, ""}}), "[redacted]");
}

TEST(RedactSpans, MergesOverlappingAndAdjacentSpans) {
    EXPECT_EQ(RedactSpans("0123456789", {{2, 5, "phone"}, {4, 7, "phone"}}), "01[phone]789");
    EXPECT_EQ(RedactSpans("0123456789", {{2, 5, "name"}, {5, 7, "phone"}}), "01[name, phone]789");
    EXPECT_EQ(RedactSpans("0123456789", {{2, 8, "name"}, {3, 4, "phone"}, {4, 5, "name"}}), "01[name, phone]89");
    EXPECT_EQ(RedactSpans("0123456789", {{2, 4, "a"}, {5, 7, "b"}}), "01[a]4[b]789");
}

TEST(RedactSpans, IgnoresOrClipsSpansOutOfRange) {
    EXPECT_EQ(RedactSpans("hello", {{5, 9, "x"}, {10, 12, "x"}, {3, 3, "x"}, {4, 2, "x"}}), "hello");
    EXPECT_EQ(RedactSpans("hello", {{3, 99, "x"}}), "hel[x]");
}

TEST(RedactSpans, NeverCutsACodePointInHalf) {
    // "café noir": é is bytes 3..4; a span starting on its second byte starts at its first.
    EXPECT_EQ(RedactSpans("caf\xC3\xA9 noir", {{4, 6, "x"}}), "caf[x]noir");
    // ...and one ending inside it ends after it.
    EXPECT_EQ(RedactSpans("caf\xC3\xA9 noir", {{0, 4, "x"}}), "[x] noir");
    // A 4-byte emoji cut at every inner byte.
    const std::string text = "a\xF0\x9F\x98\x80z";
    for (std::size_t cut = 2; cut <= 4; ++cut) {
        EXPECT_EQ(RedactSpans(text, {{cut, cut + 1, "x"}}), "a[x]z") << cut;
        EXPECT_EQ(RedactSpans(text, {{0, cut, "x"}}), "[x]z") << cut;
    }
    // Invalid UTF-8 (a run of continuation bytes) is not swallowed beyond one sequence's length.
    EXPECT_EQ(RedactSpans("a\x80\x80\x80\x80\x80z", {{5, 6, "x"}}), "a\x80[x]z");
}

bool IsValidUtf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const std::size_t length = lead < 0x80           ? 1
                                   : (lead >> 5) == 0x6  ? 2
                                   : (lead >> 4) == 0xE  ? 3
                                   : (lead >> 3) == 0x1E ? 4
                                                         : 0;
        if (length == 0 || i + length > text.size()) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            if ((static_cast<unsigned char>(text[i + k]) & 0xC0U) != 0x80U) {
                return false;
            }
        }
        i += length;
    }
    return true;
}

// Random spans over random valid UTF-8: the result is valid UTF-8, and text outside every span survives.
TEST(RedactSpans, PropertyKeepsUtf8Valid) {
    const std::vector<std::string> pieces = {"a", " ", "7", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "@"};
    std::mt19937 random(4180);
    for (int round = 0; round < 2000; ++round) {
        std::string text;
        const int count = std::uniform_int_distribution<int>(0, 20)(random);
        for (int i = 0; i < count; ++i) {
            text += pieces[std::uniform_int_distribution<std::size_t>(0, pieces.size() - 1)(random)];
        }
        std::vector<TextSpan> spans;
        const int span_count = std::uniform_int_distribution<int>(0, 4)(random);
        std::uniform_int_distribution<std::size_t> offset(0, text.size() + 2);
        for (int i = 0; i < span_count; ++i) {
            spans.push_back({offset(random), offset(random), "x"});
        }
        const std::string redacted = RedactSpans(text, spans);
        ASSERT_TRUE(IsValidUtf8(redacted)) << text;
        // Nothing to redact: unchanged.
        if (std::all_of(spans.begin(), spans.end(),
                        [&](const TextSpan& s) { return s.begin >= s.end || s.begin >= text.size(); })) {
            ASSERT_EQ(redacted, text);
        }
    }
}

}  // namespace
}  // namespace carelisten::console
