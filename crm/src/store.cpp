#include <algorithm>
#include <bit>
#include <chrono>
#include <common/log.hpp>
#include <crm/errc.hpp>
#include <crm/store.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <pqxx/pqxx>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "connection.hpp"
#include "convert.hpp"
#include "db_error.hpp"
#include "store_impl.hpp"

namespace carelisten::crm {
namespace {

// Ingest stages a batch with COPY, completes every staged row there (near-duplicate link, case, patient link), and
// only then moves it into item with one INSERT ... SELECT: each item is written once, never inserted and then
// updated (an UPDATE of item is a new row version with an entry in each of item's indexes; updating the linked,
// flagged and patient-linked items after their insert cost as much as the insert itself).
// The table is the session's (created by the first batch on a connection, again after a rollback of that one):
// ON COMMIT DELETE ROWS empties it at every commit and a rollback discards the rows too, so a batch never sees
// another batch's rows, and the statements that read it keep their plans instead of being planned again for a
// new table every batch (creating it per batch was a tenth of the flow's database time). `ord` keeps the
// batch order; `item_id` is drawn before staging, in that order.
constexpr const char* kCreateStageSql = R"sql(
CREATE TEMP TABLE IF NOT EXISTS ingest_stage (
    ord bigint NOT NULL,
    source text NOT NULL,
    external_id text NOT NULL,
    channel text NOT NULL,
    author text NOT NULL,
    text text NOT NULL,
    url text NOT NULL,
    posted_at_us bigint,
    language text NOT NULL,
    sentiment_label text NOT NULL,
    sentiment_score double precision NOT NULL,
    sentiment_scored boolean NOT NULL,
    is_noise boolean NOT NULL,
    noise_reasons text[] NOT NULL,
    categories text[] NOT NULL,
    urgency text NOT NULL,
    red_flags text[] NOT NULL,
    analyzer_version text NOT NULL,
    flagged boolean NOT NULL,
    thread_id text NOT NULL,
    reply_to text NOT NULL,
    item_version text NOT NULL,
    rating smallint,
    community text NOT NULL,
    similarity_hash bigint,
    question text NOT NULL,
    care_unit text NOT NULL,
    item_id bigint NOT NULL,
    duplicate_of bigint,
    case_id bigint,
    patient_id bigint,
    patient_match text NOT NULL DEFAULT ''
) ON COMMIT DELETE ROWS)sql";

const std::vector<std::string> kStageColumns{
    "ord",          "source",   "external_id",     "channel",          "author",           "text",      "url",
    "posted_at_us", "language", "sentiment_label", "sentiment_score",  "sentiment_scored", "is_noise",  "noise_reasons",
    "categories",   "urgency",  "red_flags",       "analyzer_version", "flagged",          "thread_id", "reply_to",
    "item_version", "rating",   "community",       "similarity_hash",  "question",         "care_unit", "item_id",
    "duplicate_of"};

struct Statement {
    const char* name;
    const char* sql;
};

// Every statement is prepared per connection (libpqxx registers it with the server on first use, so the ingest
// statements that refer to the session's staging table are registered after it exists).
constexpr Statement kStatements[] = {
    // For each of the batch's (source, external_id, item_version) keys (1-based position in the arrays): whether it
    // is stored already (re-delivery is a no-op, so those are not staged at all), else a new item id, drawn here
    // so that each staging row knows its item's id without a join back from the insert.
    {"crm_check_keys_draw_ids", R"sql(
WITH sequence AS MATERIALIZED (SELECT pg_get_serial_sequence('item', 'id')::regclass AS name)
SELECT k.ord, CASE WHEN s.stored THEN NULL ELSE nextval(sequence.name) END AS id
FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k(source, external_id, item_version, ord)
CROSS JOIN sequence
CROSS JOIN LATERAL (
    SELECT EXISTS (SELECT 1 FROM item AS i
                   WHERE i.source = k.source AND i.external_id = k.external_id
                     AND i.item_version = k.item_version) AS stored) AS s)sql"},
    // Moves the completed staged batch into item with the drawn ids. ON CONFLICT skips a row that a concurrent
    // transaction (another replica) stored after the check above; the caller sees fewer rows inserted than staged
    // and runs the batch again, so no case or link is counted for an item this batch did not store.
    {"crm_ingest_items", R"sql(
INSERT INTO item (id, source, external_id, channel, author, text, url, posted_at, language, sentiment_label,
                  sentiment_score, sentiment_scored, is_noise, noise_reasons, categories, urgency, red_flags,
                  analyzer_version, thread_id, reply_to, item_version, rating, community, similarity_hash,
                  question, care_unit, duplicate_of, case_id, patient_id, patient_match)
SELECT item_id, source, external_id, channel, author, text, url,
       'epoch'::timestamptz + posted_at_us * interval '1 microsecond',
       language, sentiment_label, sentiment_score, sentiment_scored, is_noise, noise_reasons, categories,
       urgency, red_flags, analyzer_version, thread_id, reply_to, item_version, rating, community,
       similarity_hash, question, care_unit, duplicate_of, case_id, patient_id, patient_match
FROM ingest_stage
ORDER BY ord
ON CONFLICT (source, external_id, item_version) DO NOTHING)sql"},

    // Opens or extends cases for the batch's flagged items (before they are inserted), in one statement:
    //  - named authors: one upsert per (source, author) on the partial unique index of open cases, so a
    //    concurrent ingest for the same author extends rather than duplicates; grouping first because one
    //    statement may not update the same case twice, and in key order so two batches lock cases in the
    //    same order instead of deadlocking. xmax = 0 on the returned row means it was inserted.
    //  - anonymous authors (''): a new case per item, its id drawn up front so the item can point at it.
    //  - every such staged item gets its case_id.
    {"crm_ingest_cases", R"sql(
WITH flagged AS MATERIALIZED (
    SELECT item_id, source, author, urgency, sentiment_score
    FROM ingest_stage
    WHERE flagged
), by_author AS (
    SELECT source, author, (ARRAY['none', 'low', 'high', 'critical'])[max(urgency_rank(urgency))] AS urgency,
           min(sentiment_score) AS min_score, count(*) AS items
    FROM flagged
    WHERE author <> ''
    GROUP BY source, author
), named AS (
    INSERT INTO feedback_case AS c (source, author, status, urgency, min_sentiment_score, item_count)
    SELECT source, author, 'open', urgency, min_score, items FROM by_author ORDER BY source, author
    ON CONFLICT (source, author) WHERE status = 'open' AND author <> ''
    DO UPDATE SET urgency = CASE WHEN urgency_rank(EXCLUDED.urgency) > urgency_rank(c.urgency)
                                 THEN EXCLUDED.urgency ELSE c.urgency END,
                  min_sentiment_score = least(c.min_sentiment_score, EXCLUDED.min_sentiment_score),
                  item_count = c.item_count + EXCLUDED.item_count,
                  updated_at = now()
    RETURNING c.id, c.source, c.author, (c.xmax = 0) AS opened
), anonymous AS MATERIALIZED (
    SELECT item_id, nextval(pg_get_serial_sequence('feedback_case', 'id')) AS case_id, source, urgency,
           sentiment_score
    FROM flagged
    WHERE author = ''
), anonymous_cases AS (
    INSERT INTO feedback_case (id, source, author, status, urgency, min_sentiment_score, item_count)
    SELECT case_id, source, '', 'open', urgency, sentiment_score, 1 FROM anonymous
), linked AS (
    UPDATE ingest_stage AS s SET case_id = m.case_id
    FROM (SELECT f.item_id, n.id AS case_id FROM flagged AS f JOIN named AS n USING (source, author)
          UNION ALL
          SELECT item_id, case_id FROM anonymous) AS m
    WHERE s.item_id = m.item_id
)
SELECT (SELECT count(*) FROM named WHERE opened) + (SELECT count(*) FROM anonymous) AS opened,
       (SELECT count(*) FROM named WHERE NOT opened) AS extended)sql"},

    // A re-delivered bad record (same source and locator) is recorded once.
    {"crm_quarantine_insert", R"sql(
INSERT INTO quarantine (source, locator, reason, raw, raw_truncated) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (source, locator) DO NOTHING)sql"},

    {"crm_cursor_upsert", R"sql(
INSERT INTO source_cursor (source, cursor, updated_at) VALUES ($1, $2, now())
ON CONFLICT (source) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = EXCLUDED.updated_at)sql"},

    // $2/$3 name the item the replay produced (the batch's first); NULL when it produced none.
    {"crm_quarantine_replayed", R"sql(
UPDATE quarantine
SET replayed_at = now(),
    replayed_item_id = (SELECT max(id) FROM item WHERE source = $2 AND external_id = $3)
WHERE id = $1)sql"},

    {"crm_load_cursor", "SELECT cursor FROM source_cursor WHERE source = $1"},

    // V009 source leases. The holder keeps its token while its lease is live; a new holder (or the same one after
    // its lease lapsed) gets the next token. The WHERE leaves a live lease of another holder untouched (no row).
    {"crm_lease_acquire", R"sql(
INSERT INTO source_lease AS l (source, holder, fencing_token, acquired_at, heartbeat_at, expires_at)
VALUES ($1, $2, 1, now(), now(), now() + $3 * interval '1 second')
ON CONFLICT (source) DO UPDATE SET
    fencing_token = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > now() THEN l.fencing_token
                         ELSE l.fencing_token + 1 END,
    acquired_at = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > now() THEN l.acquired_at ELSE now() END,
    holder = EXCLUDED.holder,
    heartbeat_at = now(),
    expires_at = EXCLUDED.expires_at
WHERE l.holder = EXCLUDED.holder OR l.expires_at <= now()
RETURNING fencing_token)sql"},
    // The fence of a batch: inside its transaction, under the lease row's lock (so no other replica can take the
    // lease until this transaction ends), and renewing it.
    {"crm_lease_fence", R"sql(
UPDATE source_lease SET heartbeat_at = clock_timestamp(), expires_at = clock_timestamp() + $4 * interval '1 second'
WHERE source = $1 AND holder = $2 AND fencing_token = $3 AND expires_at > clock_timestamp()
RETURNING fencing_token)sql"},
    {"crm_lease_release", "UPDATE source_lease SET expires_at = now() WHERE holder = $1 AND expires_at > now()"},
    {"crm_lease_list", R"sql(
SELECT source, holder, fencing_token, (extract(epoch FROM expires_at) * 1000000)::bigint FROM source_lease
ORDER BY source)sql"},

    // V004: patient links of the staged items (sms authors are E.164, e-mail authors compared lower-case).
    {"crm_ingest_patient_links", R"sql(
WITH matches AS (
    SELECT s.item_id, count(DISTINCT c.patient_id) AS patients, min(c.patient_id) AS patient_id
    FROM ingest_stage AS s
    LEFT JOIN patient_contact AS c
        ON c.kind = CASE s.channel WHEN 'sms' THEN 'phone' WHEN 'forum' THEN 'forum' ELSE 'email' END
       AND c.value = CASE s.channel WHEN 'sms' THEN s.author
                                    WHEN 'forum' THEN s.source || '/' || lower(s.author)
                                    ELSE lower(s.author) END
    WHERE s.channel IN ('sms', 'email', 'forum') AND s.author <> ''
    GROUP BY s.item_id
), updated AS (
    UPDATE ingest_stage AS s
    SET patient_id = CASE WHEN m.patients = 1 THEN m.patient_id END,
        patient_match = CASE m.patients WHEN 0 THEN 'none' WHEN 1 THEN 'matched' ELSE 'ambiguous' END
    FROM matches AS m
    WHERE s.item_id = m.item_id
    RETURNING s.patient_match
)
SELECT count(*) FILTER (WHERE patient_match = 'matched') FROM updated)sql"},
    {"crm_ingest_consent_items", R"sql(
SELECT s.item_id, s.author, 'opt_out' = ANY (s.noise_reasons) AS opted_out
FROM ingest_stage AS s
WHERE s.channel = 'sms' AND s.author <> ''
  AND s.noise_reasons && ARRAY['opt_out', 'opt_in']
ORDER BY s.ord)sql"},
    {"crm_consent_upsert", R"sql(
WITH event AS (
    INSERT INTO consent_event (contact, channel, purpose, state, reason, item_id)
    VALUES ($1, $2, $3, $4, $5, $6)
)
INSERT INTO consent (contact, channel, purpose, state, patient_id, updated_at)
VALUES ($1, $2, $3, $4,
        (SELECT CASE WHEN count(DISTINCT patient_id) = 1 THEN min(patient_id) END
         FROM patient_contact WHERE kind = CASE $2 WHEN 'sms' THEN 'phone' ELSE 'email' END AND value = $1),
        now())
ON CONFLICT (contact, channel, purpose) DO UPDATE SET state = excluded.state, updated_at = now())sql"},
    // Consent is the patient's, per channel and purpose: a STOP from one of a patient's numbers stops every number
    // the hospital holds for that patient (and a number no patient owns is judged alone). A later START from the
    // number that said STOP lifts it.
    {"crm_may_send", R"sql(
SELECT NOT EXISTS (
    SELECT 1 FROM consent
    WHERE channel = $2 AND purpose IN ($3, 'all') AND state = 'opted_out'
      AND (contact = $1 OR contact IN (
          SELECT other.value FROM patient_contact AS mine
          JOIN patient_contact AS other ON other.patient_id = mine.patient_id AND other.kind = mine.kind
          WHERE mine.value = $1 AND mine.kind = CASE $2 WHEN 'sms' THEN 'phone' ELSE 'email' END))))sql"},
    {"crm_delivery_report", R"sql(
UPDATE outbound_message
SET upstream_id = COALESCE(upstream_id, $2),
    upstream_status = $3,
    error = CASE WHEN $4 = '' THEN error ELSE 'upstream error ' || $4 END,
    state = CASE
        WHEN $3 = 'delivered' THEN 'delivered'
        WHEN $3 IN ('failed', 'undelivered') THEN 'failed'
        WHEN state IN ('queued', 'sending') THEN 'sent'
        ELSE state END,
    updated_at = now()
WHERE marker = $1 AND state <> 'refused'
  AND NOT (state = 'delivered' AND $3 IN ('queued', 'sending', 'sent')))sql"},
    {"crm_add_patient", "INSERT INTO patient (mrn) VALUES ($1) RETURNING id"},
    {"crm_add_contact",
     "INSERT INTO patient_contact (patient_id, kind, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"},
    {"crm_outbound_insert", R"sql(
INSERT INTO outbound_message (marker, source, channel, recipient, purpose, body, dedupe_key)
VALUES (gen_random_uuid()::text, $1, $2, $3, $4, $5, $6)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id)sql"},
    {"crm_outbound_by_key", "SELECT id FROM outbound_message WHERE dedupe_key = $1"},
    {"crm_outbound_get", R"sql(
SELECT id, marker, source, channel, recipient, purpose, body, state, COALESCE(upstream_id, ''), upstream_status,
       error, attempts, (extract(epoch FROM created_at) * 1000000)::bigint,
       (extract(epoch FROM updated_at) * 1000000)::bigint
FROM outbound_message WHERE id = $1)sql"},
    {"crm_outbound_list", R"sql(
SELECT id, marker, source, channel, recipient, purpose, body, state, COALESCE(upstream_id, ''), upstream_status,
       error, attempts, (extract(epoch FROM created_at) * 1000000)::bigint,
       (extract(epoch FROM updated_at) * 1000000)::bigint
FROM outbound_message WHERE source = $1 AND state = $2 ORDER BY id)sql"},
    {"crm_outbound_due", R"sql(
SELECT id, recipient, channel, purpose FROM outbound_message
WHERE source = $1 AND state = 'queued' AND next_attempt_at <= now()
ORDER BY next_attempt_at, id
LIMIT 1
FOR UPDATE SKIP LOCKED)sql"},
    {"crm_outbound_refuse",
     "UPDATE outbound_message SET state = 'refused', error = 'no consent', updated_at = now() WHERE id = $1"},
    {"crm_outbound_sending", R"sql(
UPDATE outbound_message SET state = 'sending', attempts = attempts + 1, updated_at = now()
WHERE id = $1 AND state = 'queued')sql"},
    {"crm_outbound_complete", R"sql(
UPDATE outbound_message
SET upstream_id = $2, upstream_status = $3,
    state = CASE WHEN $3 IN ('failed', 'undelivered') THEN 'failed'
                 WHEN state = 'delivered' THEN 'delivered' ELSE 'sent' END,
    updated_at = now()
WHERE id = $1 AND state IN ('sending', 'queued', 'sent', 'delivered'))sql"},
    {"crm_outbound_retry", R"sql(
UPDATE outbound_message
SET state = 'queued', error = $3, next_attempt_at = 'epoch'::timestamptz + $2 * interval '1 microsecond',
    updated_at = now()
WHERE id = $1 AND state = 'sending')sql"},
    {"crm_outbound_fail",
     "UPDATE outbound_message SET state = 'failed', error = $2, updated_at = now() WHERE id = $1 AND state = "
     "'sending'"},

    // The first version of a stored e-mail that is not noise and has an author; its thread, else its own id.
    {"crm_ack_item", R"sql(
SELECT id, CASE WHEN thread_id <> '' THEN thread_id ELSE external_id END, author, text
FROM item
WHERE source = $1 AND external_id = $2 AND item_version = '' AND channel = 'email' AND NOT is_noise AND author <> '')sql"},

    {"crm_ack_claim", R"sql(
INSERT INTO mail_acknowledgement (source, thread_id, item_id) VALUES ($1, $2, $3)
ON CONFLICT (source, thread_id, sent_on) DO NOTHING
RETURNING sent_on::text)sql"},

    {"crm_ack_finish", R"sql(
UPDATE mail_acknowledgement SET status = $4, message_id = $5
WHERE source = $1 AND thread_id = $2 AND sent_on = $3::date)sql"},

    {"crm_list_items", R"sql(
SELECT id, source, external_id, channel, language, sentiment_label, sentiment_score, is_noise, noise_reasons,
       categories, urgency, red_flags, analyzer_version, case_id,
       (extract(epoch FROM received_at) * 1000000)::bigint
FROM item
ORDER BY id DESC
LIMIT $1)sql"},
    {"crm_list_items_by_source", R"sql(
SELECT id, source, external_id, channel, language, sentiment_label, sentiment_score, is_noise, noise_reasons,
       categories, urgency, red_flags, analyzer_version, case_id,
       (extract(epoch FROM received_at) * 1000000)::bigint
FROM item
WHERE source = $1
ORDER BY id DESC
LIMIT $2)sql"},

    {"crm_list_cases", R"sql(
SELECT id, source, status, urgency, min_sentiment_score, item_count,
       (extract(epoch FROM opened_at) * 1000000)::bigint, (extract(epoch FROM updated_at) * 1000000)::bigint
FROM feedback_case
ORDER BY id DESC
LIMIT $1)sql"},
    {"crm_list_cases_by_source", R"sql(
SELECT id, source, status, urgency, min_sentiment_score, item_count,
       (extract(epoch FROM opened_at) * 1000000)::bigint, (extract(epoch FROM updated_at) * 1000000)::bigint
FROM feedback_case
WHERE source = $1
ORDER BY id DESC
LIMIT $2)sql"},

    {"crm_list_quarantine", R"sql(
SELECT id, source, locator, reason, raw, raw_truncated, attempts,
       (extract(epoch FROM first_seen) * 1000000)::bigint, (extract(epoch FROM replayed_at) * 1000000)::bigint
FROM quarantine
WHERE $1 OR replayed_at IS NULL
ORDER BY id DESC
LIMIT $2)sql"},
    {"crm_list_quarantine_by_source", R"sql(
SELECT id, source, locator, reason, raw, raw_truncated, attempts,
       (extract(epoch FROM first_seen) * 1000000)::bigint, (extract(epoch FROM replayed_at) * 1000000)::bigint
FROM quarantine
WHERE ($1 OR replayed_at IS NULL) AND source = $2
ORDER BY id DESC
LIMIT $3)sql"},
    {"crm_get_quarantine", R"sql(
SELECT id, source, locator, reason, raw, raw_truncated, attempts,
       (extract(epoch FROM first_seen) * 1000000)::bigint, (extract(epoch FROM replayed_at) * 1000000)::bigint
FROM quarantine
WHERE id = $1)sql"},

    {"crm_record_failed_replay", R"sql(
UPDATE quarantine SET attempts = attempts + 1, reason = $2, last_seen = now() WHERE id = $1)sql"},
};

// --- Near-duplicates (V003) --------------------------------------------------------------------------------

/// The SimHash's 64 bits as the bigint column holds them.
std::optional<std::int64_t> SimilarityHashParam(const std::optional<std::uint64_t>& hash) {
    if (!hash) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(*hash);
}

// Links the staged items to the first copy of their text among the stored items: an item received in the window
// (any source, lower id) whose hash is at most $2 bits away. Per band, the most recent such item is found by
// walking that band's index backwards from the new item (bounded below by the first id of the window); it names
// the first copy (itself, or its duplicate_of), and the lowest first copy over the four bands wins, also over a
// link to an earlier copy in the same batch (BatchNearDuplicates, made before staging). A linked row becomes noise
// "near_duplicate" and is unflagged, so the case step opens no case for it. Returns the rows linked here.
constexpr const char* kLinkNearDuplicatesSql = R"sql(
WITH fresh AS MATERIALIZED (
    SELECT item_id, similarity_hash AS h, source, external_id
    FROM ingest_stage WHERE similarity_hash IS NOT NULL
), window_start AS MATERIALIZED (
    SELECT now() - $1 * interval '1 second' AS since,
           coalesce((SELECT min(id) FROM item WHERE received_at >= now() - $1 * interval '1 second'), 0) AS min_id
), candidates AS (
    SELECT f.item_id, c.first_id
    FROM fresh AS f CROSS JOIN window_start AS w
    CROSS JOIN LATERAL (
        SELECT coalesce(i.duplicate_of, i.id) AS first_id FROM item AS i
        WHERE ((i.similarity_hash >> 48) & 65535) = ((f.h >> 48) & 65535) AND i.similarity_hash IS NOT NULL
          AND i.id < f.item_id AND i.id >= w.min_id AND i.received_at >= w.since
          AND bit_count((i.similarity_hash # f.h)::bit(64)) <= $2
          AND (i.source <> f.source OR i.external_id <> f.external_id)
        ORDER BY ((i.similarity_hash >> 48) & 65535) DESC, i.id DESC LIMIT 1) AS c
    UNION ALL
    SELECT f.item_id, c.first_id
    FROM fresh AS f CROSS JOIN window_start AS w
    CROSS JOIN LATERAL (
        SELECT coalesce(i.duplicate_of, i.id) AS first_id FROM item AS i
        WHERE ((i.similarity_hash >> 32) & 65535) = ((f.h >> 32) & 65535) AND i.similarity_hash IS NOT NULL
          AND i.id < f.item_id AND i.id >= w.min_id AND i.received_at >= w.since
          AND bit_count((i.similarity_hash # f.h)::bit(64)) <= $2
          AND (i.source <> f.source OR i.external_id <> f.external_id)
        ORDER BY ((i.similarity_hash >> 32) & 65535) DESC, i.id DESC LIMIT 1) AS c
    UNION ALL
    SELECT f.item_id, c.first_id
    FROM fresh AS f CROSS JOIN window_start AS w
    CROSS JOIN LATERAL (
        SELECT coalesce(i.duplicate_of, i.id) AS first_id FROM item AS i
        WHERE ((i.similarity_hash >> 16) & 65535) = ((f.h >> 16) & 65535) AND i.similarity_hash IS NOT NULL
          AND i.id < f.item_id AND i.id >= w.min_id AND i.received_at >= w.since
          AND bit_count((i.similarity_hash # f.h)::bit(64)) <= $2
          AND (i.source <> f.source OR i.external_id <> f.external_id)
        ORDER BY ((i.similarity_hash >> 16) & 65535) DESC, i.id DESC LIMIT 1) AS c
    UNION ALL
    SELECT f.item_id, c.first_id
    FROM fresh AS f CROSS JOIN window_start AS w
    CROSS JOIN LATERAL (
        SELECT coalesce(i.duplicate_of, i.id) AS first_id FROM item AS i
        WHERE (i.similarity_hash & 65535) = (f.h & 65535) AND i.similarity_hash IS NOT NULL
          AND i.id < f.item_id AND i.id >= w.min_id AND i.received_at >= w.since
          AND bit_count((i.similarity_hash # f.h)::bit(64)) <= $2
          AND (i.source <> f.source OR i.external_id <> f.external_id)
        ORDER BY (i.similarity_hash & 65535) DESC, i.id DESC LIMIT 1) AS c
), chosen AS (
    SELECT item_id, min(first_id) AS first_id FROM candidates GROUP BY item_id
)
UPDATE ingest_stage AS s
SET duplicate_of = least(c.first_id, s.duplicate_of),
    is_noise = true,
    noise_reasons = CASE WHEN 'near_duplicate' = ANY (s.noise_reasons) THEN s.noise_reasons
                         ELSE array_append(s.noise_reasons, 'near_duplicate') END,
    flagged = false
FROM chosen AS c
WHERE s.item_id = c.item_id
RETURNING s.item_id)sql";

// A row linked in the batch points at the batch's first copy of its text; when the statement above found a
// stored first copy for that one, point the row there too. One pass is enough: a first copy within the batch
// links to nothing else in the batch.
constexpr const char* kFlattenNearDuplicatesSql = R"sql(
UPDATE ingest_stage AS s SET duplicate_of = first_copy.duplicate_of
FROM ingest_stage AS first_copy
WHERE s.duplicate_of = first_copy.item_id AND first_copy.duplicate_of IS NOT NULL)sql";

/// Near-duplicates among the items of one batch, found before staging: for each item, the position of the
/// batch's first copy of its text, or nullopt. The rule is the one kLinkNearDuplicatesSql applies to stored
/// items: per 16-bit band the most recent earlier item within kNearDuplicateMaxDistance bits (not another version
/// of the same item) names its first copy, and the lowest first copy over the four bands wins.
class BatchNearDuplicates {
public:
    explicit BatchNearDuplicates(std::size_t size) : first_copy_(size) {}

    /// Items are added in batch order.
    void Add(std::size_t position, const std::string& source, const std::string& external_id,
             const std::optional<std::uint64_t>& hash) {
        entries_.push_back(Entry{hash.value_or(0), &source, &external_id});
        if (!hash) {
            return;
        }
        std::optional<std::size_t> first;
        for (int band = 0; band < 4; ++band) {
            auto& bucket = buckets_[BandKey(*hash, band)];
            for (auto it = bucket.rbegin(); it != bucket.rend(); ++it) {
                const Entry& earlier = entries_[*it];
                if (std::popcount(earlier.hash ^ *hash) <= kNearDuplicateMaxDistance &&
                    (*earlier.source != source || *earlier.external_id != external_id)) {
                    const std::size_t candidate = first_copy_[*it].value_or(*it);
                    first = first ? std::min(*first, candidate) : candidate;
                    break;
                }
            }
            bucket.push_back(position);
        }
        first_copy_[position] = first;
        linked_ += first ? 1 : 0;
    }

    const std::optional<std::size_t>& FirstCopy(std::size_t position) const { return first_copy_[position]; }
    std::size_t Linked() const { return linked_; }

private:
    struct Entry {
        std::uint64_t hash;
        const std::string* source;
        const std::string* external_id;
    };

    static std::uint32_t BandKey(std::uint64_t hash, int band) {
        return (static_cast<std::uint32_t>(band) << 16) |
               static_cast<std::uint32_t>((hash >> (48 - 16 * band)) & 0xffffU);
    }

    std::vector<Entry> entries_;
    std::vector<std::optional<std::size_t>> first_copy_;
    std::unordered_map<std::uint32_t, std::vector<std::size_t>> buckets_;
    std::size_t linked_ = 0;
};

/// Links staged rows to stored first copies and returns how many rows of the batch are near-duplicates.
std::size_t LinkNearDuplicates(pqxx::work& txn, const std::vector<std::int64_t>& linked_in_batch) {
    const auto window_seconds =
        static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::seconds>(kNearDuplicateWindow).count());
    const pqxx::result linked =
        txn.exec_prepared("crm_link_near_duplicates", window_seconds, kNearDuplicateMaxDistance);
    std::unordered_set<std::int64_t> ids(linked_in_batch.begin(), linked_in_batch.end());
    for (const auto& row : linked) {
        ids.insert(row[0].as<std::int64_t>());
    }
    if (!linked_in_batch.empty() && !linked.empty()) {
        txn.exec_prepared("crm_flatten_near_duplicates");
    }
    return ids.size();
}

static_assert(kMaxQuarantineRawBytes == 65536, "V001__init.sql's CHECK on quarantine.raw allows 65536 bytes");

// Defaults for analysis fields a caller left empty, so an unset field is stored as "unknown" rather than
// failing the whole batch on a CHECK constraint. Any other value must be one the schema allows.
const std::string kDefaultChannel = "unknown";
const std::string kDefaultSentimentLabel = "neutral";
const std::string kDefaultUrgency = "none";

const std::string& OrDefault(const std::string& value, const std::string& fallback) {
    return value.empty() ? fallback : value;
}

std::int64_t Limit(std::size_t limit) {
    return static_cast<std::int64_t>(std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

std::optional<std::int64_t> OptionalInt(const pqxx::field& field) {
    if (field.is_null()) {
        return std::nullopt;
    }
    return field.as<std::int64_t>();
}

QuarantineRow ToQuarantineRow(const pqxx::row& row) {
    QuarantineRow out;
    out.id = row[0].as<std::int64_t>();
    out.source = row[1].as<std::string>();
    out.locator = row[2].as<std::string>();
    out.reason = row[3].as<std::string>();
    out.raw = pqxx::binarystring(row[4]).str();
    out.raw_truncated = row[5].as<bool>();
    out.attempts = row[6].as<std::int64_t>();
    out.first_seen = FromUnixMicros(row[7].as<std::int64_t>());
    if (const auto replayed = OptionalInt(row[8])) {
        out.replayed_at = FromUnixMicros(*replayed);
    }
    return out;
}

}  // namespace

void PrepareStoreStatements(pqxx::connection& conn) {
    for (const auto& statement : kStatements) {
        conn.prepare(statement.name, statement.sql);
    }
    // Prepared too, so that the four band lookups are not planned anew for every batch.
    conn.prepare("crm_link_near_duplicates", kLinkNearDuplicatesSql);
    conn.prepare("crm_flatten_near_duplicates", kFlattenNearDuplicatesSql);
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::Open(const std::string& conninfo, const std::string& password) {
    auto impl = std::make_unique<Impl>(BuildConninfo(conninfo, password));
    try {
        impl->Connect();
    } catch (const std::exception& e) {
        LogConnectFailure("open", e, log::Level::kError);
        return CrmErrc::kConnectionRefused;
    }
    return std::unique_ptr<Store>(new Store(std::move(impl)));
}

void Store::SetTransactionObserver(TransactionObserver observer) {
    impl_->transaction_observer = std::move(observer);
}

namespace {

/// Stages, completes and inserts the batch's items. False when a concurrent transaction stored one of them after
/// the check for stored items: the caller rolls back and runs the batch again.
bool IngestItems(pqxx::work& txn, const IngestBatch& batch, IngestOutcome& outcome, bool& copy_in_progress) {
    txn.exec(kCreateStageSql);
    // The same (source, external_id, version) twice in one batch is a duplicate like any other; dropping it
    // here keeps the staging-to-item mapping one to one.
    std::unordered_set<std::string> seen;
    seen.reserve(batch.items.size());
    std::string key;
    std::vector<const NewItem*> distinct;
    distinct.reserve(batch.items.size());
    std::vector<std::string> sources;
    std::vector<std::string> external_ids;
    std::vector<std::string> versions;
    for (const NewItem& item : batch.items) {
        const std::string& source = OrDefault(item.source, batch.source);
        key.assign(source).append(1, '\0').append(item.external_id).append(1, '\0').append(item.version);
        if (seen.insert(key).second) {
            distinct.push_back(&item);
            sources.push_back(source);
            external_ids.push_back(item.external_id);
            versions.push_back(item.version);
        }
    }
    // Re-delivered items (stored already) are not staged; the others get their ids, in batch order.
    std::vector<bool> stored(distinct.size(), true);
    std::vector<std::int64_t> ids;
    ids.reserve(distinct.size());
    for (const auto& row : txn.exec_prepared("crm_check_keys_draw_ids", TextArrayLiteral(sources),
                                             TextArrayLiteral(external_ids), TextArrayLiteral(versions))) {
        if (!row[1].is_null()) {
            stored[row[0].as<std::size_t>() - 1] = false;
            ids.push_back(row[1].as<std::int64_t>());
        }
    }
    std::sort(ids.begin(), ids.end());
    std::vector<const NewItem*> fresh;
    fresh.reserve(distinct.size());
    for (std::size_t i = 0; i < distinct.size(); ++i) {
        if (!stored[i]) {
            fresh.push_back(distinct[i]);
        }
    }
    if (fresh.empty()) {
        return true;
    }

    // Rows are staged in batch order as their analyses complete (batch.await_item): PostgreSQL parses the first
    // rows while the last are still being analyzed. The in-batch near-duplicate links need only earlier rows.
    BatchNearDuplicates near_duplicates(fresh.size());
    const auto item_id = [&](std::size_t position) { return ids[position]; };
    std::vector<std::int64_t> linked_in_batch;
    bool any_flagged = false;
    copy_in_progress = true;
    pqxx::stream_to stream(txn, "ingest_stage", kStageColumns);
    std::vector<std::string> noise_reasons;
    for (std::size_t position = 0; position < fresh.size(); ++position) {
        const NewItem& item = *fresh[position];
        if (batch.await_item) {
            batch.await_item(static_cast<std::size_t>(fresh[position] - batch.items.data()));
        }
        const std::string& source = OrDefault(item.source, batch.source);
        near_duplicates.Add(position, source, item.external_id, item.similarity_hash);
        std::optional<std::int16_t> rating;
        if (item.rating) {
            rating = static_cast<std::int16_t>(*item.rating);
        }
        std::optional<std::int64_t> posted_at_us;
        if (item.posted_at) {
            posted_at_us = ToUnixMicros(*item.posted_at);
        }
        noise_reasons = item.noise_reasons;
        std::optional<std::int64_t> duplicate_of;
        if (const auto& first_copy = near_duplicates.FirstCopy(position)) {
            duplicate_of = item_id(*first_copy);
            linked_in_batch.push_back(item_id(position));
            if (std::find(noise_reasons.begin(), noise_reasons.end(), "near_duplicate") == noise_reasons.end()) {
                noise_reasons.emplace_back("near_duplicate");
            }
        }
        const bool flagged = item.flagged && !duplicate_of;
        any_flagged = any_flagged || flagged;
        stream << std::forward_as_tuple(
            static_cast<std::int64_t>(position), source, item.external_id, OrDefault(item.channel, kDefaultChannel),
            item.author, item.text, item.url, posted_at_us, item.language,
            OrDefault(item.sentiment_label, kDefaultSentimentLabel), item.sentiment_score, item.sentiment_scored,
            item.is_noise || duplicate_of.has_value(), TextArrayLiteral(noise_reasons),
            TextArrayLiteral(item.categories), OrDefault(item.urgency, kDefaultUrgency),
            TextArrayLiteral(item.red_flags), item.analyzer_version, flagged, item.thread_id, item.reply_to,
            item.version, rating, item.community, SimilarityHashParam(item.similarity_hash), item.question,
            item.care_unit, item_id(position), duplicate_of);
    }
    stream.complete();
    copy_in_progress = false;
    outcome.near_duplicates = LinkNearDuplicates(txn, linked_in_batch);
    if (any_flagged) {
        const pqxx::row cases = txn.exec_prepared1("crm_ingest_cases");
        outcome.cases_opened = cases[0].as<std::size_t>();
        outcome.cases_extended = cases[1].as<std::size_t>();
    }
    outcome.patients_linked = txn.exec_prepared1("crm_ingest_patient_links")[0].as<std::size_t>();
    outcome.inserted = static_cast<std::size_t>(txn.exec_prepared("crm_ingest_items").affected_rows());
    if (outcome.inserted < fresh.size()) {
        return false;
    }
    // Consent keywords in arrival order, one statement each: a STOP then a START leaves the number opted in.
    for (const auto& row : txn.exec_prepared("crm_ingest_consent_items")) {
        const bool opted_out = row[2].as<bool>();
        txn.exec_prepared("crm_consent_upsert", row[1].as<std::string>(), "sms", "all",
                          opted_out ? "opted_out" : "opted_in", opted_out ? "keyword:opt_out" : "keyword:opt_in",
                          row[0].as<std::int64_t>());
        ++outcome.consent_changes;
    }
    return true;
}

// How often a batch is run again when another replica stored one of its items concurrently (each run sees what
// the previous one collided with, so a second run normally succeeds).
constexpr int kConcurrentStoreAttempts = 3;

}  // namespace

Result<IngestOutcome> Store::Ingest(const IngestBatch& batch) {
    Impl& impl = *impl_;
    const auto started = std::chrono::steady_clock::now();
    auto result = impl.Run<IngestOutcome>("ingest", [&](pqxx::connection& conn) -> Result<IngestOutcome> {
        for (int attempt = 1;; ++attempt) {
            IngestOutcome outcome;
            pqxx::work txn(conn, "ingest");

            if (!batch.items.empty() && !IngestItems(txn, batch, outcome, impl.copy_in_progress)) {
                txn.abort();
                if (attempt < kConcurrentStoreAttempts) {
                    continue;
                }
                log::Warning("crm", "ingest for source ", batch.source,
                             ": items stored concurrently by another writer in ", attempt, " runs; will retry");
                return CrmErrc::kRetry;
            }
            outcome.duplicates = batch.items.size() - outcome.inserted;

            for (const NewQuarantine& record : batch.quarantined) {
                const bool cut = record.raw.size() > kMaxQuarantineRawBytes;
                const pqxx::binarystring raw(record.raw.data(), cut ? kMaxQuarantineRawBytes : record.raw.size());
                const pqxx::result inserted =
                    txn.exec_prepared("crm_quarantine_insert", OrDefault(record.source, batch.source), record.locator,
                                      record.reason, raw, record.raw_truncated || cut);
                outcome.quarantined += static_cast<std::size_t>(inserted.affected_rows());
            }

            if (batch.next_cursor) {
                txn.exec_prepared("crm_cursor_upsert", batch.source, *batch.next_cursor);
            }

            for (const DeliveryReport& report : batch.delivery_reports) {
                outcome.delivery_reports +=
                    static_cast<std::size_t>(txn.exec_prepared("crm_delivery_report", report.marker, report.upstream_id,
                                                               report.status, report.error_code)
                                                 .affected_rows());
            }

            if (batch.replayed_quarantine_id) {
                std::optional<std::string> item_source;
                std::optional<std::string> item_external_id;
                if (!batch.items.empty()) {
                    item_source = OrDefault(batch.items.front().source, batch.source);
                    item_external_id = batch.items.front().external_id;
                }
                const pqxx::result marked = txn.exec_prepared("crm_quarantine_replayed", *batch.replayed_quarantine_id,
                                                              item_source, item_external_id);
                if (marked.affected_rows() == 0) {
                    log::Warning("crm", "ingest for source ", batch.source, ": replayed quarantine id ",
                                 *batch.replayed_quarantine_id, " does not exist; batch not stored");
                    return CrmErrc::kNotFound;
                }
            }

            if (batch.lease) {
                // The fence, last, so the lease row is locked only for the moment until the commit: a replica frozen in
                // the middle of a batch never blocks another from taking the source over.
                const pqxx::result fenced =
                    txn.exec_prepared("crm_lease_fence", batch.source, batch.lease->holder, batch.lease->fencing_token,
                                      static_cast<std::int64_t>(batch.lease->duration.count()));
                if (fenced.empty()) {
                    return CrmErrc::kLeaseLost;  // nothing of the batch is written; the transaction rolls back
                }
            }
            txn.commit();
            log::Debug("crm", "ingest for source ", batch.source, ": ", outcome.inserted, " inserted, ",
                       outcome.duplicates, " duplicate(s), ", outcome.near_duplicates, " near-duplicate(s), ",
                       outcome.quarantined, " quarantined, ", outcome.cases_opened, " case(s) opened, ",
                       outcome.cases_extended, " extended");
            return outcome;
        }
    });
    if (impl.transaction_observer) {
        impl.transaction_observer(std::chrono::steady_clock::now() - started, result.has_value());
    }
    return result;
}

Result<std::optional<std::int64_t>> Store::AcquireSourceLease(const std::string& source, const std::string& holder,
                                                              std::chrono::seconds duration) {
    return impl_->Run<std::optional<std::int64_t>>(
        "acquire source lease", [&](pqxx::connection& conn) -> Result<std::optional<std::int64_t>> {
            pqxx::work txn(conn, "acquire source lease");
            // The holder's commit locks the row for an instant; never wait long for it.
            txn.exec("SET LOCAL lock_timeout = '2s'");
            pqxx::result rows;
            try {
                rows =
                    txn.exec_prepared("crm_lease_acquire", source, holder, static_cast<std::int64_t>(duration.count()));
            } catch (const pqxx::sql_error& error) {
                if (error.sqlstate() == "55P03") {  // lock_not_available: the holder is committing
                    return std::optional<std::int64_t>{};
                }
                throw;
            }
            txn.commit();
            if (rows.empty()) {
                return std::optional<std::int64_t>{};
            }
            return std::optional<std::int64_t>{rows[0][0].as<std::int64_t>()};
        });
}

Result<void> Store::LimitIdleTransactions(std::chrono::seconds timeout) {
    impl_->idle_transaction_timeout = timeout;
    return impl_->Run<void>("limit idle transactions", [&](pqxx::connection& conn) -> Result<void> {
        impl_->ApplySessionSettings(conn);
        return outcome::success();
    });
}

Result<void> Store::ReleaseSourceLeases(const std::string& holder) {
    return impl_->Run<void>("release source leases", [&](pqxx::connection& conn) -> Result<void> {
        pqxx::work txn(conn, "release source leases");
        txn.exec_prepared("crm_lease_release", holder);
        txn.commit();
        return outcome::success();
    });
}

Result<std::vector<SourceLeaseRow>> Store::ListSourceLeases() {
    return impl_->Run<std::vector<SourceLeaseRow>>(
        "list source leases", [&](pqxx::connection& conn) -> Result<std::vector<SourceLeaseRow>> {
            pqxx::nontransaction txn(conn, "list source leases");
            std::vector<SourceLeaseRow> leases;
            for (const auto& row : txn.exec_prepared("crm_lease_list")) {
                leases.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::int64_t>(),
                                  FromUnixMicros(row[3].as<std::int64_t>())});
            }
            return leases;
        });
}

Result<std::optional<std::string>> Store::LoadCursor(const std::string& source) {
    return impl_->Run<std::optional<std::string>>(
        "load cursor", [&](pqxx::connection& conn) -> Result<std::optional<std::string>> {
            pqxx::nontransaction txn(conn, "load cursor");
            const pqxx::result rows = txn.exec_prepared("crm_load_cursor", source);
            if (rows.empty()) {
                return std::optional<std::string>{};
            }
            return std::optional<std::string>{rows[0][0].as<std::string>()};
        });
}

Result<std::optional<AcknowledgementClaim>> Store::ClaimMailAcknowledgement(const std::string& source,
                                                                            const std::string& external_id) {
    return impl_->Run<std::optional<AcknowledgementClaim>>(
        "claim mail acknowledgement", [&](pqxx::connection& conn) -> Result<std::optional<AcknowledgementClaim>> {
            pqxx::work txn(conn, "claim mail acknowledgement");
            const pqxx::result items = txn.exec_prepared("crm_ack_item", source, external_id);
            if (items.empty()) {
                return std::optional<AcknowledgementClaim>{};
            }
            AcknowledgementClaim claim;
            claim.item_id = items[0][0].as<std::int64_t>();
            claim.source = source;
            claim.thread_id = items[0][1].as<std::string>();
            claim.author = items[0][2].as<std::string>();
            claim.text = items[0][3].as<std::string>();
            const pqxx::result claimed = txn.exec_prepared("crm_ack_claim", source, claim.thread_id, claim.item_id);
            if (claimed.empty()) {
                return std::optional<AcknowledgementClaim>{};  // this thread was acknowledged today already
            }
            claim.sent_on = claimed[0][0].as<std::string>();
            txn.commit();
            return std::optional<AcknowledgementClaim>{std::move(claim)};
        });
}

Result<void> Store::FinishMailAcknowledgement(const AcknowledgementClaim& claim, bool sent,
                                              const std::string& message_id) {
    return impl_->Run<void>("finish mail acknowledgement", [&](pqxx::connection& conn) -> Result<void> {
        pqxx::work txn(conn, "finish mail acknowledgement");
        txn.exec_prepared("crm_ack_finish", claim.source, claim.thread_id, claim.sent_on, sent ? "sent" : "failed",
                          message_id);
        txn.commit();
        return outcome::success();
    });
}

Result<std::vector<ItemRow>> Store::ListItems(const ListFilter& filter) {
    return impl_->Run<std::vector<ItemRow>>("list items", [&](pqxx::connection& conn) -> Result<std::vector<ItemRow>> {
        pqxx::nontransaction txn(conn, "list items");
        const pqxx::result rows =
            filter.source ? txn.exec_prepared("crm_list_items_by_source", *filter.source, Limit(filter.limit))
                          : txn.exec_prepared("crm_list_items", Limit(filter.limit));
        std::vector<ItemRow> items;
        items.reserve(rows.size());
        for (const auto& row : rows) {
            ItemRow item;
            item.id = row[0].as<std::int64_t>();
            item.source = row[1].as<std::string>();
            item.external_id = row[2].as<std::string>();
            item.channel = row[3].as<std::string>();
            item.language = row[4].as<std::string>();
            item.sentiment_label = row[5].as<std::string>();
            item.sentiment_score = row[6].as<double>();
            item.is_noise = row[7].as<bool>();
            item.noise_reasons = ParseTextArray(row[8]);
            item.categories = ParseTextArray(row[9]);
            item.urgency = row[10].as<std::string>();
            item.red_flags = ParseTextArray(row[11]);
            item.analyzer_version = row[12].as<std::string>();
            item.case_id = OptionalInt(row[13]);
            item.received_at = FromUnixMicros(row[14].as<std::int64_t>());
            items.push_back(std::move(item));
        }
        return items;
    });
}

Result<std::vector<CaseRow>> Store::ListCases(const ListFilter& filter) {
    return impl_->Run<std::vector<CaseRow>>("list cases", [&](pqxx::connection& conn) -> Result<std::vector<CaseRow>> {
        pqxx::nontransaction txn(conn, "list cases");
        const pqxx::result rows =
            filter.source ? txn.exec_prepared("crm_list_cases_by_source", *filter.source, Limit(filter.limit))
                          : txn.exec_prepared("crm_list_cases", Limit(filter.limit));
        std::vector<CaseRow> cases;
        cases.reserve(rows.size());
        for (const auto& row : rows) {
            CaseRow item;
            item.id = row[0].as<std::int64_t>();
            item.source = row[1].as<std::string>();
            item.status = row[2].as<std::string>();
            item.urgency = row[3].as<std::string>();
            item.min_sentiment_score = row[4].as<double>();
            item.item_count = row[5].as<std::int64_t>();
            item.opened_at = FromUnixMicros(row[6].as<std::int64_t>());
            item.updated_at = FromUnixMicros(row[7].as<std::int64_t>());
            cases.push_back(std::move(item));
        }
        return cases;
    });
}

Result<CaseCounts> Store::CountCases(Timestamp now, const CaseTargets& targets) {
    return impl_->Run<CaseCounts>("count cases", [&](pqxx::connection& conn) -> Result<CaseCounts> {
        pqxx::nontransaction txn(conn, "count cases");
        const auto hours = [](std::chrono::hours h) { return static_cast<std::int64_t>(h.count()); };
        const pqxx::row row = txn.exec_params1(
            "SELECT count(*), count(*) FILTER (WHERE opened_at < 'epoch'::timestamptz + $1::bigint * interval '1 "
            "microsecond' - CASE urgency WHEN 'critical' THEN $2::bigint WHEN 'high' THEN $3::bigint WHEN 'low' THEN "
            "$4::bigint ELSE $5::bigint END * interval '1 hour') FROM feedback_case WHERE status = 'open'",
            ToUnixMicros(now), hours(targets.critical), hours(targets.high), hours(targets.low), hours(targets.none));
        return CaseCounts{row[0].as<std::int64_t>(), row[1].as<std::int64_t>()};
    });
}

Result<std::vector<QuarantineRow>> Store::ListQuarantine(const ListFilter& filter, bool include_replayed) {
    return impl_->Run<std::vector<QuarantineRow>>(
        "list quarantine", [&](pqxx::connection& conn) -> Result<std::vector<QuarantineRow>> {
            pqxx::nontransaction txn(conn, "list quarantine");
            const pqxx::result rows =
                filter.source ? txn.exec_prepared("crm_list_quarantine_by_source", include_replayed, *filter.source,
                                                  Limit(filter.limit))
                              : txn.exec_prepared("crm_list_quarantine", include_replayed, Limit(filter.limit));
            std::vector<QuarantineRow> records;
            records.reserve(rows.size());
            for (const auto& row : rows) {
                records.push_back(ToQuarantineRow(row));
            }
            return records;
        });
}

Result<QuarantineRow> Store::GetQuarantine(std::int64_t id) {
    return impl_->Run<QuarantineRow>("get quarantine", [&](pqxx::connection& conn) -> Result<QuarantineRow> {
        pqxx::nontransaction txn(conn, "get quarantine");
        const pqxx::result rows = txn.exec_prepared("crm_get_quarantine", id);
        if (rows.empty()) {
            return CrmErrc::kNotFound;
        }
        return ToQuarantineRow(rows[0]);
    });
}

Result<void> Store::RecordFailedReplay(std::int64_t id, const std::string& reason) {
    return impl_->Run<void>("record failed replay", [&](pqxx::connection& conn) -> Result<void> {
        pqxx::work txn(conn, "record failed replay");
        const pqxx::result updated = txn.exec_prepared("crm_record_failed_replay", id, reason);
        if (updated.affected_rows() == 0) {
            return CrmErrc::kNotFound;
        }
        txn.commit();
        return outcome::success();
    });
}

// --- Re-analysis -----------------------------------------------------------------------------------------------

namespace {

constexpr const char* kListForReanalysisSql = R"sql(
SELECT id, channel, text, question, noise_reasons, case_id, duplicate_of, analyzer_version, rating
FROM item
WHERE received_at >= 'epoch'::timestamptz + $1 * interval '1 microsecond' AND id > $2
ORDER BY id
LIMIT $3)sql";

// Only analysis columns: case_id, duplicate_of and feedback_case are staff's and the ingest's decisions.
constexpr const char* kUpdateAnalysisSql = R"sql(
UPDATE item
SET language = $2, sentiment_label = $3, sentiment_score = $4, sentiment_scored = $5, is_noise = $6,
    noise_reasons = $7::text[], categories = $8::text[], urgency = $9, red_flags = $10::text[],
    analyzer_version = $11, similarity_hash = $12
WHERE id = $1)sql";

}  // namespace

Result<std::vector<StoredText>> Store::ListForReanalysis(Timestamp since, std::int64_t after_id, std::size_t limit) {
    return impl_->Run<std::vector<StoredText>>(
        "list for reanalysis", [&](pqxx::connection& conn) -> Result<std::vector<StoredText>> {
            pqxx::nontransaction txn(conn, "list for reanalysis");
            const pqxx::result rows =
                txn.exec_params(kListForReanalysisSql, ToUnixMicros(since), after_id, Limit(limit));
            std::vector<StoredText> items;
            items.reserve(rows.size());
            for (const auto& row : rows) {
                StoredText item;
                item.id = row[0].as<std::int64_t>();
                item.channel = row[1].as<std::string>();
                item.text = row[2].as<std::string>();
                item.question = row[3].as<std::string>();
                item.noise_reasons = ParseTextArray(row[4]);
                item.case_id = OptionalInt(row[5]);
                item.duplicate_of = OptionalInt(row[6]);
                item.analyzer_version = row[7].as<std::string>();
                if (!row[8].is_null()) {
                    item.rating = row[8].as<int>();
                }
                items.push_back(std::move(item));
            }
            return items;
        });
}

Result<std::size_t> Store::UpdateAnalyses(const std::vector<AnalysisUpdate>& updates) {
    return impl_->Run<std::size_t>("update analyses", [&](pqxx::connection& conn) -> Result<std::size_t> {
        pqxx::work txn(conn, "update analyses");
        std::size_t updated = 0;
        for (const AnalysisUpdate& update : updates) {
            const pqxx::result result =
                txn.exec_params(kUpdateAnalysisSql, update.id, update.language,
                                OrDefault(update.sentiment_label, kDefaultSentimentLabel), update.sentiment_score,
                                update.sentiment_scored, update.is_noise, TextArrayLiteral(update.noise_reasons),
                                TextArrayLiteral(update.categories), OrDefault(update.urgency, kDefaultUrgency),
                                TextArrayLiteral(update.red_flags), update.analyzer_version,
                                SimilarityHashParam(update.similarity_hash));
            updated += static_cast<std::size_t>(result.affected_rows());
        }
        txn.commit();
        return updated;
    });
}

namespace {

OutboundRow ToOutboundRow(const pqxx::row& row) {
    OutboundRow out;
    out.id = row[0].as<std::int64_t>();
    out.marker = row[1].as<std::string>();
    out.source = row[2].as<std::string>();
    out.channel = row[3].as<std::string>();
    out.recipient = row[4].as<std::string>();
    out.purpose = row[5].as<std::string>();
    out.body = row[6].as<std::string>();
    out.state = row[7].as<std::string>();
    out.upstream_id = row[8].as<std::string>();
    out.upstream_status = row[9].as<std::string>();
    out.error = row[10].as<std::string>();
    out.attempts = row[11].as<std::int64_t>();
    out.created_at = FromUnixMicros(row[12].as<std::int64_t>());
    out.updated_at = FromUnixMicros(row[13].as<std::int64_t>());
    return out;
}

std::string LowerAscii(std::string text) {
    for (char& c : text) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return text;
}

}  // namespace

Result<std::int64_t> Store::AddPatient(const NewPatient& patient) {
    return impl_->Run<std::int64_t>("add patient", [&](pqxx::connection& conn) -> Result<std::int64_t> {
        pqxx::work txn(conn, "add patient");
        const auto id = txn.exec_prepared1("crm_add_patient", patient.mrn)[0].as<std::int64_t>();
        for (const auto& phone : patient.phones) {
            txn.exec_prepared("crm_add_contact", id, "phone", phone);
        }
        for (const auto& email : patient.emails) {
            txn.exec_prepared("crm_add_contact", id, "email", LowerAscii(email));
        }
        for (const auto& forum_name : patient.forum_names) {
            txn.exec_prepared("crm_add_contact", id, "forum", LowerAscii(forum_name));
        }
        txn.commit();
        return id;
    });
}

Result<bool> Store::MaySend(const std::string& contact, const std::string& channel, const std::string& purpose) {
    return impl_->Run<bool>("may send", [&](pqxx::connection& conn) -> Result<bool> {
        pqxx::nontransaction txn(conn, "may send");
        return txn
            .exec_prepared1("crm_may_send", channel == "email" ? LowerAscii(contact) : contact, channel, purpose)[0]
            .as<bool>();
    });
}

Result<void> Store::RecordConsent(const std::string& contact, const std::string& channel, const std::string& purpose,
                                  bool opted_in, const std::string& reason) {
    return impl_->Run<void>("record consent", [&](pqxx::connection& conn) -> Result<void> {
        pqxx::work txn(conn, "record consent");
        txn.exec_prepared("crm_consent_upsert", channel == "email" ? LowerAscii(contact) : contact, channel, purpose,
                          opted_in ? "opted_in" : "opted_out", reason, std::optional<std::int64_t>{});
        txn.commit();
        return outcome::success();
    });
}

Result<OutboundRow> Store::EnqueueOutbound(const NewOutbound& message) {
    return impl_->Run<OutboundRow>("enqueue outbound", [&](pqxx::connection& conn) -> Result<OutboundRow> {
        pqxx::work txn(conn, "enqueue outbound");
        const pqxx::result inserted =
            txn.exec_prepared("crm_outbound_insert", message.source, message.channel, message.recipient,
                              message.purpose, message.body, message.dedupe_key);
        std::int64_t id = 0;
        if (!inserted.empty()) {
            id = inserted[0][0].as<std::int64_t>();
        } else {
            id = txn.exec_prepared1("crm_outbound_by_key", message.dedupe_key)[0].as<std::int64_t>();
        }
        OutboundRow row = ToOutboundRow(txn.exec_prepared1("crm_outbound_get", id));
        txn.commit();
        return row;
    });
}

Result<std::optional<OutboundRow>> Store::ClaimOutbound(const std::string& source) {
    return impl_->Run<std::optional<OutboundRow>>(
        "claim outbound", [&](pqxx::connection& conn) -> Result<std::optional<OutboundRow>> {
            for (;;) {
                pqxx::work txn(conn, "claim outbound");
                const pqxx::result due = txn.exec_prepared("crm_outbound_due", source);
                if (due.empty()) {
                    return std::optional<OutboundRow>{};
                }
                const auto id = due[0][0].as<std::int64_t>();
                const bool allowed = txn.exec_prepared1("crm_may_send", due[0][1].as<std::string>(),
                                                        due[0][2].as<std::string>(), due[0][3].as<std::string>())[0]
                                         .as<bool>();
                if (!allowed) {
                    txn.exec_prepared("crm_outbound_refuse", id);
                    txn.commit();
                    continue;
                }
                txn.exec_prepared("crm_outbound_sending", id);
                OutboundRow row = ToOutboundRow(txn.exec_prepared1("crm_outbound_get", id));
                txn.commit();  // 'sending' is durable before the API is called
                return std::optional<OutboundRow>{std::move(row)};
            }
        });
}

Result<void> Store::CompleteOutbound(std::int64_t id, const std::string& upstream_id, const std::string& status) {
    return impl_->Run<void>("complete outbound", [&](pqxx::connection& conn) -> Result<void> {
        pqxx::work txn(conn, "complete outbound");
        txn.exec_prepared("crm_outbound_complete", id, upstream_id, status);
        txn.commit();
        return outcome::success();
    });
}

Result<void> Store::RetryOutbound(std::int64_t id, Timestamp next_attempt_at, const std::string& error) {
    return impl_->Run<void>("retry outbound", [&](pqxx::connection& conn) -> Result<void> {
        pqxx::work txn(conn, "retry outbound");
        txn.exec_prepared("crm_outbound_retry", id, ToUnixMicros(next_attempt_at), error);
        txn.commit();
        return outcome::success();
    });
}

Result<void> Store::FailOutbound(std::int64_t id, const std::string& error) {
    return impl_->Run<void>("fail outbound", [&](pqxx::connection& conn) -> Result<void> {
        pqxx::work txn(conn, "fail outbound");
        txn.exec_prepared("crm_outbound_fail", id, error);
        txn.commit();
        return outcome::success();
    });
}

Result<std::vector<OutboundRow>> Store::ListOutbound(const std::string& source, const std::string& state) {
    return impl_->Run<std::vector<OutboundRow>>(
        "list outbound", [&](pqxx::connection& conn) -> Result<std::vector<OutboundRow>> {
            pqxx::nontransaction txn(conn, "list outbound");
            std::vector<OutboundRow> rows;
            for (const auto& row : txn.exec_prepared("crm_outbound_list", source, state)) {
                rows.push_back(ToOutboundRow(row));
            }
            return rows;
        });
}

Result<OutboundRow> Store::GetOutbound(std::int64_t id) {
    return impl_->Run<OutboundRow>("get outbound", [&](pqxx::connection& conn) -> Result<OutboundRow> {
        pqxx::nontransaction txn(conn, "get outbound");
        const pqxx::result rows = txn.exec_prepared("crm_outbound_get", id);
        if (rows.empty()) {
            return CrmErrc::kNotFound;
        }
        return ToOutboundRow(rows[0]);
    });
}

bool Store::Ping() {
    const auto alive = impl_->Run<bool>("ping", [](pqxx::connection& conn) -> Result<bool> {
        pqxx::nontransaction txn(conn, "ping");
        txn.exec("SELECT 1");
        return true;
    });
    return alive && alive.value();
}

}  // namespace carelisten::crm
