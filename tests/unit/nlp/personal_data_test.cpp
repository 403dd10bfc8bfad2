#include <gtest/gtest.h>

#include <nlp/personal_data.hpp>
#include <string>
#include <utility>
#include <vector>

namespace carelisten::nlp {
namespace {

using Found = std::vector<std::pair<std::string, std::string>>;

/// (kind, covered text) for each span.
Found Find(std::string_view text) {
    Found found;
    for (const PersonalDataSpan& span : FindPersonalData(Normalize(text))) {
        found.emplace_back(span.kind, std::string(text.substr(span.span.begin, span.span.end - span.span.begin)));
    }
    return found;
}

TEST(PersonalData, EmailAddresses) {
    EXPECT_EQ(Find("write to Jane.Doe+ward@example.org please"), (Found{{"email", "Jane.Doe+ward@example.org"}}));
}

TEST(PersonalData, PhoneNumbersInternationalAndLocal) {
    EXPECT_EQ(Find("call me on +44 20 7946 0958 or 07700 900123."),
              (Found{{"phone", "+44 20 7946 0958"}, {"phone", "07700 900123"}}));
    EXPECT_EQ(Find("my number is (555) 123-4567"), (Found{{"phone", "(555) 123-4567"}}));
    EXPECT_EQ(Find("mobile 9876543210"), (Found{{"phone", "9876543210"}}));
}

TEST(PersonalData, ShortNumbersAreNotPersonalData) {
    EXPECT_TRUE(Find("waited 45 minutes in bay 12, ward 7").empty());
    EXPECT_TRUE(Find("paid 1234 pounds").empty());
}

TEST(PersonalData, RecordNumbers) {
    EXPECT_EQ(Find("my MRN 1234567 was wrong"), (Found{{"record_number", "1234567"}}));
    EXPECT_EQ(Find("NHS number 485 777 3456"), (Found{{"record_number", "485 777 3456"}}));
    EXPECT_EQ(Find("NHS no: 4857773456"), (Found{{"record_number", "4857773456"}}));
    EXPECT_EQ(Find("ref MRN1234567"), (Found{{"record_number", "MRN1234567"}}));
}

TEST(PersonalData, Dates) {
    EXPECT_EQ(Find("discharged 2026-11-02 at noon"), (Found{{"date", "2026-11-02"}}));
    EXPECT_EQ(Find("seen on 02/11/2026."), (Found{{"date", "02/11/2026"}}));
    EXPECT_EQ(Find("admitted 2 Nov 2026 and"), (Found{{"date", "2 Nov 2026"}}));
    EXPECT_EQ(Find("on November 2, 2026"), (Found{{"date", "November 2, 2026"}}));
    EXPECT_EQ(Find("on the 3rd of may"), (Found{}));
    EXPECT_EQ(Find("since 3rd May"), (Found{{"date", "3rd May"}}));
}

TEST(PersonalData, SpansAreOrderedAndOffsetsAreIntoTheRepairedInput) {
    const std::string text = "\xFF call 07700 900123 or a@b.org";
    bool repaired = false;
    const std::string fixed = RepairUtf8(text, &repaired);
    const std::vector<PersonalDataSpan> spans = FindPersonalData(Normalize(text));
    ASSERT_EQ(spans.size(), 2U);
    EXPECT_EQ(spans[0].kind, "phone");
    EXPECT_EQ(fixed.substr(spans[0].span.begin, spans[0].span.end - spans[0].span.begin), "07700 900123");
    EXPECT_EQ(spans[1].kind, "email");
    EXPECT_EQ(fixed.substr(spans[1].span.begin, spans[1].span.end - spans[1].span.begin), "a@b.org");
}

}  // namespace
}  // namespace carelisten::nlp
