#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <connectors/wire_util.hpp>
#include <string>

namespace carelisten::connectors {
namespace {

TEST(PercentEncode, KeepsRfc3986UnreservedAndEncodesEverythingElseUpperCase) {
    EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
    EXPECT_EQ(PercentEncode("a b&c=d/e?#+"), "a%20b%26c%3Dd%2Fe%3F%23%2B");
    EXPECT_EQ(PercentEncode("\xC3\xA9"), "%C3%A9");  // é: each UTF-8 byte, upper-case hex
    EXPECT_EQ(PercentEncode(""), "");
}

TEST(MakeBadRecord, KeepsRawUpToTheCapAndFlagsTruncation) {
    const BadRecord small = MakeBadRecord("post:1", "missing id", "{}");
    EXPECT_EQ(small.locator, "post:1");
    EXPECT_EQ(small.reason, "missing id");
    EXPECT_EQ(small.raw, "{}");
    EXPECT_FALSE(small.raw_truncated);

    const BadRecord exact = MakeBadRecord("l", "r", std::string(kMaxBadRecordRawBytes, 'x'));
    EXPECT_EQ(exact.raw.size(), kMaxBadRecordRawBytes);
    EXPECT_FALSE(exact.raw_truncated);

    const BadRecord big = MakeBadRecord("l", "r", std::string(kMaxBadRecordRawBytes + 1, 'x'));
    EXPECT_EQ(big.raw.size(), kMaxBadRecordRawBytes);
    EXPECT_TRUE(big.raw_truncated);

    const BadRecord custom = MakeBadRecord("l", "r", "0123456789", 4);
    EXPECT_EQ(custom.raw, "0123");
    EXPECT_TRUE(custom.raw_truncated);
}

TEST(JsonToString, WritesCompactJson) {
    rapidjson::Document document;
    document.Parse(R"({ "a" : [1, 2, {"b": null}], "c": "d\"e" })");
    ASSERT_FALSE(document.HasParseError());
    EXPECT_EQ(JsonToString(document), R"({"a":[1,2,{"b":null}],"c":"d\"e"})");
    EXPECT_EQ(JsonToString(document["a"]), "[1,2,{\"b\":null}]");
}

TEST(JsonStringMember, ReadsStringsSkipsAbsentAndNullAndRejectsOtherTypes) {
    rapidjson::Document document;
    document.Parse(R"({"s": "x\u0000y", "n": null, "i": 3})");
    ASSERT_FALSE(document.HasParseError());
    std::string out = "kept";
    EXPECT_FALSE(JsonStringMember(document, "absent", out));
    EXPECT_EQ(out, "kept");
    EXPECT_FALSE(JsonStringMember(document, "n", out));
    EXPECT_EQ(out, "kept");
    EXPECT_FALSE(JsonStringMember(document, "s", out));
    EXPECT_EQ(out, std::string("x\0y", 3));  // embedded NUL kept: the length, not strlen
    EXPECT_EQ(JsonStringMember(document, "i", out), std::optional<std::string>("i is not a string"));
}

TEST(JsonMember, FindsPresentNonNullMembersOfObjectsOnly) {
    rapidjson::Document document;
    document.Parse(R"({"s": "a\u0000b", "n": null, "o": {}})");
    ASSERT_FALSE(document.HasParseError());
    ASSERT_NE(JsonMember(document, "s"), nullptr);
    EXPECT_EQ(JsonStringView(*JsonMember(document, "s")), std::string_view("a\0b", 3));
    EXPECT_NE(JsonMember(document, "o"), nullptr);
    EXPECT_EQ(JsonMember(document, "n"), nullptr);
    EXPECT_EQ(JsonMember(document, "absent"), nullptr);
    EXPECT_EQ(JsonMember(document["s"], "s"), nullptr);  // not an object
}

TEST(AppendUtf8, EncodesEachLengthClass) {
    std::string out;
    AppendUtf8(out, 0x41);
    AppendUtf8(out, 0xE9);
    AppendUtf8(out, 0x200B);
    AppendUtf8(out, 0x1F600);
    EXPECT_EQ(out, "A\xC3\xA9\xE2\x80\x8B\xF0\x9F\x98\x80");
}

TEST(DecodeBasicEntities, DecodesTheEscapesApisUseAndKeepsEverythingElseVerbatim) {
    EXPECT_EQ(DecodeBasicEntities("a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;"), "a & b <c> \"d\" 'e'");
    EXPECT_EQ(DecodeBasicEntities("&nbsp;"), "\xC2\xA0");
    EXPECT_EQ(DecodeBasicEntities("&#233;&#xE9;&#X200B;"), "\xC3\xA9\xC3\xA9\xE2\x80\x8B");
    // Unknown names, NUL, surrogates, out of range and unterminated references stay as written.
    EXPECT_EQ(DecodeBasicEntities("&eacute; &#0; &#xD800; &#x110000; &#65 &"),
              "&eacute; &#0; &#xD800; &#x110000; &#65 &");
}

TEST(HostPortOf, ReturnsTheAuthorityWithOrWithoutScheme) {
    EXPECT_EQ(HostPortOf("https://mastodon.example:8443/api/v1"), "mastodon.example:8443");
    EXPECT_EQ(HostPortOf("https://forum.example"), "forum.example");
    EXPECT_EQ(HostPortOf("host.example/path"), "host.example");
}

TEST(CappedText, CutsOnlyLongerTextsAndMarksTheCut) {
    EXPECT_EQ(CappedText("short", 5), "short");
    EXPECT_EQ(CappedText("longer", 5), "longe...");
    EXPECT_EQ(CappedText("", 0), "");
}

TEST(HexDigitValue, AcceptsBothCasesOnly) {
    EXPECT_EQ(HexDigitValue('0'), 0);
    EXPECT_EQ(HexDigitValue('9'), 9);
    EXPECT_EQ(HexDigitValue('a'), 10);
    EXPECT_EQ(HexDigitValue('F'), 15);
    EXPECT_EQ(HexDigitValue('g'), -1);
    EXPECT_EQ(HexDigitValue('%'), -1);
}

TEST(Fingerprint64, KeepsTheValuesTheConnectorsHaveAlwaysStoredInLocators) {
    // The connectors' historical FNV-1a (offset basis 1469598103934665603): these values appear in stored
    // quarantine locators ("post-fingerprint:...") and must not change.
    EXPECT_EQ(Fingerprint64(""), 1469598103934665603ULL);
    EXPECT_EQ(Fingerprint64Hex(""), "14650fb0739d0383");
    EXPECT_EQ(Fingerprint64Hex("a"), "44bd8ad473cd9906");
    // FNV-1a step by step: (basis ^ 'a') * prime.
    EXPECT_EQ(Fingerprint64("a"), (1469598103934665603ULL ^ 0x61ULL) * 1099511628211ULL);
    EXPECT_NE(Fingerprint64("ab"), Fingerprint64("ba"));
}

}  // namespace
}  // namespace carelisten::connectors
