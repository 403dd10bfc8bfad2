// The analyzer's database side against a real PostgreSQL: near-duplicates across channels link to the first
// copy instead of opening more cases, `reanalyze` rewrites analyses without touching any case decision, and the
// ingest loop's BatchProcessor stores a big batch while it is still analyzing it, exactly as if it had analyzed
// it first. Items go through the real analyzer and the daemon's mapping, as the ingest loop does.
#include <gtest/gtest.h>

#include <chrono>
#include <connectors/raw_item.hpp>
#include <crm/migrator.hpp>
#include <crm/store.hpp>
#include <daemon/ingest.hpp>
#include <daemon/mapping.hpp>
#include <daemon/reanalyze.hpp>
#include <memory>
#include <nlp/analyzer.hpp>
#include <string>

#include "pg/pg_test_database.hpp"

namespace carelisten {
namespace {

const daemon::FlagPolicy kPolicy{.negative_below = -0.3, .min_urgency = nlp::Urgency::kHigh};

// Negative and a media threat: flagged, so the first copy opens a case.
constexpr const char* kComplaint =
    "Waited six hours in A&E with my elderly father, nobody told us anything and the toilets were filthy. "
    "Absolutely disgusting and appalling, worst hospital ever, I will be complaining to the newspaper";

class AnalyzerPgTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto created = nlp::Analyzer::Create();
        ASSERT_TRUE(created) << created.error().message();
        analyzer_ = new nlp::Analyzer(std::move(created).value());
        const auto dsn = test::PgTestDsn();
        if (!dsn) {
            return;
        }
        db_ = new test::TestDatabase(*dsn);
        migrated_ = static_cast<bool>(crm::ApplyMigrations(db_->Conninfo(), {}));
    }

    static void TearDownTestSuite() {
        delete db_;
        db_ = nullptr;
        delete analyzer_;
        analyzer_ = nullptr;
    }

    void SetUp() override {
        if (db_ == nullptr) {
            GTEST_SKIP() << test::kPgSkipMessage;
        }
        ASSERT_TRUE(migrated_) << "the migrations did not apply";
        auto opened = crm::Store::Open(db_->Conninfo());
        ASSERT_TRUE(opened) << opened.error().message();
        store_ = std::move(opened.value());
    }

    /// Analyzes and stores one item, as the ingest loop does; returns the ingest outcome.
    crm::IngestOutcome Ingest(const std::string& source, const std::string& external_id, const std::string& author,
                              const std::string& channel, const std::string& text) {
        connectors::RawItem item;
        item.source = source;
        item.external_id = external_id;
        item.author = author;
        item.channel = channel;
        item.text = text;
        const nlp::Analysis analysis = analyzer_->Analyze(daemon::ToAnalysisInput(item));
        crm::IngestBatch batch;
        batch.source = source;
        batch.items.push_back(daemon::ToNewItem(std::move(item), analysis, kPolicy));
        auto outcome = store_->Ingest(batch);
        EXPECT_TRUE(outcome) << outcome.error().message();
        return outcome ? outcome.value() : crm::IngestOutcome{};
    }

    long long Int(const std::string& sql) const { return db_->QueryInt(sql); }
    std::string Text(const std::string& sql) const { return db_->QueryValue(sql).value_or("NULL"); }
    std::string ItemId(const std::string& source, const std::string& external_id) const {
        return Text("SELECT id FROM item WHERE source = '" + source + "' AND external_id = '" + external_id + "'");
    }

    static nlp::Analyzer* analyzer_;
    static test::TestDatabase* db_;
    static bool migrated_;
    std::unique_ptr<crm::Store> store_;
};

nlp::Analyzer* AnalyzerPgTest::analyzer_ = nullptr;
test::TestDatabase* AnalyzerPgTest::db_ = nullptr;
bool AnalyzerPgTest::migrated_ = false;

TEST_F(AnalyzerPgTest, SameComplaintOnThreeNetworksOpensOneCaseAndLinksTwoCopies) {
    const crm::IngestOutcome first = Ingest("nd_twitter", "t1", "son_of_patient", "social", kComplaint);
    EXPECT_EQ(first.cases_opened, 1U);
    EXPECT_EQ(first.near_duplicates, 0U);
    // The same text pasted on two other networks by other accounts, a little reworded around the edges.
    const crm::IngestOutcome second =
        Ingest("nd_facebook", "f1", "J. Smith", "social", std::string(kComplaint) + " @StElsewhereNHS");
    const crm::IngestOutcome third =
        Ingest("nd_forum", "p1", "jsmith77", "forum", std::string(kComplaint) + " https://example.org/thread/9");
    EXPECT_EQ(second.near_duplicates, 1U);
    EXPECT_EQ(third.near_duplicates, 1U);
    EXPECT_EQ(second.cases_opened + second.cases_extended + third.cases_opened + third.cases_extended, 0U);

    EXPECT_EQ(Int("SELECT count(*) FROM feedback_case WHERE source LIKE 'nd\\_%'"), 1);
    const std::string first_id = ItemId("nd_twitter", "t1");
    EXPECT_EQ(Text("SELECT duplicate_of FROM item WHERE source = 'nd_facebook'"), first_id);
    EXPECT_EQ(Text("SELECT duplicate_of FROM item WHERE source = 'nd_forum'"), first_id);
    EXPECT_EQ(Text("SELECT duplicate_of FROM item WHERE source = 'nd_twitter'"), "NULL");
    EXPECT_EQ(Int("SELECT count(*) FROM item WHERE duplicate_of = " + first_id +
                  " AND is_noise AND 'near_duplicate' = ANY (noise_reasons) AND case_id IS NULL"),
              2);
    // The first copy is untouched: not noise, in its case.
    EXPECT_EQ(Int("SELECT count(*) FROM item WHERE id = " + first_id + " AND NOT is_noise AND case_id IS NOT NULL"), 1);
}

TEST_F(AnalyzerPgTest, RetweetLinksToTheOriginal) {
    const std::string original =
        "The night staff on ward 12 ignored my mother's call bell for forty minutes and she wet the bed, "
        "this is neglect";
    Ingest("rt_twitter", "o1", "daughter", "social", original);
    const crm::IngestOutcome retweet =
        Ingest("rt_twitter", "o2", "someone_else", "social", "RT @daughter: " + original);
    EXPECT_EQ(retweet.near_duplicates, 1U);
    EXPECT_EQ(Text("SELECT duplicate_of FROM item WHERE external_id = 'o2' AND source = 'rt_twitter'"),
              ItemId("rt_twitter", "o1"));
    EXPECT_EQ(Int("SELECT count(*) FROM feedback_case WHERE source = 'rt_twitter'"), 1);
}

TEST_F(AnalyzerPgTest, BurstOfRepostsInOneBatchAllLinkToTheFirstCopy) {
    const std::string text =
        "Maternity ward at St Elsewhere left a mother bleeding for an hour without a midwife, share this";
    crm::IngestBatch batch;
    batch.source = "burst";
    for (int i = 0; i < 40; ++i) {
        connectors::RawItem item;
        item.source = "burst";
        item.external_id = "b" + std::to_string(i);
        item.author = "account" + std::to_string(i);
        item.channel = "social";
        item.text = (i == 0 ? std::string{} : "RT @account" + std::to_string(i - 1) + ": ") + text;
        const nlp::Analysis analysis = analyzer_->Analyze(daemon::ToAnalysisInput(item));
        batch.items.push_back(daemon::ToNewItem(std::move(item), analysis, kPolicy));
    }
    auto outcome = store_->Ingest(batch);
    ASSERT_TRUE(outcome) << outcome.error().message();
    EXPECT_EQ(outcome.value().near_duplicates, 39U);
    EXPECT_EQ(outcome.value().cases_opened, 1U);
    const std::string first_id = ItemId("burst", "b0");
    EXPECT_EQ(Int("SELECT count(*) FROM item WHERE source = 'burst' AND duplicate_of = " + first_id), 39);
}

// A batch as a connector fetches it: `count` (at most 64) distinct comments, every seventh a repost of the first,
// for BatchProcessor to analyze on two threads while the transaction runs (the batch is at least twice
// kMinItemsPerAnalysisThread).
connectors::Batch CommentBatch(const std::string& source, int count) {
    const std::string reposted =
        "The surgical ward left my grandmother without water for a whole afternoon and nobody answered the bell";
    const char* const kOpenings[] = {
        "The nurses on the night shift were kind and patient",
        "Waited four hours for a prescription at the pharmacy",
        "Parking is impossible after nine in the morning",
        "Brilliant physiotherapy team in the outpatient gym",
        "Nobody told us when the scan results would come",
        "The food was cold every single evening on ward six",
        "Reception lost my referral letter from the GP twice",
        "My daughter was born here and the midwives were wonderful",
    };
    const char* const kEndings[] = {
        "and the consultant explained every step to my husband.",
        "so I missed my bus home and had to pay for a taxi.",
        "which made a frightening week much easier for all of us.",
        "even though the booking system said everything was fine.",
        "and I would like somebody to call me back about it.",
        "but the cleaners kept the bathroom spotless all week.",
        "and the discharge paperwork took another whole day.",
        "thank you to everyone on the children's ward.",
    };
    connectors::Batch batch;
    for (int i = 0; i < count; ++i) {
        connectors::RawItem item;
        item.source = source;
        item.external_id = "p" + std::to_string(i);
        item.author = "writer" + std::to_string(i);
        item.channel = "social";
        item.text = i % 7 == 0 ? (i == 0 ? reposted : "RT @writer0: " + reposted)
                               : std::string(kOpenings[i % 8]) + ", " + kEndings[(i / 8 + i) % 8];
        batch.items.push_back(std::move(item));
    }
    batch.next_cursor = source + "-cursor-" + std::to_string(count);
    return batch;
}

TEST_F(AnalyzerPgTest, BigBatchStoredWhileAnalyzedHoldsTheSameAnalysesAsAnalyzedFirst) {
    constexpr int kItems = 2 * static_cast<int>(daemon::BatchProcessor::kMinItemsPerAnalysisThread);
    daemon::BatchProcessor processor(*analyzer_, nullptr, 2);
    connectors::Batch batch = CommentBatch("pipelined", kItems);
    const connectors::Batch copy = batch;
    const auto outcome = processor.Store(*store_, "pipelined", batch, kPolicy);
    ASSERT_TRUE(outcome) << outcome.error().message();
    EXPECT_EQ(outcome.value().inserted, static_cast<std::size_t>(kItems));
    EXPECT_EQ(outcome.value().duplicates, 0U);
    const std::size_t reposts = (kItems + 6) / 7 - 1;
    EXPECT_EQ(outcome.value().near_duplicates, reposts);
    EXPECT_EQ(Text("SELECT cursor FROM source_cursor WHERE source = 'pipelined'"),
              "pipelined-cursor-" + std::to_string(kItems));

    // Every stored row holds exactly what the analysis of its own text says (no row got another's analysis
    // or a half-written one).
    const std::string first_id = ItemId("pipelined", "p0");
    for (const connectors::RawItem& item : copy.items) {
        const nlp::Analysis analysis = analyzer_->Analyze(daemon::ToAnalysisInput(item));
        const crm::NewItem expected = daemon::ToNewItem(item, analysis, kPolicy);
        const std::string where = " FROM item WHERE source = 'pipelined' AND external_id = '" + item.external_id + "'";
        EXPECT_EQ(Text("SELECT text" + where), expected.text);
        EXPECT_EQ(Text("SELECT author" + where), expected.author);
        EXPECT_EQ(Text("SELECT sentiment_label" + where), expected.sentiment_label) << item.external_id;
        EXPECT_EQ(Text("SELECT round(sentiment_score::numeric, 6)::text" + where),
                  Text("SELECT round(" + std::to_string(expected.sentiment_score) + "::numeric, 6)::text"));
        EXPECT_EQ(Text("SELECT urgency" + where), expected.urgency) << item.external_id;
        EXPECT_EQ(Text("SELECT analyzer_version" + where), expected.analyzer_version);
        EXPECT_EQ(Text("SELECT array_to_string(categories, ',')" + where), [&] {
            std::string joined;
            for (const auto& category : expected.categories) {
                joined += (joined.empty() ? "" : ",") + category;
            }
            return joined;
        }()) << item.external_id;
        const bool repost = item.external_id != "p0" && item.text.find("RT @writer0") == 0;
        EXPECT_EQ(Text("SELECT coalesce(duplicate_of::text, 'NULL')" + where), repost ? first_id : "NULL")
            << item.external_id;
    }

    // Delivered again whole: nothing new (the analyses not needed any more are abandoned), the cursor unchanged.
    connectors::Batch again = copy;
    const auto redelivered = processor.Store(*store_, "pipelined", again, kPolicy);
    ASSERT_TRUE(redelivered) << redelivered.error().message();
    EXPECT_EQ(redelivered.value().inserted, 0U);
    EXPECT_EQ(redelivered.value().duplicates, static_cast<std::size_t>(kItems));
    EXPECT_EQ(Int("SELECT count(*) FROM item WHERE source = 'pipelined'"), kItems);
}

TEST_F(AnalyzerPgTest, BigBatchWithOneItemTheDatabaseRefusesStoresTheRestAndQuarantinesIt) {
    constexpr int kItems = 2 * static_cast<int>(daemon::BatchProcessor::kMinItemsPerAnalysisThread);
    daemon::BatchProcessor processor(*analyzer_, nullptr, 2);
    connectors::Batch batch = CommentBatch("refused", kItems);
    batch.items[kItems / 2].channel = "carrier_pigeon";  // passes ValidateRawItem, fails the item.channel CHECK
    const auto outcome = processor.Store(*store_, "refused", batch, kPolicy);
    ASSERT_TRUE(outcome) << outcome.error().message();
    EXPECT_EQ(outcome.value().inserted, static_cast<std::size_t>(kItems - 1));
    EXPECT_EQ(outcome.value().quarantined, 1U);
    EXPECT_EQ(Int("SELECT count(*) FROM item WHERE source = 'refused'"), kItems - 1);
    EXPECT_EQ(Int("SELECT count(*) FROM quarantine WHERE source = 'refused' AND locator = 'item:p" +
                  std::to_string(kItems / 2) + "'"),
              1);
    // The rows stored one by one were analyzed in full too: each has its analysis and its sentiment.
    EXPECT_EQ(Int("SELECT count(*) FROM item WHERE source = 'refused' AND analyzer_version = '" +
                  std::string(analyzer_->Version()) + "' AND sentiment_scored"),
              kItems - 1);
    EXPECT_EQ(Text("SELECT cursor FROM source_cursor WHERE source = 'refused'"),
              "refused-cursor-" + std::to_string(kItems));
}

TEST_F(AnalyzerPgTest, ShortCommonAnswersAndDifferentTextsAreNotLinked) {
    Ingest("short_a", "s1", "a", "survey", "Nothing.");
    Ingest("short_b", "s2", "b", "survey", "Nothing.");
    EXPECT_EQ(Text("SELECT similarity_hash FROM item WHERE source = 'short_b'"), "NULL");
    EXPECT_EQ(Text("SELECT duplicate_of FROM item WHERE source = 'short_b'"), "NULL");
    Ingest("diff_a", "d1", "a", "social",
           "Parking at the north entrance costs far too much and the machines only take coins, please fix it");
    const crm::IngestOutcome other =
        Ingest("diff_b", "d2", "b", "social",
               "The physiotherapist explained every exercise clearly and my knee is so much better, thank you all");
    EXPECT_EQ(other.near_duplicates, 0U);
}

TEST_F(AnalyzerPgTest, CopiesOlderThanTheWindowAreNotLinked) {
    const std::string text =
        "Discharge took the whole day, the pharmacy lost my prescription twice and nobody apologised at all";
    Ingest("old_a", "x1", "a", "social", text);
    db_->Execute("UPDATE item SET received_at = now() - interval '8 days' WHERE source = 'old_a'");
    const crm::IngestOutcome copy = Ingest("old_b", "x2", "b", "social", text);
    EXPECT_EQ(copy.near_duplicates, 0U);
}

TEST_F(AnalyzerPgTest, ReanalyzeUpdatesAnalysesAndNeverTouchesCases) {
    // A negative complaint stored by an old analyzer that called it positive (so no case), a flagged item in a
    // case that staff closed, an auto-reply, and an item received before the date.
    db_->Execute(R"sql(
INSERT INTO feedback_case (id, source, author, status, urgency, min_sentiment_score, item_count)
VALUES (900001, 're_src', 'pat', 'closed', 'high', -0.9, 1);
INSERT INTO item (source, external_id, channel, author, text, language, sentiment_label, sentiment_score,
                  sentiment_scored, is_noise, noise_reasons, urgency, analyzer_version, case_id, question)
VALUES
 ('re_src', 'r1', 'survey', 'x', 'The consultant was rude and dismissive and the wait was disgraceful', 'en',
  'positive', 0.5, true, false, '{}', 'none', 'nlp-old', NULL, 'What could we do better?'),
 ('re_src', 'r2', 'social', 'pat', 'Lovely staff, thank you so much for looking after my mum', 'en',
  'negative', -0.9, true, false, '{}', 'high', 'nlp-old', 900001, ''),
 ('re_src', 'r3', 'email', 'y', 'I am out of the office until Monday', 'en',
  'neutral', 0.0, true, true, '{auto_reply}', 'none', 'nlp-old', NULL, ''),
 ('re_src', 'r4', 'sms', 'z', 'Terrible, awful, the worst care ever', 'en',
  'positive', 0.9, true, false, '{}', 'none', 'nlp-old', NULL, '');
UPDATE item SET received_at = '2020-01-01T00:00:00Z' WHERE source = 're_src' AND external_id = 'r4';
)sql");
    const long long cases_before = Int("SELECT count(*) FROM feedback_case");
    const std::string case_before = Text(
        "SELECT row(status, urgency, min_sentiment_score, item_count, updated_at)::text FROM feedback_case "
        "WHERE id = 900001");

    const auto since = daemon::ParseSinceDate("2021-01-01");
    ASSERT_TRUE(since);
    const auto report = daemon::Reanalyze(*store_, *analyzer_, kPolicy, {.since = *since, .batch_size = 2});
    ASSERT_TRUE(report) << report.error().message();

    const std::string current(analyzer_->Version());
    EXPECT_EQ(Int("SELECT count(*) FROM item WHERE source = 're_src' AND analyzer_version = '" + current + "'"), 3);
    EXPECT_EQ(Text("SELECT analyzer_version FROM item WHERE external_id = 'r4' AND source = 're_src'"), "nlp-old");
    EXPECT_GE(report.value().examined, 3U);
    EXPECT_EQ(report.value().updated, report.value().examined);
    EXPECT_GE(report.value().batches, 2U);

    // r1 is negative now: counted as would-be-flagged, but no case was opened for it.
    EXPECT_EQ(Text("SELECT sentiment_label FROM item WHERE external_id = 'r1' AND source = 're_src'"), "negative");
    EXPECT_EQ(Text("SELECT case_id FROM item WHERE external_id = 'r1' AND source = 're_src'"), "NULL");
    EXPECT_GE(report.value().would_flag_without_case, 1U);
    // r2 is praise now, but stays in the closed case, which is exactly as staff left it.
    EXPECT_EQ(Text("SELECT sentiment_label FROM item WHERE external_id = 'r2' AND source = 're_src'"), "positive");
    EXPECT_EQ(Text("SELECT case_id FROM item WHERE external_id = 'r2' AND source = 're_src'"), "900001");
    EXPECT_GE(report.value().in_case_no_longer_flagged, 1U);
    EXPECT_EQ(Int("SELECT count(*) FROM feedback_case"), cases_before);
    EXPECT_EQ(Text("SELECT row(status, urgency, min_sentiment_score, item_count, updated_at)::text FROM "
                   "feedback_case WHERE id = 900001"),
              case_before);
    // The auto-reply's reason came from mail headers, which are not stored: it is kept.
    EXPECT_EQ(Int("SELECT count(*) FROM item WHERE external_id = 'r3' AND source = 're_src' AND is_noise "
                  "AND 'auto_reply' = ANY (noise_reasons)"),
              1);

    // Running it again changes nothing more.
    const auto again = daemon::Reanalyze(*store_, *analyzer_, kPolicy, {.since = *since, .batch_size = 500});
    ASSERT_TRUE(again);
    EXPECT_EQ(again.value().version_changed, 0U);
}

TEST(ParseSinceDate, AcceptsDatesAndUtcTimesOnly) {
    using namespace std::chrono;
    EXPECT_EQ(daemon::ParseSinceDate("2026-11-02"), sys_days{year{2026} / 11 / 2});
    EXPECT_EQ(daemon::ParseSinceDate("2026-11-02T10:30:05Z"),
              sys_days{year{2026} / 11 / 2} + hours{10} + minutes{30} + seconds{5});
    EXPECT_FALSE(daemon::ParseSinceDate("2026-02-30"));
    EXPECT_FALSE(daemon::ParseSinceDate("02/11/2026"));
    EXPECT_FALSE(daemon::ParseSinceDate("2026-11-02T25:00:00Z"));
    EXPECT_FALSE(daemon::ParseSinceDate("yesterday"));
}

}  // namespace
}  // namespace carelisten
