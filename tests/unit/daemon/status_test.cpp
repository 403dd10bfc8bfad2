// /status, /readyz and STATUS=: every per-source state the operator can meet, from a Metrics snapshot.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <daemon/status.hpp>

namespace carelisten::daemon {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr double kNow = 1'800'000'000.0;

class StatusTest : public ::testing::Test {
protected:
    StatusTest() {
        metrics_.start_unixtime.store(kNow - 7200);
        metrics_.database_ready.store(true);
        metrics_.schema_version.store(1);
        metrics_.expected_schema_version.store(1);
    }

    // A source that succeeded a minute ago and fetched `items` in the last hour.
    SourceMetrics& Working(const std::string& name, std::uint64_t items) {
        auto& source = metrics_.Source(name);
        metrics_.SampleActivity(kNow - 3000);
        source.items_fetched.fetch_add(items);
        source.last_success_unixtime.store(kNow - 60);
        return source;
    }

    SourceStatus Only(const std::vector<SourceExpectation>& expectations) {
        const auto status = BuildStatus(metrics_, expectations, kNow, true, false);
        EXPECT_EQ(status.sources.size(), 1u);
        return status.sources.empty() ? SourceStatus{} : status.sources.front();
    }

    Metrics metrics_;
};

TEST_F(StatusTest, AWorkingSourceIsOkWithItsItemsOfTheLastHour) {
    Working("drop", 7);
    metrics_.SampleActivity(kNow - 10);
    const auto source = Only({{"drop", "jsonl_drop", true, 3600}});
    EXPECT_EQ(source.state, SourceState::kOk);
    EXPECT_EQ(source.items_last_hour, 7u);
    EXPECT_DOUBLE_EQ(source.last_item_unixtime, kNow - 10);
    const auto status = BuildStatus(metrics_, {{"drop", "jsonl_drop", true, 3600}}, kNow, true, false);
    EXPECT_TRUE(status.ok);
    EXPECT_TRUE(IsReady(status));
}

TEST_F(StatusTest, NoDataForLongerThanExpectedIsStale) {
    Working("rss", 0);
    metrics_.SampleActivity(kNow - 10);
    // Nothing arrived since the start two hours ago; one hour of silence is the most that is normal.
    EXPECT_EQ(Only({{"rss", "rss", true, 3600}}).state, SourceState::kStale);
    // Without an expectation silence is fine.
    EXPECT_EQ(Only({{"rss", "rss", true, 0}}).state, SourceState::kOk);
    const auto status = BuildStatus(metrics_, {{"rss", "rss", true, 3600}}, kNow, true, false);
    EXPECT_FALSE(status.ok);
    EXPECT_THAT(StatusJson(status), HasSubstr(R"("no_data_longer_than_expected":true)"));
    EXPECT_THAT(StatusSummary(status), HasSubstr("1 stale (rss)"));
}

TEST_F(StatusTest, ItemsOlderThanAnHourLeaveTheWindow) {
    auto& source = metrics_.Source("x");
    metrics_.SampleActivity(kNow - 5000);
    source.items_fetched.fetch_add(40);  // arrived about 80 minutes ago
    metrics_.SampleActivity(kNow - 4800);
    for (double t = kNow - 4740; t < kNow - 600; t += 60) {
        metrics_.SampleActivity(t);
    }
    source.items_fetched.fetch_add(2);  // and two recently
    metrics_.SampleActivity(kNow);
    EXPECT_EQ(metrics_.Activity("x").items_last_hour, 2u);
    EXPECT_DOUBLE_EQ(metrics_.Activity("x").last_item_unixtime, kNow);
}

TEST_F(StatusTest, ErrorClassesMapToStates) {
    auto& source = Working("x", 1);
    source.last_error_class.store(1);  // retry later
    source.SetLastErrorDetail("HTTP 503 from api.x.com");
    auto status = Only({{"x", "x", true, 0}});
    EXPECT_EQ(status.state, SourceState::kRetrying);
    EXPECT_EQ(status.last_error_class, "retry_later");
    EXPECT_EQ(status.last_error_detail, "HTTP 503 from api.x.com");

    source.last_error_class.store(2);
    source.blocked_until_unixtime.store(kNow + 300);
    EXPECT_EQ(Only({{"x", "x", true, 0}}).state, SourceState::kRateLimited);
    EXPECT_THAT(StatusJson(BuildStatus(metrics_, {{"x", "x", true, 0}}, kNow, true, false)),
                HasSubstr(R"("blocked_until":")"));

    source.blocked_until_unixtime.store(0);
    source.last_error_class.store(3);  // credentials rejected: an operator must act
    source.healthy.store(false);
    status = Only({{"x", "x", true, 0}});
    EXPECT_EQ(status.state, SourceState::kFailing);
    EXPECT_EQ(status.last_error_class, "auth_broken");
    EXPECT_THAT(StatusSummary(BuildStatus(metrics_, {{"x", "x", true, 0}}, kNow, true, false)),
                HasSubstr("1 failing (x)"));
}

TEST_F(StatusTest, DisabledAndNotYetPolledSourcesDoNotDegrade) {
    metrics_.Source("new");
    metrics_.Source("off");
    const std::vector<SourceExpectation> expectations = {{"new", "rss", true, 60}, {"off", "rss", false, 60}};
    const auto status = BuildStatus(metrics_, expectations, kNow, true, false);
    ASSERT_EQ(status.sources.size(), 2u);
    EXPECT_EQ(status.sources[0].state, SourceState::kStarting);
    EXPECT_EQ(status.sources[1].state, SourceState::kDisabled);
    EXPECT_TRUE(status.ok);
}

TEST_F(StatusTest, NotReadyWhenTheDatabaseIsGoneTheSchemaIsBehindOrStopping) {
    metrics_.database_ready.store(false);
    EXPECT_FALSE(IsReady(BuildStatus(metrics_, {}, kNow, true, false)));
    EXPECT_THAT(StatusSummary(BuildStatus(metrics_, {}, kNow, true, false)), HasSubstr("database unreachable"));
    metrics_.database_ready.store(true);
    metrics_.expected_schema_version.store(2);
    EXPECT_FALSE(IsReady(BuildStatus(metrics_, {}, kNow, true, false)));
    EXPECT_THAT(StatusSummary(BuildStatus(metrics_, {}, kNow, true, false)), HasSubstr("schema 1, expected 2"));
    metrics_.expected_schema_version.store(1);
    EXPECT_TRUE(IsReady(BuildStatus(metrics_, {}, kNow, true, false)));
    EXPECT_FALSE(IsReady(BuildStatus(metrics_, {}, kNow, true, true)));
}

TEST_F(StatusTest, SummaryKeepsTheSourceCountFirst) {
    Working("a", 1);
    Working("b", 1).healthy.store(false);
    const auto summary =
        StatusSummary(BuildStatus(metrics_, {{"a", "t", true, 0}, {"b", "t", true, 0}}, kNow, true, false));
    EXPECT_EQ(summary, "2 source(s): 1 ok, 1 failing (b); 0 stored, 0 quarantined; database ok");
}

TEST_F(StatusTest, TerminalFormatReadsTheJsonBack) {
    auto& source = Working("drop", 3);
    source.last_error_class.store(1);
    source.SetLastErrorDetail("connection reset");
    bool all_ok = true;
    const auto text = FormatStatusForTerminal(
        StatusJson(BuildStatus(metrics_, {{"drop", "jsonl_drop", true, 0}}, kNow, true, false)), all_ok);
    ASSERT_TRUE(text.has_value());
    EXPECT_FALSE(all_ok);
    EXPECT_THAT(*text, HasSubstr("carelistend: degraded, ready"));
    EXPECT_THAT(*text, HasSubstr("database: reachable, schema 1 (this binary: 1)"));
    EXPECT_THAT(*text, HasSubstr("drop"));
    EXPECT_THAT(*text, HasSubstr("retrying"));
    EXPECT_THAT(*text, HasSubstr("60s ago"));
    EXPECT_THAT(*text, HasSubstr("retry_later"));
    EXPECT_THAT(*text, HasSubstr("connection reset"));

    source.last_error_class.store(0);
    const auto healthy = FormatStatusForTerminal(
        StatusJson(BuildStatus(metrics_, {{"drop", "jsonl_drop", true, 0}}, kNow, true, false)), all_ok);
    ASSERT_TRUE(healthy.has_value());
    EXPECT_TRUE(all_ok);
    EXPECT_THAT(*healthy, Not(HasSubstr("retry_later")));
}

TEST_F(StatusTest, TerminalFormatRefusesWhatIsNotAStatusDocument) {
    bool all_ok = true;
    EXPECT_FALSE(FormatStatusForTerminal("not json", all_ok).has_value());
    EXPECT_FALSE(FormatStatusForTerminal(R"({"sources":3})", all_ok).has_value());
    EXPECT_FALSE(FormatStatusForTerminal("{\"sources\":[],\"database\":{},\"status\":\"\xff\"}", all_ok).has_value())
        << "invalid UTF-8 is refused";
    EXPECT_FALSE(all_ok);
}

}  // namespace
}  // namespace carelisten::daemon
