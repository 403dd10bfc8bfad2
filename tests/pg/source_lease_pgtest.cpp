// V009 source leases against a real PostgreSQL: one holder at a time, the fencing token grows at every change of
// holder, a batch under a lost lease is refused whole (no item, no cursor), release hands over at once.
#include <gtest/gtest.h>

#include <crm/errc.hpp>
#include <crm/migrator.hpp>
#include <crm/store.hpp>
#include <memory>
#include <string>

#include "pg/pg_test_database.hpp"

namespace carelisten::crm {
namespace {

using std::chrono::seconds;

class SourceLeaseTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto dsn = test::PgTestDsn();
        if (!dsn) {
            GTEST_SKIP() << test::kPgSkipMessage;
        }
        db_ = std::make_unique<test::TestDatabase>(*dsn);
        ASSERT_TRUE(ApplyMigrations(db_->Conninfo(), {}));
        for (auto* store : {&a_, &b_}) {
            auto opened = Store::Open(db_->Conninfo());
            ASSERT_TRUE(opened);
            *store = std::move(opened.value());
        }
    }

    static IngestBatch Batch(const std::string& id, const std::string& cursor, const SourceLease& lease) {
        NewItem item;
        item.source = "drop";
        item.external_id = id;
        item.channel = "review";
        item.text = "text " + id;
        item.sentiment_label = "neutral";
        item.urgency = "none";
        item.analyzer_version = "test";
        return {.source = "drop", .lease = lease, .items = {item}, .next_cursor = cursor};
    }

    void Expire() { db_->Execute("UPDATE source_lease SET expires_at = now() - interval '1 second'"); }

    std::unique_ptr<test::TestDatabase> db_;
    std::unique_ptr<Store> a_;
    std::unique_ptr<Store> b_;
};

TEST_F(SourceLeaseTest, OneHolderAtATimeAndTheTokenGrowsWithEveryNewHolder) {
    EXPECT_EQ(a_->AcquireSourceLease("drop", "a", seconds(30)).value(), 1);
    EXPECT_EQ(a_->AcquireSourceLease("drop", "a", seconds(30)).value(), 1) << "renewal keeps the token";
    EXPECT_FALSE(b_->AcquireSourceLease("drop", "b", seconds(30)).value().has_value()) << "a's lease is live";
    Expire();
    EXPECT_EQ(b_->AcquireSourceLease("drop", "b", seconds(30)).value(), 2);
    EXPECT_FALSE(a_->AcquireSourceLease("drop", "a", seconds(30)).value().has_value());
    ASSERT_TRUE(b_->ReleaseSourceLeases("b"));
    EXPECT_EQ(a_->AcquireSourceLease("drop", "a", seconds(30)).value(), 3) << "released: taken at once";
    const auto leases = a_->ListSourceLeases();
    ASSERT_TRUE(leases);
    ASSERT_EQ(leases.value().size(), 1u);
    EXPECT_EQ(leases.value()[0].holder, "a");
    EXPECT_EQ(leases.value()[0].fencing_token, 3);
}

TEST_F(SourceLeaseTest, ABatchUnderALostLeaseIsRefusedWhole) {
    ASSERT_EQ(a_->AcquireSourceLease("drop", "a", seconds(30)).value(), 1);
    ASSERT_TRUE(a_->Ingest(Batch("1", "cursor-a-1", {"a", 1, seconds(30)})));
    // a pauses past its lease; b takes the source and moves on.
    Expire();
    ASSERT_EQ(b_->AcquireSourceLease("drop", "b", seconds(30)).value(), 2);
    ASSERT_TRUE(b_->Ingest(Batch("2", "cursor-b-2", {"b", 2, seconds(30)})));
    // a wakes up with a batch in hand: refused, nothing written, the cursor is b's.
    const auto stale = a_->Ingest(Batch("3", "cursor-a-3", {"a", 1, seconds(30)}));
    ASSERT_FALSE(stale);
    EXPECT_EQ(stale.error(), CrmErrc::kLeaseLost);
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM item WHERE external_id = '3'"), 0);
    EXPECT_EQ(a_->LoadCursor("drop").value(), "cursor-b-2");
    // An expired lease fences too, even before anyone else took it.
    Expire();
    EXPECT_EQ(b_->Ingest(Batch("4", "cursor-b-4", {"b", 2, seconds(30)})).error(), CrmErrc::kLeaseLost);
    // A batch without a lease (a pushed webhook batch) is not fenced.
    EXPECT_TRUE(a_->Ingest({.source = "drop", .items = {Batch("5", "", {}).items[0]}}));
}

}  // namespace
}  // namespace carelisten::crm
