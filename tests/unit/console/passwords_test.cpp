#include <gtest/gtest.h>

#include <console/passwords.hpp>
#include <set>
#include <string>

namespace carelisten::console {
namespace {

TEST(HashPassword, VerifiesOnlyTheRightPasswordAndSaltsEachHash) {
    const std::string hash = HashPassword("correct horse battery staple", MinimumCost());
    EXPECT_TRUE(hash.starts_with("$argon2id$v=19$")) << hash;
    EXPECT_TRUE(VerifyPassword("correct horse battery staple", hash));
    EXPECT_FALSE(VerifyPassword("correct horse battery stapl", hash));
    EXPECT_FALSE(VerifyPassword("Correct horse battery staple", hash));
    EXPECT_FALSE(VerifyPassword("", hash));
    EXPECT_NE(HashPassword("correct horse battery staple", MinimumCost()), hash);  // a fresh salt each time
}

TEST(HashPassword, DefaultIsInteractiveCost) {
    const std::string hash = HashPassword("a default-cost password");
    EXPECT_TRUE(hash.starts_with("$argon2id$")) << hash;
    EXPECT_TRUE(VerifyPassword("a default-cost password", hash));
    EXPECT_FALSE(PasswordNeedsRehash(hash, InteractiveCost()));
    EXPECT_TRUE(PasswordNeedsRehash(hash, MinimumCost()));
}

TEST(HashPassword, EmptyAndBinaryPasswordsAreHashedWhole) {
    const std::string empty = HashPassword("", MinimumCost());
    EXPECT_TRUE(VerifyPassword("", empty));
    EXPECT_FALSE(VerifyPassword(" ", empty));
    // An embedded NUL is part of the password, not its end.
    const std::string with_nul("abc\0def", 7);
    const std::string hash = HashPassword(with_nul, MinimumCost());
    EXPECT_TRUE(VerifyPassword(with_nul, hash));
    EXPECT_FALSE(VerifyPassword("abc", hash));
}

TEST(HashPassword, CostBelowTheMinimumIsClampedNotAnError) {
    const std::string hash = HashPassword("clamped cost password", PasswordCost{.ops = 0, .memory_bytes = 1});
    EXPECT_TRUE(VerifyPassword("clamped cost password", hash));
    EXPECT_FALSE(PasswordNeedsRehash(hash, MinimumCost()));
}

TEST(VerifyPassword, MalformedStoredHashesAreFalseNotExceptions) {
    const std::string good = HashPassword("some password here", MinimumCost());
    std::string tampered = good;
    tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
    const std::string with_nul = good.substr(0, 10) + std::string(1, '\0') + good.substr(10);
    for (const std::string& stored :
         {std::string(), std::string("!"), std::string("$argon2id$"), std::string("$argon2id$v=19$m=8,t=1,p=1$$"),
          good.substr(0, good.size() - 5), tampered, with_nul, std::string(10'000, 'x'),
          std::string("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"),
          std::string("some password here")}) {
        EXPECT_FALSE(VerifyPassword("some password here", stored)) << stored;
    }
}

TEST(PasswordNeedsRehash, OtherCostsSchemesAndGarbage) {
    const std::string minimum = HashPassword("rehash me please", MinimumCost());
    EXPECT_FALSE(PasswordNeedsRehash(minimum, MinimumCost()));
    EXPECT_TRUE(PasswordNeedsRehash(minimum, InteractiveCost()));
    EXPECT_TRUE(PasswordNeedsRehash(
        minimum, PasswordCost{.ops = MinimumCost().ops + 1, .memory_bytes = MinimumCost().memory_bytes}));
    EXPECT_TRUE(PasswordNeedsRehash("", MinimumCost()));
    EXPECT_TRUE(PasswordNeedsRehash("!", MinimumCost()));
    // Argon2i (not id) with any parameters: replaced by Argon2id.
    EXPECT_TRUE(PasswordNeedsRehash("$argon2i$v=19$m=8,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", MinimumCost()));
}

TEST(PasswordProblem, LengthInCodePointsNotBytes) {
    EXPECT_TRUE(PasswordProblem(""));
    EXPECT_TRUE(PasswordProblem("abcdefghijk"));    // 11
    EXPECT_FALSE(PasswordProblem("abcdefghijkl"));  // 12
    // 11 code points but 21 bytes: still too short.
    EXPECT_TRUE(PasswordProblem("\xC3\xA9t\xC3\xA9\xC3\xA0\xC3\xB6\xC3\xBC\xC3\xA4\xC3\xAB\xC3\xAF\xC3\xAE\xC3\xB4"));
    // 12 code points of Japanese (36 bytes) is long enough.
    EXPECT_FALSE(
        PasswordProblem("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE3\x83\x91\xE3\x82\xB9"
                        "\xE3\x83\xAF\xE3\x83\xBC\xE3\x83\x89\xE3\x81\xA7\xE3\x81\x99\xE3\x82\x88"));
    const auto short_message = PasswordProblem("short");
    ASSERT_TRUE(short_message);
    EXPECT_NE(short_message->find("12"), std::string::npos) << *short_message;
}

TEST(PasswordProblem, AtMost1024Bytes) {
    std::string longest;
    while (longest.size() < 1024) {
        longest += static_cast<char>('a' + longest.size() % 26);
    }
    EXPECT_FALSE(PasswordProblem(longest));
    const auto too_long = PasswordProblem(longest + "x");
    ASSERT_TRUE(too_long);
    EXPECT_NE(too_long->find("1024"), std::string::npos) << *too_long;
}

TEST(PasswordProblem, OneRepeatedCharacter) {
    EXPECT_TRUE(PasswordProblem(std::string(20, 'a')));
    EXPECT_TRUE(PasswordProblem(std::string(12, ' ')));
    std::string repeated_e_acute;
    for (int i = 0; i < 12; ++i) {
        repeated_e_acute += "\xC3\xA9";
    }
    EXPECT_TRUE(PasswordProblem(repeated_e_acute));
    EXPECT_FALSE(PasswordProblem(std::string(19, 'a') + "b"));
    EXPECT_FALSE(PasswordProblem("b" + std::string(19, 'a')));
    EXPECT_FALSE(PasswordProblem("correct horse battery staple"));
    // Same lead byte, different characters: é (C3 A9) and è (C3 A8).
    EXPECT_FALSE(PasswordProblem(repeated_e_acute.substr(0, 22) + "\xC3\xA8"));
}

TEST(GeneratePassword, TwentyUnambiguousCharactersAndAcceptable) {
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        const std::string password = GeneratePassword();
        ASSERT_EQ(password.size(), 20U);
        EXPECT_EQ(password.find_first_of("0O1lI"), std::string::npos) << password;
        for (const char c : password) {
            EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '2' && c <= '9')) << password;
        }
        EXPECT_FALSE(PasswordProblem(password)) << password;
        seen.insert(password);
    }
    EXPECT_EQ(seen.size(), 200U);
}

}  // namespace
}  // namespace carelisten::console
