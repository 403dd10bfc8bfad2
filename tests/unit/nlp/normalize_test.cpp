#include <gtest/gtest.h>

#include <algorithm>
#include <nlp/normalize.hpp>
#include <random>
#include <string>
#include <vector>

namespace carelisten::nlp {
namespace {

std::vector<std::string> Texts(const NormalizedText& text) {
    std::vector<std::string> out;
    for (const Token& token : text.tokens) {
        out.push_back(token.text);
    }
    return out;
}

const Token* FindToken(const NormalizedText& text, TokenKind kind) {
    const auto it =
        std::find_if(text.tokens.begin(), text.tokens.end(), [&](const Token& token) { return token.kind == kind; });
    return it == text.tokens.end() ? nullptr : &*it;
}

TEST(RepairUtf8, ValidTextIsUnchanged) {
    bool repaired = false;
    EXPECT_EQ(RepairUtf8("caf\xC3\xA9 \xF0\x9F\x98\x80", &repaired), "caf\xC3\xA9 \xF0\x9F\x98\x80");
    EXPECT_FALSE(repaired);
}

TEST(RepairUtf8, EachMaximalInvalidSubpartBecomesOneReplacement) {
    bool repaired = false;
    // Lone continuation byte, truncated 3-byte sequence, overlong '/', UTF-8-encoded surrogate.
    EXPECT_EQ(RepairUtf8("a\x80"
                         "b\xE2\x82"
                         "c\xC0\xAF"
                         "d\xED\xA0\x80",
                         &repaired),
              "a\xEF\xBF\xBD"
              "b\xEF\xBF\xBD"
              "c\xEF\xBF\xBD\xEF\xBF\xBD"
              "d\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_TRUE(repaired);
}

TEST(Normalize, InvalidUtf8IsRepairedAndFlagged) {
    const NormalizedText text = Normalize("good \xFF\xFE service");
    EXPECT_TRUE(text.repaired);
    EXPECT_EQ(text.text, "good \xEF\xBF\xBD\xEF\xBF\xBD service");
    EXPECT_EQ(Texts(text), (std::vector<std::string>{"good", "service"}));
    EXPECT_FALSE(Normalize("good service").repaired);
}

TEST(Normalize, NfkcFoldsFullwidthAndCompatibilityForms) {
    EXPECT_EQ(Normalize("\xEF\xBC\xA7\xEF\xBD\x8F\xEF\xBD\x8F\xEF\xBD\x84").text,
              "good");                                    // ｇｏｏｄ, first G fullwidth
    EXPECT_EQ(Normalize("\xEF\xAC\x81ne").text, "fine");  // "ﬁ" ligature
    EXPECT_EQ(Normalize("Stra\xC3\x9F"
                        "e")
                  .text,
              "strasse");  // case folding
}

TEST(Normalize, CollapsesWhitespaceAndTrims) {
    EXPECT_EQ(Normalize("  Very\t\tgood \r\n\n care\xC2\xA0 ").text, "very good care");
}

TEST(Normalize, KeepsCapsAsAFlag) {
    const NormalizedText text = Normalize("The nurse was GREAT");
    ASSERT_EQ(text.tokens.size(), 4U);
    EXPECT_EQ(text.tokens[3].text, "great");
    EXPECT_TRUE(text.tokens[3].all_caps);
    EXPECT_FALSE(text.tokens[0].all_caps);
}

TEST(Normalize, FoldsElongationAndFlagsEmphasis) {
    const NormalizedText text = Normalize("soooo goooood");
    ASSERT_EQ(text.tokens.size(), 2U);
    EXPECT_EQ(text.tokens[0].text, "soo");
    EXPECT_EQ(text.tokens[0].uncollapsed, "soooo");
    EXPECT_TRUE(text.tokens[0].elongated);
    EXPECT_EQ(text.tokens[1].text, "good");
    EXPECT_FALSE(Normalize("good").tokens[0].elongated);
    EXPECT_FALSE(Normalize("1000").tokens[0].elongated);  // digits are not letters
}

TEST(Normalize, TypesUrlsEmailsHandlesHashtagsAndNumbers) {
    const NormalizedText text =
        Normalize("See https://example.org/a?b=1, mail pat@nhs.example.uk or @Ward_7 #ThankYouNHS 3.5 stars");
    const Token* url = FindToken(text, TokenKind::kUrl);
    ASSERT_NE(url, nullptr);
    EXPECT_EQ(url->text, "https://example.org/a?b=1");
    const Token* email = FindToken(text, TokenKind::kEmail);
    ASSERT_NE(email, nullptr);
    EXPECT_EQ(email->text, "pat@nhs.example.uk");
    const Token* handle = FindToken(text, TokenKind::kMention);
    ASSERT_NE(handle, nullptr);
    EXPECT_EQ(handle->text, "@ward_7");
    const Token* hashtag = FindToken(text, TokenKind::kHashtag);
    ASSERT_NE(hashtag, nullptr);
    EXPECT_EQ(hashtag->text, "#thankyounhs");
    const Token* number = FindToken(text, TokenKind::kNumber);
    ASSERT_NE(number, nullptr);
    EXPECT_EQ(number->text, "3.5");
}

TEST(Normalize, KeepsEmoticonsAndEmojiWhole) {
    const NormalizedText text = Normalize("thanks :) but :-( and \xF0\x9F\x98\xA2 10:30");
    std::vector<std::string> symbols;
    for (const Token& token : text.tokens) {
        if (token.kind == TokenKind::kSymbol) {
            symbols.push_back(token.text);
        }
    }
    EXPECT_EQ(symbols, (std::vector<std::string>{":)", ":-("}));
    const Token* emoji = FindToken(text, TokenKind::kEmoji);
    ASSERT_NE(emoji, nullptr);
    EXPECT_EQ(emoji->text, "\xF0\x9F\x98\xA2");
    EXPECT_EQ(FindToken(text, TokenKind::kNumber)->text, "10:30");
}

TEST(Normalize, ZwjEmojiSequenceStaysOneToken) {
    // family: man ZWJ woman ZWJ girl
    const NormalizedText text = Normalize("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7");
    ASSERT_EQ(text.tokens.size(), 1U);
    EXPECT_EQ(text.tokens[0].kind, TokenKind::kEmoji);
}

TEST(Normalize, TypographicApostrophesBecomeAscii) {
    const NormalizedText text = Normalize("Don\xE2\x80\x99t worry");
    ASSERT_FALSE(text.tokens.empty());
    EXPECT_EQ(text.tokens[0].text, "don't");
}

TEST(Normalize, SegmentsScriptsWithoutSpaces) {
    const NormalizedText chinese = Normalize("\xE6\x88\x91\xE5\xBE\x88\xE9\xAB\x98\xE5\x85\xB4");  // 我很高兴
    EXPECT_GE(chinese.tokens.size(), 2U);
    EXPECT_EQ(chinese.letters.han, 4U);
    const NormalizedText hindi = Normalize("\xE0\xA4\xAE\xE0\xA5\x81\xE0\xA4\x9D\xE0\xA5\x87 \xE0\xA4\xAF\xE0\xA4\xB9");
    EXPECT_EQ(hindi.tokens.size(), 2U);
    EXPECT_GT(hindi.letters.devanagari, 0U);
}

TEST(Normalize, ClausesSplitAtPunctuationAndLineBreaks) {
    const NormalizedText text = Normalize("no fever, chest pain\nthanks");
    ASSERT_EQ(text.tokens.size(), 5U);
    EXPECT_EQ(text.tokens[0].clause, text.tokens[1].clause);
    EXPECT_LT(text.tokens[1].clause, text.tokens[2].clause);
    EXPECT_EQ(text.tokens[2].clause, text.tokens[3].clause);
    EXPECT_LT(text.tokens[3].clause, text.tokens[4].clause);
}

TEST(Normalize, CountsExclamationAndQuestionMarks) {
    const NormalizedText text = Normalize("Why?? Great!!!");
    EXPECT_EQ(text.exclamation_marks, 3U);
    EXPECT_EQ(text.question_marks, 2U);
}

TEST(Normalize, EmptyAndPunctuationOnlyHaveNoWordTokens) {
    EXPECT_TRUE(Normalize("").tokens.empty());
    EXPECT_TRUE(Normalize(" \t\n ").tokens.empty());
    EXPECT_TRUE(Normalize("... !!! -").tokens.empty());
}

TEST(FoldForLookup, MatchesTokenFolding) {
    EXPECT_EQ(FoldForLookup(":D"), ":d");
    EXPECT_EQ(FoldForLookup("Can\xE2\x80\x99t Stand"), "can't stand");
}

std::string_view Source(std::string_view text, const Token& token) {
    return text.substr(token.begin, token.end - token.begin);
}

TEST(Normalize, TokensKnowTheirByteRangeInTheInput) {
    const std::string_view text = "The NURSE was soooo kind :) see https://x.org";
    const NormalizedText normalized = Normalize(text);
    ASSERT_EQ(normalized.tokens.size(), 8U);
    EXPECT_EQ(Source(text, normalized.tokens[0]), "The");
    EXPECT_EQ(Source(text, normalized.tokens[1]), "NURSE");
    EXPECT_EQ(Source(text, normalized.tokens[3]), "soooo");
    EXPECT_EQ(normalized.tokens[3].text, "soo");
    EXPECT_EQ(Source(text, normalized.tokens[5]), ":)");
    EXPECT_EQ(Source(text, normalized.tokens[7]), "https://x.org");
}

TEST(Normalize, OffsetsSurviveNfkcExpansionAndRepair) {
    // Fullwidth "ｇｏｏｄ" (12 bytes) → "good"; "ﬁ" → "fi"; an invalid byte → U+FFFD (3 bytes when repaired).
    const std::string text = "\xEF\xBD\x87\xEF\xBD\x8F\xEF\xBD\x8F\xEF\xBD\x84 \xFF \xEF\xAC\x81ne caf\xC3\xA9";
    bool repaired = false;
    const std::string fixed = RepairUtf8(text, &repaired);
    const NormalizedText normalized = Normalize(text);
    ASSERT_EQ(normalized.tokens.size(), 3U);
    EXPECT_EQ(normalized.tokens[0].text, "good");
    EXPECT_EQ(Source(fixed, normalized.tokens[0]), "\xEF\xBD\x87\xEF\xBD\x8F\xEF\xBD\x8F\xEF\xBD\x84");
    EXPECT_EQ(normalized.tokens[1].text, "fine");
    EXPECT_EQ(Source(fixed, normalized.tokens[1]), "\xEF\xAC\x81ne");
    EXPECT_EQ(Source(fixed, normalized.tokens[2]), "caf\xC3\xA9");
}

TEST(Normalize, PhoneNumbersAreTypedTokens) {
    const std::string_view text = "Call +44 20 7946 0958 or (555) 123-4567, or 07700 900123.";
    const NormalizedText normalized = Normalize(text);
    std::vector<std::string> phones;
    std::vector<std::string_view> sources;
    for (const Token& token : normalized.tokens) {
        if (token.kind == TokenKind::kPhone) {
            phones.push_back(token.text);
            sources.push_back(Source(text, token));
        }
    }
    EXPECT_EQ(phones, (std::vector<std::string>{"+442079460958", "5551234567", "07700900123"}));
    EXPECT_EQ(sources, (std::vector<std::string_view>{"+44 20 7946 0958", "(555) 123-4567", "07700 900123"}));
}

TEST(Normalize, ShortNumbersDatesAndYearsAreNotPhones) {
    for (const std::string_view text : {"waited 45 minutes", "on 2026-11-02", "on 02/11/2026", "at 10:30",
                                        "from 2019 2020", "paid 1,000,000", "ward 12 bed 3"}) {
        const NormalizedText normalized = Normalize(text);
        EXPECT_EQ(FindToken(normalized, TokenKind::kPhone), nullptr) << text;
    }
}

}  // namespace
}  // namespace carelisten::nlp

namespace carelisten::nlp {
namespace {

/// Random texts from characters where ICU's word rules do something particular: letters, digits, '_',
/// MidNumLet and MidNum punctuation, quotes, every ASCII whitespace, plus the non-ASCII cases at the seams
/// of the fast path (accented letters, a combining mark, ’, NBSP, U+3000, ZWJ, emoji, Devanagari, Han, Thai).
std::u16string RandomText(std::mt19937* random, bool ascii_only) {
    static const std::u16string kAscii = [] {
        std::u16string ascii = u"aZk09__..''\",,;;::  \n\t\v\f\r";  // the interesting ones, twice as likely
        for (char16_t c = 0x20; c < 0x7F; ++c) {
            ascii += c;
        }
        return ascii;
    }();
    static const std::vector<std::u16string> kOther = {
        u"\u00e9", u"\u0301",     u"\u2019",       u"\u00a0",       u"\u3000",
        u"\u200d", u"\U0001F600", u"\u092e\u0941", u"\u533b\u9662", u"\u0e42\u0e23\u0e07",
        u"\u00c9", u"\uff21"};
    std::u16string text;
    const auto length = static_cast<int>((*random)() % 24U);
    for (int i = 0; i < length; ++i) {
        if (!ascii_only && (*random)() % 6U == 0) {
            text += kOther[(*random)() % kOther.size()];
        } else {
            text += kAscii[(*random)() % kAscii.size()];
        }
    }
    return text;
}

std::string Describe(const std::u16string& text) {
    std::string out;
    for (const char16_t unit : text) {
        out += unit >= 0x20 && unit < 0x7F ? std::string(1, static_cast<char>(unit)) : "\\u" + std::to_string(unit);
    }
    return out;
}

TEST(WordSegments, AsciiFastPathGivesIcusBoundariesAndStatusesOnRandomAsciiText) {
    std::mt19937 random(20261125);  // fixed seed: the same texts on every run
    for (int round = 0; round < 50000; ++round) {
        const std::u16string text = RandomText(&random, true);
        ASSERT_EQ(detail::WordSegments(text, false), detail::WordSegments(text, true)) << Describe(text);
    }
}

TEST(WordSegments, MixedAsciiAndOtherScriptsSegmentExactlyAsIcuAlone) {
    std::mt19937 random(7);
    for (int round = 0; round < 50000; ++round) {
        const std::u16string text = RandomText(&random, false);
        ASSERT_EQ(detail::WordSegments(text, false), detail::WordSegments(text, true)) << Describe(text);
    }
}

TEST(WordSegments, KnownIcuStatusesOnAsciiShapes) {
    const auto segments = detail::WordSegments(u"a1 1a 12 _ __ 1_ a.b 1,2 a:b", false);
    std::vector<std::int32_t> statuses;
    for (const WordSegment& segment : segments) {
        statuses.push_back(segment.status);
    }
    // a1 → number (last rule WB9), 1a → letter, 12 → number, lone '_' → none, "__" → letter, "1_" → number,
    // "a.b" one letter word (WB6/7), "1,2" one number (WB11/12), ':' is not MidLetter in ICU's root rules.
    const std::vector<std::int32_t> expected = {100, 0, 200, 0, 100, 0, 0,   0, 200, 0,
                                                100, 0, 200, 0, 100, 0, 200, 0, 200};
    EXPECT_EQ(statuses, expected);
}

}  // namespace
}  // namespace carelisten::nlp
