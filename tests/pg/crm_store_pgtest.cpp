// crm::Store against a real PostgreSQL: ingest is atomic and idempotent, cursors move with their items, flagged
// items open and extend cases, bad input is quarantined once, and a lost connection is survived. The suite shares
// one migrated database; each test uses its own source names, so tests do not see each other's rows.
#include <gtest/gtest.h>

#include <chrono>
#include <common/log.hpp>
#include <crm/errc.hpp>
#include <crm/migrator.hpp>
#include <crm/store.hpp>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "pg/pg_test_database.hpp"

namespace carelisten::crm {
namespace {

class LogCapture {
public:
    LogCapture() {
        log::SetSinkForTesting([this](std::string_view line) {
            const std::lock_guard lock(mutex_);
            lines_.emplace_back(line);
        });
    }
    ~LogCapture() { log::SetSinkForTesting(nullptr); }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    bool Contains(std::string_view needle) const {
        const std::lock_guard lock(mutex_);
        for (const auto& line : lines_) {
            if (line.find(needle) != std::string::npos) {
                return true;
            }
        }
        return false;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

NewItem MakeItem(const std::string& source, const std::string& external_id) {
    NewItem item;
    item.source = source;
    item.external_id = external_id;
    item.channel = "review";
    item.author = "";
    item.text = "The nurse on ward 7 was wonderful, thank you " + external_id;
    item.url = "https://example.org/r/" + external_id;
    item.language = "en";
    item.sentiment_label = "positive";
    item.sentiment_score = 0.8;
    item.urgency = "none";
    item.analyzer_version = "test-1";
    return item;
}

NewItem MakeFlagged(const std::string& source, const std::string& external_id, const std::string& author,
                    const std::string& urgency, double score) {
    NewItem item = MakeItem(source, external_id);
    item.author = author;
    item.text = "Nobody came when I rang, I was in pain for hours " + external_id;
    item.sentiment_label = "negative";
    item.sentiment_score = score;
    item.urgency = urgency;
    item.flagged = true;
    return item;
}

IngestBatch MakeBatch(const std::string& source, int first, int count) {
    IngestBatch batch;
    batch.source = source;
    for (int i = first; i < first + count; ++i) {
        batch.items.push_back(MakeItem(source, "ext-" + std::to_string(i)));
    }
    return batch;
}

NewQuarantine MakeQuarantine(const std::string& source, const std::string& locator, std::string raw) {
    NewQuarantine record;
    record.source = source;
    record.locator = locator;
    record.reason = "invalid JSON at byte 17";
    record.raw = std::move(raw);
    return record;
}

class CrmStoreTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        const auto dsn = test::PgTestDsn();
        if (!dsn) {
            return;
        }
        db_ = new test::TestDatabase(*dsn);
        const auto migrated = ApplyMigrations(db_->Conninfo(), {});
        migrated_ = static_cast<bool>(migrated);
    }

    static void TearDownTestSuite() {
        delete db_;
        db_ = nullptr;
    }

    void SetUp() override {
        if (db_ == nullptr) {
            GTEST_SKIP() << test::kPgSkipMessage;
        }
        ASSERT_TRUE(migrated_) << "the migrations did not apply";
        auto opened = Store::Open(db_->Conninfo());
        ASSERT_TRUE(opened) << opened.error().message();
        store_ = std::move(opened.value());
    }

    long long Count(const std::string& sql) const { return db_->QueryInt(sql); }

    long long ItemCount(const std::string& source) const {
        return Count("SELECT count(*) FROM item WHERE source = '" + source + "'");
    }

    static test::TestDatabase* db_;
    static bool migrated_;
    std::unique_ptr<Store> store_;
};

test::TestDatabase* CrmStoreTest::db_ = nullptr;
bool CrmStoreTest::migrated_ = false;

TEST_F(CrmStoreTest, IngestInsertsAndReingestIsANoOp) {
    const IngestBatch batch = MakeBatch("ingest_src", 0, 50);
    const auto first = store_->Ingest(batch);
    ASSERT_TRUE(first) << first.error().message();
    EXPECT_EQ(first.value().inserted, 50U);
    EXPECT_EQ(first.value().duplicates, 0U);
    EXPECT_EQ(ItemCount("ingest_src"), 50);
    const auto max_id = Count("SELECT max(id) FROM item");

    const auto again = store_->Ingest(batch);
    ASSERT_TRUE(again) << again.error().message();
    EXPECT_EQ(again.value().inserted, 0U);
    EXPECT_EQ(again.value().duplicates, 50U);
    EXPECT_EQ(ItemCount("ingest_src"), 50);
    EXPECT_EQ(Count("SELECT max(id) FROM item"), max_id);

    // A batch overlapping the stored one: only the new half goes in.
    const auto overlap = store_->Ingest(MakeBatch("ingest_src", 25, 50));
    ASSERT_TRUE(overlap) << overlap.error().message();
    EXPECT_EQ(overlap.value().inserted, 25U);
    EXPECT_EQ(overlap.value().duplicates, 25U);
    EXPECT_EQ(ItemCount("ingest_src"), 75);
}

TEST_F(CrmStoreTest, DuplicatesWithinOneBatchAreStoredOnce) {
    IngestBatch batch = MakeBatch("dup_src", 0, 3);
    batch.items.push_back(MakeItem("dup_src", "ext-1"));
    const auto outcome = store_->Ingest(batch);
    ASSERT_TRUE(outcome) << outcome.error().message();
    EXPECT_EQ(outcome.value().inserted, 3U);
    EXPECT_EQ(outcome.value().duplicates, 1U);
    EXPECT_EQ(ItemCount("dup_src"), 3);
}

// Near-duplicates are linked before the items are written: a copy in the batch of a stored item, a copy of that
// copy (too far from the stored item itself to match it directly), a copy of another item of the same batch, and
// a re-delivered item next to its copy.
TEST_F(CrmStoreTest, NearDuplicatesInOneBatchLinkToTheirFirstCopy) {
    constexpr std::uint64_t kStored = 0x1234'5678'9abc'def0ULL;
    constexpr std::uint64_t kOther = 0x0fed'cba9'8765'4321ULL;
    IngestBatch first;
    first.source = "nd_batch";
    first.items.push_back(MakeFlagged("nd_batch", "a", "", "low", -0.6));
    first.items.back().similarity_hash = kStored;
    ASSERT_TRUE(store_->Ingest(first));

    IngestBatch second;
    second.source = "nd_batch";
    second.items.push_back(first.items.front());  // re-delivered
    second.items.push_back(MakeFlagged("nd_batch", "b", "", "low", -0.6));
    second.items.back().similarity_hash = kStored ^ 0b111ULL;  // 3 bits from a
    second.items.push_back(MakeFlagged("nd_batch", "c", "", "low", -0.6));
    second.items.back().similarity_hash = kStored ^ 0b111'000ULL ^ 0b111ULL;  // 3 bits from b, 6 from a
    second.items.push_back(MakeFlagged("nd_batch", "d", "", "high", -0.7));
    second.items.back().similarity_hash = kOther;
    second.items.push_back(MakeFlagged("nd_batch", "e", "", "low", -0.6));
    second.items.back().similarity_hash = kOther ^ (1ULL << 63);  // 1 bit from d
    second.items.push_back(MakeFlagged("nd_batch", "f", "", "low", -0.6));
    second.items.back().similarity_hash = kOther ^ 0xffffULL;  // 16 bits from d: not a copy
    const auto outcome = store_->Ingest(second);
    ASSERT_TRUE(outcome) << outcome.error().message();
    EXPECT_EQ(outcome.value().inserted, 5U);
    EXPECT_EQ(outcome.value().duplicates, 1U);
    EXPECT_EQ(outcome.value().near_duplicates, 3U);
    EXPECT_EQ(outcome.value().cases_opened, 2U) << "d and f open cases; the copies open none";

    const auto id_of = [&](const std::string& external_id) {
        return db_
            ->QueryValue("SELECT id::text FROM item WHERE source = 'nd_batch' AND external_id = '" + external_id + "'")
            .value_or("missing");
    };
    const auto duplicate_of = [&](const std::string& external_id) {
        return db_
            ->QueryValue(
                "SELECT coalesce(duplicate_of::text, 'NULL') FROM item WHERE source = 'nd_batch' AND "
                "external_id = '" +
                external_id + "'")
            .value_or("missing");
    };
    EXPECT_EQ(duplicate_of("b"), id_of("a"));
    EXPECT_EQ(duplicate_of("c"), id_of("a")) << "a copy of a copy points at the first copy";
    EXPECT_EQ(duplicate_of("e"), id_of("d"));
    EXPECT_EQ(duplicate_of("d"), "NULL");
    EXPECT_EQ(duplicate_of("f"), "NULL");
    EXPECT_EQ(Count("SELECT count(*) FROM item WHERE source = 'nd_batch' AND external_id IN ('b', 'c', 'e') AND "
                    "is_noise AND noise_reasons = '{near_duplicate}' AND case_id IS NULL"),
              3);
    EXPECT_EQ(Count("SELECT count(*) FROM item WHERE source = 'nd_batch' AND external_id IN ('a', 'd', 'f') AND "
                    "NOT is_noise AND case_id IS NOT NULL"),
              3);
    EXPECT_EQ(Count("SELECT coalesce(sum(item_count), 0) FROM feedback_case WHERE source = 'nd_batch'"), 3);
}

// Another writer (a second replica) stores one of the batch's items after the batch checked for stored items: the
// batch waits for that writer, runs again, and stores and counts only its own item.
TEST_F(CrmStoreTest, AnItemStoredConcurrentlyIsStoredAndCountedOnce) {
    pqxx::connection other(db_->Conninfo());
    pqxx::work writer(other);
    writer.exec(
        "INSERT INTO item (source, external_id, channel, author, text, sentiment_label, sentiment_score, "
        "sentiment_scored, is_noise, urgency, analyzer_version) "
        "VALUES ('race_src', 'r-1', 'review', 'carol', 'x', 'negative', -0.5, true, false, 'low', 'test-1')");

    IngestBatch batch;
    batch.source = "race_src";
    batch.items.push_back(MakeFlagged("race_src", "r-1", "carol", "low", -0.5));
    batch.items.push_back(MakeFlagged("race_src", "r-2", "carol", "low", -0.5));
    Result<IngestOutcome> outcome = CrmErrc::kRetry;
    std::thread ingest([&] { outcome = store_->Ingest(batch); });
    // Wait until the batch's INSERT waits on the other writer's uncommitted row, then commit that row.
    bool waiting = false;
    for (int i = 0; i < 200 && !waiting; ++i) {
        waiting = Count(
                      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                      "wait_event_type = 'Lock'") > 0;
        if (!waiting) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    writer.commit();
    ingest.join();
    EXPECT_TRUE(waiting) << "the batch never met the other writer's row";
    ASSERT_TRUE(outcome) << outcome.error().message();
    EXPECT_EQ(outcome.value().inserted, 1U);
    EXPECT_EQ(outcome.value().duplicates, 1U);
    EXPECT_EQ(outcome.value().cases_opened, 1U);
    EXPECT_EQ(ItemCount("race_src"), 2);
    EXPECT_EQ(Count("SELECT coalesce(sum(item_count), 0) FROM feedback_case WHERE source = 'race_src'"), 1);
    EXPECT_EQ(Count("SELECT count(*) FROM item WHERE source = 'race_src' AND external_id = 'r-2' AND "
                    "case_id IS NOT NULL"),
              1);
}

TEST_F(CrmStoreTest, AnEditedItemIsANewVersionAndEachVersionIsStoredOnce) {
    IngestBatch batch;
    batch.source = "version_src";
    NewItem first = MakeItem("version_src", "review-1");
    first.rating = 2;
    first.thread_id = "location-9";
    NewItem edited = MakeItem("version_src", "review-1");
    edited.version = "2026-11-20T10:00:00Z";
    edited.rating = 4;
    edited.thread_id = "location-9";
    batch.items = {first, edited};
    const auto stored = store_->Ingest(batch);
    ASSERT_TRUE(stored) << stored.error().message();
    EXPECT_EQ(stored.value().inserted, 2U);

    const auto again = store_->Ingest(batch);
    ASSERT_TRUE(again) << again.error().message();
    EXPECT_EQ(again.value().inserted, 0U);
    EXPECT_EQ(again.value().duplicates, 2U);
    EXPECT_EQ(ItemCount("version_src"), 2);
    EXPECT_EQ(Count("SELECT rating FROM item WHERE source = 'version_src' AND item_version = ''"), 2);
    EXPECT_EQ(Count("SELECT rating FROM item WHERE source = 'version_src' AND item_version <> ''"), 4);
    EXPECT_EQ(Count("SELECT count(*) FROM item WHERE source = 'version_src' AND thread_id = 'location-9'"), 2);
}

TEST_F(CrmStoreTest, ConversationFieldsAreStored) {
    IngestBatch batch;
    batch.source = "thread_src";
    NewItem reply = MakeItem("thread_src", "post-2");
    reply.thread_id = "topic-7";
    reply.reply_to = "post-1";
    reply.community = "diabetes";
    batch.items = {reply};
    const auto stored = store_->Ingest(batch);
    ASSERT_TRUE(stored) << stored.error().message();
    EXPECT_EQ(Count("SELECT count(*) FROM item WHERE source = 'thread_src' AND thread_id = 'topic-7' AND "
                    "reply_to = 'post-1' AND community = 'diabetes' AND rating IS NULL"),
              1);
}

TEST_F(CrmStoreTest, ItemsRoundTripThroughListItems) {
    NewItem item = MakeItem("roundtrip_src", "rt-1");
    item.text = "Très bien, ça va \"quoted\" \\ back\tslash\nnew line ✓ 病院";
    item.author = "@patient\"one";
    item.noise_reasons = {"has, comma", "quote \" and \\ backslash", "NULL", "{braces}", ""};
    item.categories = {"waiting_time", "staff_attitude"};
    item.red_flags = {"fever"};
    item.sentiment_score = -0.123456789012345;
    item.sentiment_scored = false;
    item.is_noise = true;
    item.urgency = "high";
    item.channel = "sms";
    item.language = "fr";
    const auto posted = std::chrono::system_clock::time_point{} + std::chrono::microseconds{1700000000123456};
    item.posted_at = posted;
    IngestBatch batch;
    batch.source = "roundtrip_src";
    batch.items.push_back(item);
    const auto before = std::chrono::system_clock::now() - std::chrono::seconds(5);
    ASSERT_TRUE(store_->Ingest(batch));

    ListFilter filter;
    filter.source = "roundtrip_src";
    const auto items = store_->ListItems(filter);
    ASSERT_TRUE(items) << items.error().message();
    ASSERT_EQ(items.value().size(), 1U);
    const ItemRow& row = items.value().front();
    EXPECT_GT(row.id, 0);
    EXPECT_EQ(row.source, "roundtrip_src");
    EXPECT_EQ(row.external_id, "rt-1");
    EXPECT_EQ(row.channel, "sms");
    EXPECT_EQ(row.language, "fr");
    EXPECT_EQ(row.sentiment_label, "positive");
    EXPECT_DOUBLE_EQ(row.sentiment_score, -0.123456789012345);
    EXPECT_TRUE(row.is_noise);
    EXPECT_EQ(row.noise_reasons, item.noise_reasons);
    EXPECT_EQ(row.categories, item.categories);
    EXPECT_EQ(row.urgency, "high");
    EXPECT_EQ(row.red_flags, item.red_flags);
    EXPECT_EQ(row.analyzer_version, "test-1");
    EXPECT_FALSE(row.case_id);
    EXPECT_GT(row.received_at, before);
    EXPECT_LT(row.received_at, std::chrono::system_clock::now() + std::chrono::seconds(5));

    // Columns ItemRow does not carry, checked in SQL.
    EXPECT_EQ(db_->QueryValue("SELECT text FROM item WHERE external_id = 'rt-1'"), item.text);
    EXPECT_EQ(db_->QueryValue("SELECT author FROM item WHERE external_id = 'rt-1'"), item.author);
    EXPECT_EQ(db_->QueryValue("SELECT sentiment_scored FROM item WHERE external_id = 'rt-1'"), "f");
    EXPECT_EQ(db_->QueryValue("SELECT (extract(epoch FROM posted_at) * 1000000)::bigint FROM item "
                              "WHERE external_id = 'rt-1'"),
              "1700000000123456");
}

TEST_F(CrmStoreTest, EmptyAnalysisFieldsGetDefaultsAndMissingPostedAtIsNull) {
    NewItem item;
    item.external_id = "bare-1";  // source comes from the batch
    item.text = "hello";
    IngestBatch batch;
    batch.source = "defaults_src";
    batch.items.push_back(item);
    const auto outcome = store_->Ingest(batch);
    ASSERT_TRUE(outcome) << outcome.error().message();
    const auto rows = db_->Query(
        "SELECT source, channel, sentiment_label, urgency, posted_at IS NULL FROM item WHERE external_id = 'bare-1'");
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0][0], "defaults_src");
    EXPECT_EQ(rows[0][1], "unknown");
    EXPECT_EQ(rows[0][2], "neutral");
    EXPECT_EQ(rows[0][3], "none");
    EXPECT_EQ(rows[0][4], "t");
}

TEST_F(CrmStoreTest, ListItemsHonoursSourceAndLimitNewestFirst) {
    ASSERT_TRUE(store_->Ingest(MakeBatch("list_src_a", 0, 5)));
    ASSERT_TRUE(store_->Ingest(MakeBatch("list_src_b", 0, 2)));
    ListFilter filter;
    filter.source = "list_src_a";
    filter.limit = 3;
    const auto items = store_->ListItems(filter);
    ASSERT_TRUE(items);
    ASSERT_EQ(items.value().size(), 3U);
    EXPECT_EQ(items.value()[0].external_id, "ext-4");
    EXPECT_EQ(items.value()[2].external_id, "ext-2");
    for (const auto& row : items.value()) {
        EXPECT_EQ(row.source, "list_src_a");
    }
    const auto all = store_->ListItems(ListFilter{});
    ASSERT_TRUE(all);
    EXPECT_GE(all.value().size(), 7U);
    EXPECT_EQ(all.value().front().source, "list_src_b");
}

TEST_F(CrmStoreTest, CursorIsStoredWithItsBatch) {
    const auto none = store_->LoadCursor("cursor_src");
    ASSERT_TRUE(none);
    EXPECT_FALSE(none.value());

    IngestBatch batch = MakeBatch("cursor_src", 0, 3);
    batch.next_cursor = "page-2";
    ASSERT_TRUE(store_->Ingest(batch));
    auto cursor = store_->LoadCursor("cursor_src");
    ASSERT_TRUE(cursor);
    EXPECT_EQ(cursor.value(), "page-2");

    // A cursor alone (an empty page) still moves.
    IngestBatch empty;
    empty.source = "cursor_src";
    empty.next_cursor = "page-3";
    ASSERT_TRUE(store_->Ingest(empty));
    cursor = store_->LoadCursor("cursor_src");
    ASSERT_TRUE(cursor);
    EXPECT_EQ(cursor.value(), "page-3");

    // No next_cursor: the stored one stays.
    ASSERT_TRUE(store_->Ingest(MakeBatch("cursor_src", 10, 1)));
    cursor = store_->LoadCursor("cursor_src");
    ASSERT_TRUE(cursor);
    EXPECT_EQ(cursor.value(), "page-3");
}

TEST_F(CrmStoreTest, AFailingBatchWritesNothing) {
    IngestBatch good = MakeBatch("atomic_src", 0, 2);
    good.next_cursor = "before";
    ASSERT_TRUE(store_->Ingest(good));

    IngestBatch bad = MakeBatch("atomic_src", 100, 10);
    bad.items.push_back(MakeFlagged("atomic_src", "flag-1", "dora", "high", -0.9));
    bad.items[5].channel = "carrier-pigeon";  // violates item's CHECK on channel
    bad.items[5].text = "secret patient text 0xPHI";
    bad.quarantined.push_back(MakeQuarantine("atomic_src", "line:1", "garbage"));
    bad.next_cursor = "after";
    const LogCapture logs;
    const auto result = store_->Ingest(bad);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error(), CrmErrc::kFatal);
    EXPECT_TRUE(logs.Contains("23514")) << "the log names the sqlstate";
    EXPECT_FALSE(logs.Contains("0xPHI"));
    EXPECT_FALSE(logs.Contains("carrier-pigeon"));
    EXPECT_FALSE(logs.Contains("dora"));

    EXPECT_EQ(ItemCount("atomic_src"), 2) << "no item of the failed batch was stored";
    EXPECT_EQ(Count("SELECT count(*) FROM quarantine WHERE source = 'atomic_src'"), 0);
    EXPECT_EQ(Count("SELECT count(*) FROM feedback_case WHERE source = 'atomic_src'"), 0);
    const auto cursor = store_->LoadCursor("atomic_src");
    ASSERT_TRUE(cursor);
    EXPECT_EQ(cursor.value(), "before") << "the cursor did not move past items that were not stored";

    // The same store goes on working.
    bad.items[5].channel = "review";
    const auto retried = store_->Ingest(bad);
    ASSERT_TRUE(retried) << retried.error().message();
    EXPECT_EQ(retried.value().inserted, 11U);
    EXPECT_EQ(ItemCount("atomic_src"), 13);
    EXPECT_EQ(store_->LoadCursor("atomic_src").value(), "after");
}

TEST_F(CrmStoreTest, FlaggedItemsOpenACaseAndTheSameAuthorExtendsIt) {
    IngestBatch first;
    first.source = "case_src";
    first.items.push_back(MakeFlagged("case_src", "c-1", "alice", "low", -0.5));
    first.items.push_back(MakeItem("case_src", "c-2"));  // not flagged: no case
    auto outcome = store_->Ingest(first);
    ASSERT_TRUE(outcome) << outcome.error().message();
    EXPECT_EQ(outcome.value().cases_opened, 1U);
    EXPECT_EQ(outcome.value().cases_extended, 0U);

    IngestBatch second;
    second.source = "case_src";
    second.items.push_back(MakeFlagged("case_src", "c-3", "alice", "high", -0.9));
    second.items.push_back(MakeFlagged("case_src", "c-4", "bob", "low", -0.4));
    second.items.push_back(MakeFlagged("case_src", "c-5", "bob", "critical", -0.2));
    outcome = store_->Ingest(second);
    ASSERT_TRUE(outcome) << outcome.error().message();
    EXPECT_EQ(outcome.value().cases_opened, 1U) << "bob's two items share one new case";
    EXPECT_EQ(outcome.value().cases_extended, 1U) << "alice's open case is extended";

    // A lower urgency and a milder score do not lower the case's.
    IngestBatch third;
    third.source = "case_src";
    third.items.push_back(MakeFlagged("case_src", "c-6", "alice", "low", -0.1));
    outcome = store_->Ingest(third);
    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome.value().cases_extended, 1U);

    // Re-delivery of a flagged item extends nothing.
    outcome = store_->Ingest(third);
    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome.value().duplicates, 1U);
    EXPECT_EQ(outcome.value().cases_opened + outcome.value().cases_extended, 0U);

    ListFilter filter;
    filter.source = "case_src";
    const auto cases = store_->ListCases(filter);
    ASSERT_TRUE(cases) << cases.error().message();
    ASSERT_EQ(cases.value().size(), 2U);
    const CaseRow& bob = cases.value()[0];  // newest first
    const CaseRow& alice = cases.value()[1];
    EXPECT_EQ(alice.status, "open");
    EXPECT_EQ(alice.item_count, 3);
    EXPECT_EQ(alice.urgency, "high");
    EXPECT_DOUBLE_EQ(alice.min_sentiment_score, -0.9);
    EXPECT_GE(alice.updated_at, alice.opened_at);
    EXPECT_EQ(bob.item_count, 2);
    EXPECT_EQ(bob.urgency, "critical");
    EXPECT_DOUBLE_EQ(bob.min_sentiment_score, -0.4);

    EXPECT_EQ(Count("SELECT count(DISTINCT case_id) FROM item WHERE external_id IN ('c-1', 'c-3', 'c-6')"), 1);
    EXPECT_EQ(db_->QueryValue("SELECT case_id::text FROM item WHERE external_id = 'c-1'"), std::to_string(alice.id));
    EXPECT_EQ(db_->QueryValue("SELECT case_id::text FROM item WHERE external_id = 'c-5'"), std::to_string(bob.id));
    EXPECT_EQ(db_->QueryValue("SELECT case_id IS NULL FROM item WHERE external_id = 'c-2'"), "t");

    const auto items = store_->ListItems(filter);
    ASSERT_TRUE(items);
    for (const auto& row : items.value()) {
        if (row.external_id == "c-1") {
            EXPECT_EQ(row.case_id, alice.id);
        }
    }
}

TEST_F(CrmStoreTest, AClosedCaseIsNotExtended) {
    IngestBatch first;
    first.source = "closed_src";
    first.items.push_back(MakeFlagged("closed_src", "k-1", "carol", "low", -0.5));
    ASSERT_TRUE(store_->Ingest(first));
    db_->Execute("UPDATE feedback_case SET status = 'closed' WHERE source = 'closed_src'");

    IngestBatch second;
    second.source = "closed_src";
    second.items.push_back(MakeFlagged("closed_src", "k-2", "carol", "low", -0.5));
    const auto outcome = store_->Ingest(second);
    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome.value().cases_opened, 1U);
    EXPECT_EQ(Count("SELECT count(*) FROM feedback_case WHERE source = 'closed_src'"), 2);
    EXPECT_EQ(Count("SELECT count(*) FROM feedback_case WHERE source = 'closed_src' AND status = 'open'"), 1);
}

TEST_F(CrmStoreTest, AnonymousAuthorsGetSeparateCases) {
    IngestBatch batch;
    batch.source = "anon_src";
    batch.items.push_back(MakeFlagged("anon_src", "a-1", "", "critical", -0.9));
    batch.items.push_back(MakeFlagged("anon_src", "a-2", "", "low", -0.3));
    auto outcome = store_->Ingest(batch);
    ASSERT_TRUE(outcome) << outcome.error().message();
    EXPECT_EQ(outcome.value().cases_opened, 2U);
    EXPECT_EQ(outcome.value().cases_extended, 0U);

    IngestBatch later;
    later.source = "anon_src";
    later.items.push_back(MakeFlagged("anon_src", "a-3", "", "low", -0.3));
    outcome = store_->Ingest(later);
    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome.value().cases_opened, 1U);

    EXPECT_EQ(Count("SELECT count(*) FROM feedback_case WHERE source = 'anon_src'"), 3);
    EXPECT_EQ(Count("SELECT count(DISTINCT case_id) FROM item WHERE source = 'anon_src'"), 3);
    EXPECT_EQ(Count("SELECT count(*) FROM feedback_case WHERE source = 'anon_src' AND item_count = 1"), 3);
    EXPECT_EQ(db_->QueryValue("SELECT c.urgency FROM item i JOIN feedback_case c ON c.id = i.case_id "
                              "WHERE i.external_id = 'a-1'"),
              "critical");
}

TEST_F(CrmStoreTest, QuarantineIsRecordedOnceAndRawIsCapped) {
    std::string binary("\x00\xff\xfe{\"broken", 10);
    IngestBatch batch;
    batch.source = "quar_src";
    batch.quarantined.push_back(MakeQuarantine("quar_src", "dump.jsonl:10", binary));
    batch.quarantined.push_back(MakeQuarantine("quar_src", "dump.jsonl:20", std::string(100 * 1024, 'x')));
    auto outcome = store_->Ingest(batch);
    ASSERT_TRUE(outcome) << outcome.error().message();
    EXPECT_EQ(outcome.value().quarantined, 2U);

    // Re-delivery of the same bad records: counted once.
    outcome = store_->Ingest(batch);
    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome.value().quarantined, 0U);
    EXPECT_EQ(Count("SELECT count(*) FROM quarantine WHERE source = 'quar_src'"), 2);

    ListFilter filter;
    filter.source = "quar_src";
    const auto listed = store_->ListQuarantine(filter, false);
    ASSERT_TRUE(listed) << listed.error().message();
    ASSERT_EQ(listed.value().size(), 2U);
    const QuarantineRow& capped = listed.value()[0];
    const QuarantineRow& small = listed.value()[1];
    EXPECT_EQ(capped.locator, "dump.jsonl:20");
    EXPECT_EQ(capped.raw.size(), kMaxQuarantineRawBytes);
    EXPECT_TRUE(capped.raw_truncated);
    EXPECT_EQ(small.raw, binary) << "raw bytes survive exactly, NUL and non-UTF-8 included";
    EXPECT_FALSE(small.raw_truncated);
    EXPECT_EQ(small.reason, "invalid JSON at byte 17");
    EXPECT_EQ(small.attempts, 1);
    EXPECT_FALSE(small.replayed_at);
    EXPECT_LT(small.first_seen, std::chrono::system_clock::now() + std::chrono::seconds(5));

    const auto got = store_->GetQuarantine(small.id);
    ASSERT_TRUE(got) << got.error().message();
    EXPECT_EQ(got.value().raw, binary);
    EXPECT_EQ(got.value().locator, "dump.jsonl:10");

    const auto missing = store_->GetQuarantine(-1);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error(), CrmErrc::kNotFound);
}

TEST_F(CrmStoreTest, ReplayMarksTheQuarantinedRecord) {
    IngestBatch bad;
    bad.source = "replay_src";
    bad.quarantined.push_back(MakeQuarantine("replay_src", "feed:42", "{oops"));
    ASSERT_TRUE(store_->Ingest(bad));
    ListFilter filter;
    filter.source = "replay_src";
    auto pending = store_->ListQuarantine(filter, false);
    ASSERT_TRUE(pending);
    ASSERT_EQ(pending.value().size(), 1U);
    const std::int64_t id = pending.value().front().id;

    // A failed replay counts the attempt and records the new reason.
    ASSERT_TRUE(store_->RecordFailedReplay(id, "still invalid: missing id"));
    auto record = store_->GetQuarantine(id);
    ASSERT_TRUE(record);
    EXPECT_EQ(record.value().attempts, 2);
    EXPECT_EQ(record.value().reason, "still invalid: missing id");
    const auto missing = store_->RecordFailedReplay(-5, "x");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error(), CrmErrc::kNotFound);

    IngestBatch replay;
    replay.source = "replay_src";
    replay.items.push_back(MakeItem("replay_src", "fixed-42"));
    replay.replayed_quarantine_id = id;
    const auto outcome = store_->Ingest(replay);
    ASSERT_TRUE(outcome) << outcome.error().message();
    EXPECT_EQ(outcome.value().inserted, 1U);

    record = store_->GetQuarantine(id);
    ASSERT_TRUE(record);
    ASSERT_TRUE(record.value().replayed_at);
    EXPECT_EQ(db_->QueryValue("SELECT replayed_item_id = (SELECT id FROM item WHERE external_id = 'fixed-42') "
                              "FROM quarantine WHERE id = " +
                              std::to_string(id)),
              "t");
    pending = store_->ListQuarantine(filter, false);
    ASSERT_TRUE(pending);
    EXPECT_TRUE(pending.value().empty());
    const auto all = store_->ListQuarantine(filter, true);
    ASSERT_TRUE(all);
    EXPECT_EQ(all.value().size(), 1U);
}

TEST_F(CrmStoreTest, ReplayOfAnUnknownQuarantineIdStoresNothing) {
    IngestBatch replay = MakeBatch("replay_missing_src", 0, 1);
    replay.next_cursor = "c1";
    replay.replayed_quarantine_id = -42;
    const auto outcome = store_->Ingest(replay);
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error(), CrmErrc::kNotFound);
    EXPECT_EQ(ItemCount("replay_missing_src"), 0);
    EXPECT_FALSE(store_->LoadCursor("replay_missing_src").value());
}

TEST_F(CrmStoreTest, AKilledConnectionIsRetriedThenReconnected) {
    const std::string app = "crm_kill_test";
    auto opened = Store::Open(db_->Conninfo() + " application_name=" + app);
    ASSERT_TRUE(opened);
    Store& store = *opened.value();
    ASSERT_TRUE(store.Ingest(MakeBatch("kill_src", 0, 10)));
    ASSERT_TRUE(store.Ping());

    // Terminate the store's backend and wait (up to 5 s) until it is gone.
    EXPECT_EQ(db_->QueryValue("SELECT bool_and(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                              "WHERE application_name = '" +
                              app + "'"),
              "t");

    const auto during = store.Ingest(MakeBatch("kill_src", 10, 10));
    if (!during) {
        EXPECT_EQ(during.error(), CrmErrc::kRetry) << during.error().message();
    }
    // Whatever the first call saw, the next ones reconnect and succeed; a retried batch is a no-op for the
    // items the first attempt may have stored.
    const auto retried = store.Ingest(MakeBatch("kill_src", 10, 10));
    ASSERT_TRUE(retried) << retried.error().message();
    const auto later = store.Ingest(MakeBatch("kill_src", 20, 10));
    ASSERT_TRUE(later) << later.error().message();
    EXPECT_EQ(later.value().inserted, 10U);
    EXPECT_EQ(ItemCount("kill_src"), 30);
    EXPECT_TRUE(store.Ping());

    // Reads recover the same way.
    EXPECT_EQ(db_->QueryValue("SELECT bool_and(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                              "WHERE application_name = '" +
                              app + "'"),
              "t");
    const auto read = store.LoadCursor("kill_src");
    if (!read) {
        EXPECT_EQ(read.error(), CrmErrc::kRetry);
    }
    EXPECT_TRUE(store.LoadCursor("kill_src"));
}

TEST_F(CrmStoreTest, OpeningAnUnreachableServerIsConnectionRefused) {
    const auto opened = Store::Open("host=/nonexistent/carelisten port=5432 dbname=postgres");
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error(), CrmErrc::kConnectionRefused);
}

TEST_F(CrmStoreTest, PingIsFalseAndCallsAskForARetryWhileTheDatabaseIsGone) {
    auto doomed = std::make_unique<test::TestDatabase>(*test::PgTestDsn());
    ASSERT_TRUE(ApplyMigrations(doomed->Conninfo(), {}));
    auto opened = Store::Open(doomed->Conninfo());
    ASSERT_TRUE(opened);
    Store& store = *opened.value();
    ASSERT_TRUE(store.Ping());

    doomed.reset();  // DROP DATABASE ... WITH (FORCE) terminates the store's connection
    EXPECT_FALSE(store.Ping());
    const auto ingest = store.Ingest(MakeBatch("gone_src", 0, 1));
    ASSERT_FALSE(ingest);
    EXPECT_EQ(ingest.error(), CrmErrc::kRetry) << "reconnecting failed, which may be temporary";
    EXPECT_FALSE(store.Ping());
}

TEST_F(CrmStoreTest, APasswordIsPassedWithoutBreakingTheConnectionString) {
    // The test cluster trusts local connections and ignores the password; what matters is that quotes and
    // backslashes in it do not corrupt the connection string, and that it never reaches the log.
    const LogCapture logs;
    auto opened = Store::Open(db_->Conninfo(), "p'a ss\\w=rd");
    ASSERT_TRUE(opened) << opened.error().message();
    EXPECT_TRUE(opened.value()->Ping());
    auto uri = Store::Open(
        "postgresql:///" + db_->Name() + "?host=" + db_->QueryValue("SHOW unix_socket_directories").value_or(""),
        "p@ss/w?rd&x=1");
    ASSERT_TRUE(uri) << uri.error().message();
    EXPECT_TRUE(uri.value()->Ping());
    EXPECT_FALSE(logs.Contains("ss\\w=rd"));
}

}  // namespace
}  // namespace carelisten::crm
