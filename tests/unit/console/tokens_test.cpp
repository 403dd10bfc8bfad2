#include <gtest/gtest.h>

#include <console/tokens.hpp>
#include <set>
#include <string>

namespace carelisten::console {
namespace {

bool IsBase64Url(const std::string& text) {
    return text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
           std::string::npos;
}

TEST(RandomToken, Base64UrlWithoutPaddingOfTheRequestedSize) {
    const std::string token = RandomToken();
    EXPECT_EQ(token.size(), 43U);  // 32 bytes
    EXPECT_TRUE(IsBase64Url(token)) << token;
    EXPECT_EQ(RandomToken(16).size(), 22U);
    EXPECT_EQ(RandomToken(1).size(), 2U);
    EXPECT_EQ(RandomToken(3).size(), 4U);
    EXPECT_EQ(RandomToken(0), "");
}

TEST(RandomToken, Distinct) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        seen.insert(RandomToken());
    }
    EXPECT_EQ(seen.size(), 1000U);
}

TEST(TokenDigest, Sha256HexVectors) {
    EXPECT_EQ(TokenDigest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(TokenDigest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(TokenDigest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const std::string token = RandomToken();
    EXPECT_EQ(TokenDigest(token), TokenDigest(token));
    EXPECT_EQ(TokenDigest(token).size(), 64U);
}

TEST(ConstantTimeEquals, LengthsAndContents) {
    EXPECT_TRUE(ConstantTimeEquals("", ""));
    EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
    EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
    EXPECT_FALSE(ConstantTimeEquals("xbc", "abc"));
    EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
    EXPECT_FALSE(ConstantTimeEquals("", "a"));
    EXPECT_TRUE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
    EXPECT_FALSE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

TEST(CsrfToken, IsHmacSha256Base64Url) {
    // RFC 4231 test case 2, and case 6 (a key longer than the block size).
    EXPECT_EQ(CsrfToken("Jefe", "what do ya want for nothing?"), "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM");
    EXPECT_EQ(CsrfToken(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
              "YOQxWR7gtn8Niiaqy_W3f44LxiE3KMUUBUYEDw7jf1Q");
}

TEST(CheckCsrfToken, BoundToSessionAndPurpose) {
    const std::string secret = RandomToken();
    const std::string token = CsrfToken(secret, "case-close");
    EXPECT_TRUE(CheckCsrfToken(secret, "case-close", token));
    EXPECT_FALSE(CheckCsrfToken(secret, "case-assign", token));
    EXPECT_FALSE(CheckCsrfToken(RandomToken(), "case-close", token));
    EXPECT_FALSE(CheckCsrfToken(secret, "case-close", ""));
    EXPECT_FALSE(CheckCsrfToken(secret, "case-close", token.substr(0, token.size() - 1)));
    EXPECT_FALSE(CheckCsrfToken(secret, "case-close", token + "A"));
    std::string tampered = token;
    tampered[0] = tampered[0] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(CheckCsrfToken(secret, "case-close", tampered));
}

TEST(CheckCsrfToken, EmptySessionSecretNeverValidates) {
    EXPECT_FALSE(CheckCsrfToken("", "case-close", CsrfToken("", "case-close")));
}

}  // namespace
}  // namespace carelisten::console
