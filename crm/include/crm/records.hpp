/// @file
/// @brief Records the crm module stores and returns. crm owns these types: it knows nothing of
/// connectors' wire formats or of nlp types (daemon/mapping.cpp translates into them).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace carelisten::crm {

using Timestamp = std::chrono::system_clock::time_point;

/// One feedback item with its analysis, as it is to be stored.
struct NewItem {
    std::string source;       ///< configured source name, e.g. "hospital_drop"
    std::string external_id;  ///< the upstream's id; (source, external_id) is unique
    std::string channel;      ///< sms, email, social, review, forum, survey or unknown
    std::string author;       ///< upstream author handle or name; may be empty
    std::string text;
    std::string url;
    std::optional<Timestamp> posted_at;
    std::string thread_id;  ///< the conversation (topic, tweet conversation, e-mail thread), '' when unknown
    std::string reply_to;   ///< the upstream id of the message this one answers, '' when none
    /// '' for the first version; an edited item (a review changed by its author) is stored again with its
    /// version, so (source, external_id, version) is unique.
    std::string version;
    std::optional<int> rating;  ///< star rating 1..5 (reviews)
    std::string community;      ///< a forum post's condition community (diabetes, cancer, ...), '' when none
    std::string care_unit;      ///< the care unit it concerns (from the community's configured unit), or ''

    // Analysis
    std::string language;
    std::string sentiment_label;  ///< positive, neutral or negative
    double sentiment_score = 0.0;
    bool sentiment_scored = true;
    bool is_noise = false;
    std::vector<std::string> noise_reasons;
    std::vector<std::string> categories;
    std::string urgency;  ///< none, low, high or critical
    std::vector<std::string> red_flags;
    std::string analyzer_version;
    /// Opens or extends a case: decided by the daemon's policy (negative beyond a threshold, or urgent).
    bool flagged = false;
    /// The analyzer's SimHash; nullopt when the text is too short to compare. An item within
    /// kNearDuplicateMaxDistance bits of an item received in the last kNearDuplicateWindow (any source) is
    /// stored as a near-duplicate of that first copy: duplicate_of set, noise reason "near_duplicate", no case.
    std::optional<std::uint64_t> similarity_hash;
    std::string question;  ///< the survey question the text answers, kept for re-analysis
};

/// Near-duplicate linking: how close two similarity hashes must be, and how far back the first copy may be.
/// (The same distance as nlp::kNearDuplicateMaxDistance; at most 3, which the four 16-bit band indexes of
/// V003 guarantee to find.)
inline constexpr int kNearDuplicateMaxDistance = 3;
inline constexpr std::chrono::hours kNearDuplicateWindow{24 * 7};

/// Input that could not be turned into an item: kept with its reason and (capped) raw bytes.
struct NewQuarantine {
    std::string source;
    std::string locator;  ///< where in the source, e.g. "file.jsonl:1234"; (source, locator) is unique
    std::string reason;   ///< what was wrong, without the content itself
    std::string raw;      ///< raw bytes, at most kMaxQuarantineRawBytes (longer input is cut)
    bool raw_truncated = false;
};

inline constexpr std::size_t kMaxQuarantineRawBytes = 64 * 1024;

/// A delivery report for a message the hospital sent (Twilio's status callback), found by the outbox marker.
struct DeliveryReport {
    std::string marker;
    std::string upstream_id;
    std::string status;  ///< the upstream's word: queued, sent, delivered, undelivered, failed, ...
    std::string error_code;
};

/// Everything one ingest transaction writes: items, quarantined input and the source's new cursor.
///
/// Besides storing items, the ingest (only for items it newly inserts, so re-delivery changes nothing):
///  - links an sms/email item to the patient whose contact is its author (E.164 / lower-case e-mail) when
///    exactly one patient has it, else sets patient_match 'none' or 'ambiguous';
///  - records a consent change for an sms item whose noise_reasons hold "opt_out" or "opt_in" (the keyword
///    messages STOP/START: stored as noise, never a case), purpose "all", in batch order;
///  - applies delivery reports to the outbox.
/// The lease a polled source's batch is stored under (several replicas, crm V009): the batch commits only while
/// `holder` still holds the source with `fencing_token`, and the commit renews the lease for `duration`.
struct SourceLease {
    std::string holder;
    std::int64_t fencing_token = 0;
    std::chrono::seconds duration{30};
};

/// A row of source_lease, for status and tests.
struct SourceLeaseRow {
    std::string source;
    std::string holder;
    std::int64_t fencing_token = 0;
    Timestamp expires_at;
};

struct IngestBatch {
    std::string source;
    /// Set for polled sources: the batch is refused whole (CrmErrc::kLeaseLost) unless the lease still holds.
    std::optional<SourceLease> lease;
    std::vector<NewItem> items;
    std::vector<NewQuarantine> quarantined;
    std::optional<std::string> next_cursor;  ///< stored in the same transaction, when set
    /// A quarantined record being replayed: marked replayed in the same transaction.
    std::optional<std::int64_t> replayed_quarantine_id;
    std::vector<DeliveryReport> delivery_reports;
    /// Set when the items are still being completed (analyzed) on other threads while Ingest runs, so the
    /// database work and the analysis overlap: until await_item(i) returns, only the keys of items[i] (source,
    /// external_id, version) may be read; Ingest calls it before reading anything else of an item. It may throw
    /// (the analysis failed): the transaction then rolls back. Empty: the items are complete.
    std::function<void(std::size_t item_index)> await_item;
};

struct IngestOutcome {
    std::size_t inserted = 0;
    std::size_t duplicates = 0;   ///< already stored: re-delivery is a no-op
    std::size_t quarantined = 0;  ///< newly quarantined (a re-delivered bad record counts once)
    std::size_t cases_opened = 0;
    std::size_t cases_extended = 0;
    std::size_t near_duplicates = 0;   ///< new items linked to an earlier first copy (no case)
    std::size_t consent_changes = 0;   ///< opt-out/opt-in keyword messages recorded in the consent registry
    std::size_t patients_linked = 0;   ///< new items linked to exactly one patient
    std::size_t delivery_reports = 0;  ///< outbox rows a delivery report updated
};

/// A patient as the hospital's systems know them (an importer or the tests add them). Phones must already be
/// E.164 and e-mail addresses are lower-cased by the store.
struct NewPatient {
    std::optional<std::string> mrn;
    std::vector<std::string> phones;
    std::vector<std::string> emails;
    /// Forum identities the hospital linked to the patient: "<source name>/<username>" (case-insensitive).
    std::vector<std::string> forum_names;
};

/// A message to send. Consent is checked again right before it is sent.
struct NewOutbound {
    std::string source;     ///< the configured source that sends it (e.g. the twilio_sms source)
    std::string channel;    ///< sms or email
    std::string recipient;  ///< E.164 for sms, lower-case address for email
    std::string purpose;    ///< e.g. survey, acknowledgement, operator
    std::string body;
    std::optional<std::string> dedupe_key;  ///< the same key is queued once
};

struct OutboundRow {
    std::int64_t id = 0;
    std::string marker;  ///< unique, random: put in the StatusCallback URL
    std::string source;
    std::string channel;
    std::string recipient;
    std::string purpose;
    std::string body;
    std::string state;  ///< queued, sending, sent, delivered, failed or refused
    std::string upstream_id;
    std::string upstream_status;
    std::string error;
    std::int64_t attempts = 0;
    Timestamp created_at;
    Timestamp updated_at;  ///< for 'sending': when the send began
};

struct ItemRow {
    std::int64_t id = 0;
    std::string source;
    std::string external_id;
    std::string channel;
    std::string language;
    std::string sentiment_label;
    double sentiment_score = 0.0;
    bool is_noise = false;
    std::vector<std::string> noise_reasons;
    std::vector<std::string> categories;
    std::string urgency;
    std::vector<std::string> red_flags;
    std::string analyzer_version;
    std::optional<std::int64_t> case_id;
    Timestamp received_at;
    std::optional<std::int64_t> duplicate_of;  ///< the first copy, for a near-duplicate
};

/// What re-analysis reads of a stored item: the analyzer's input and the decisions it must keep.
struct StoredText {
    std::int64_t id = 0;
    std::string channel;
    std::string text;
    std::string question;
    std::optional<int> rating;               ///< star rating 1..5 (reviews): evidence for sentiment
    std::vector<std::string> noise_reasons;  ///< as stored (some come from evidence not stored, e.g. mail headers)
    std::optional<std::int64_t> case_id;
    std::optional<std::int64_t> duplicate_of;
    std::string analyzer_version;
};

/// New analysis columns for a stored item. Re-analysis writes only these: never case_id, duplicate_of or any
/// case, which are staff's and the ingest's decisions.
struct AnalysisUpdate {
    std::int64_t id = 0;
    std::string language;
    std::string sentiment_label;
    double sentiment_score = 0.0;
    bool sentiment_scored = true;
    bool is_noise = false;
    std::vector<std::string> noise_reasons;
    std::vector<std::string> categories;
    std::string urgency;
    std::vector<std::string> red_flags;
    std::string analyzer_version;
    std::optional<std::uint64_t> similarity_hash;
};

struct CaseRow {
    std::int64_t id = 0;
    std::string source;
    std::string status;   ///< open or closed
    std::string urgency;  ///< highest urgency among its items
    double min_sentiment_score = 0.0;
    std::int64_t item_count = 0;
    Timestamp opened_at;
    Timestamp updated_at;
};

/// How long an open case of each urgency may wait for a response before it is overdue.
struct CaseTargets {
    std::chrono::hours critical{4};
    std::chrono::hours high{24};
    std::chrono::hours low{72};
    std::chrono::hours none{120};
};

struct CaseCounts {
    std::int64_t open = 0;
    std::int64_t overdue = 0;  ///< open longer than the target of its urgency
};

struct QuarantineRow {
    std::int64_t id = 0;
    std::string source;
    std::string locator;
    std::string reason;
    std::string raw;
    bool raw_truncated = false;
    std::int64_t attempts = 0;
    Timestamp first_seen;
    std::optional<Timestamp> replayed_at;
};

struct ListFilter {
    std::optional<std::string> source;
    std::size_t limit = 100;
};

/// A claimed e-mail acknowledgement (Store::ClaimMailAcknowledgement): who to answer and about which item.
struct AcknowledgementClaim {
    std::int64_t item_id = 0;  ///< also the reference number given to the patient
    std::string source;
    std::string thread_id;
    std::string sent_on;  ///< the claimed day (YYYY-MM-DD, database time zone)
    std::string author;   ///< the address to answer
    std::string text;     ///< the stored item text (its first line is the subject)
};

}  // namespace carelisten::crm
