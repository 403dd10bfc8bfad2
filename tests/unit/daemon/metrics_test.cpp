#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace carelisten::daemon
