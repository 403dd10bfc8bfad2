#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <daemon/metrics.hpp>

namespace carelisten::daemon {
namespace {

using ::testing::HasSubstr;

TEST(Metrics, RendersPrometheusTextPerSource) {
    Metrics metrics;
    metrics.Source("drop").items_stored.fetch_add(3);
    metrics.Source("drop").quarantined.fetch_add(1);
    metrics.Source("rss").errors.fetch_add(2);
    metrics.Source("rss").healthy.store(false);
    const auto text = metrics.RenderPrometheus();
    EXPECT_THAT(text, HasSubstr("# TYPE carelisten_items_stored_total counter\n"));
    EXPECT_THAT(text, HasSubstr("carelisten_items_stored_total{source=\"drop\"} 3\n"));
    EXPECT_THAT(text, HasSubstr("carelisten_items_quarantined_total{source=\"drop\"} 1\n"));
    EXPECT_THAT(text, HasSubstr("carelisten_source_errors_total{source=\"rss\"} 2\n"));
    EXPECT_THAT(text, HasSubstr("carelisten_source_healthy{source=\"rss\"} 0\n"));
    EXPECT_THAT(text, HasSubstr("carelisten_source_last_success_timestamp_seconds{source=\"drop\"} 0\n"));
}

TEST(Metrics, HistogramsAreCumulativeWithSumAndCount) {
    Metrics metrics;
    metrics.ObserveAnalysis(std::chrono::microseconds(300));
    metrics.ObserveAnalysis(std::chrono::milliseconds(20));
    metrics.ObserveTransaction(std::chrono::milliseconds(40), true);
    metrics.ObserveTransaction(std::chrono::seconds(60), false);
    const auto text = metrics.RenderPrometheus();
    EXPECT_THAT(text, HasSubstr("# TYPE carelisten_analysis_duration_seconds histogram\n"));
    EXPECT_THAT(text, HasSubstr("carelisten_analysis_duration_seconds_bucket{le=\"0.00025\"} 0\n"));
    EXPECT_THAT(text, HasSubstr("carelisten_analysis_duration_seconds_bucket{le=\"0.0005\"} 1\n"));
    EXPECT_THAT(text, HasSubstr("carelisten_analysis_duration_seconds_bucket{le=\"0.025\"} 2\n"));
    EXPECT_THAT(text, HasSubstr("carelisten_analysis_duration_seconds_bucket{le=\"+Inf\"} 2\n"));
    EXPECT_THAT(text, HasSubstr("carelisten_analysis_duration_seconds_count 2\n"));
    EXPECT_THAT(text, HasSubstr("carelisten_analysis_duration_seconds_sum 0.0203\n"));
    EXPECT_THAT(text,
                HasSubstr("carelisten_db_transaction_duration_seconds_bucket{result=\"committed\",le=\"0.05\"} 1\n"));
    EXPECT_THAT(text, HasSubstr("carelisten_db_transaction_duration_seconds_bucket{result=\"failed\",le=\"30\"} 0\n"));
    EXPECT_THAT(text,
                HasSubstr("carelisten_db_transaction_duration_seconds_bucket{result=\"failed\",le=\"+Inf\"} 1\n"));
    EXPECT_THAT(text, HasSubstr("carelisten_db_transaction_duration_seconds_count{result=\"failed\"} 1\n"));
}

TEST(Metrics, UpstreamHttpSnapshotIsRenderedByStatus) {
    Metrics metrics;
    metrics.SetUpstreamHttp(
        {.requests = 12, .transport_errors = 1, .rate_limit_waits = 3, .responses_by_status = {{429, 2}, {200, 9}}});
    const auto text = metrics.RenderPrometheus();
    EXPECT_THAT(text, HasSubstr("carelisten_upstream_requests_total 12\n"));
    EXPECT_THAT(text, HasSubstr("carelisten_upstream_responses_total{result=\"200\"} 9\n"
                                "carelisten_upstream_responses_total{result=\"429\"} 2\n"
                                "carelisten_upstream_responses_total{result=\"transport_error\"} 1\n"));
    EXPECT_THAT(text, HasSubstr("carelisten_upstream_rate_limit_waits_total 3\n"));
}

TEST(Metrics, ProcessFiguresComeFromProc) {
    EXPECT_GT(ProcessResidentBytes(), 1024u * 1024u);
    const auto fds = ProcessOpenFds();
    EXPECT_GE(fds, 3u);  // stdin, stdout, stderr at least
    const auto text = Metrics().RenderPrometheus();
    EXPECT_THAT(text, HasSubstr("# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes "));
    EXPECT_THAT(text, HasSubstr("# TYPE process_open_fds gauge\nprocess_open_fds "));
}

TEST(Metrics, OnlyAllowListedLabelsAppear) {
    Metrics metrics;
    metrics.Source("drop").items_stored.fetch_add(1);
    metrics.ObserveTransaction(std::chrono::milliseconds(1), true);
    metrics.SetUpstreamHttp(
        {.requests = 1, .transport_errors = 0, .rate_limit_waits = 0, .responses_by_status = {{200, 1}}});
    const auto text = metrics.RenderPrometheus();
    std::size_t at = 0;
    while ((at = text.find('{', at)) != std::string::npos) {
        const auto end = text.find('}', at);
        ASSERT_NE(end, std::string::npos);
        std::string labels = text.substr(at + 1, end - at - 1);
        std::size_t pos = 0;
        while (pos < labels.size()) {
            const auto eq = labels.find('=', pos);
            const auto name = labels.substr(pos, eq - pos);
            EXPECT_TRUE(name == "le" ||
                        std::find(kAllowedLabels.begin(), kAllowedLabels.end(), name) != kAllowedLabels.end())
                << name;
            const auto close = labels.find('"', labels.find('"', eq) + 1);
            pos = close + 2;
        }
        at = end;
    }
}

}  // namespace
}  // namespace carelisten::daemon
