/// @file
/// @brief The crm store: one PostgreSQL connection and the repositories the daemon and CLI use.
#pragma once

#include <chrono>
#include <common/result.hpp>
#include <crm/records.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace carelisten::crm {

/// One connection to the CRM database. Lifecycle: Open() connects; if the server goes away, the
/// failing call returns CrmErrc::kRetry and the next call reconnects. Thread-safety: none; use one
/// Store per thread.
class Store {
public:
    /// `conninfo` is a libpq connection string or URI (password not included: see `password`).
    static Result<std::unique_ptr<Store>> Open(const std::string& conninfo, const std::string& password = {});
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    /// Writes a whole batch in ONE transaction: items (ON CONFLICT (source, external_id) DO NOTHING),
    /// cases for flagged new items, quarantined records, and the source's cursor. Either all of it is
    /// committed or none of it.
    Result<IngestOutcome> Ingest(const IngestBatch& batch);

    /// Takes or renews `source`'s lease for `holder` until now + `duration`: the fencing token (the same while
    /// `holder` keeps it, one more at every change of holder), or nullopt while another holder's lease is live.
    Result<std::optional<std::int64_t>> AcquireSourceLease(const std::string& source, const std::string& holder,
                                                           std::chrono::seconds duration);
    /// Has the server end this connection when a transaction stays idle (the client stopped mid-transaction: a
    /// frozen replica) for `timeout`, releasing its locks; kept across reconnects. 0 turns it off.
    Result<void> LimitIdleTransactions(std::chrono::seconds timeout);
    /// Ends every lease of `holder` at once (a clean stop), so other replicas take the sources without waiting.
    Result<void> ReleaseSourceLeases(const std::string& holder);
    Result<std::vector<SourceLeaseRow>> ListSourceLeases();

    /// The cursor last committed for a source, or nullopt for a new source.
    Result<std::optional<std::string>> LoadCursor(const std::string& source);

    /// For an e-mail acknowledgement: claims the (source, thread, today) slot for the stored item
    /// (source, external_id) and returns who to answer; nullopt when the item is not a stored e-mail, is noise
    /// (automated mail, spam), has no author, or its thread was already acknowledged today. The claim is
    /// committed before the caller sends, so nothing is ever acknowledged twice.
    Result<std::optional<AcknowledgementClaim>> ClaimMailAcknowledgement(const std::string& source,
                                                                         const std::string& external_id);
    /// Records the outcome of a claimed acknowledgement ('sent' with its Message-ID, or 'failed').
    Result<void> FinishMailAcknowledgement(const AcknowledgementClaim& claim, bool sent, const std::string& message_id);

    Result<std::vector<ItemRow>> ListItems(const ListFilter& filter);
    Result<std::vector<CaseRow>> ListCases(const ListFilter& filter);
    /// Open cases, and those open longer than their urgency's target at `now`.
    Result<CaseCounts> CountCases(Timestamp now, const CaseTargets& targets);
    Result<std::vector<QuarantineRow>> ListQuarantine(const ListFilter& filter, bool include_replayed);
    Result<QuarantineRow> GetQuarantine(std::int64_t id);
    /// A replay that failed again: counts the attempt and records the new reason.
    Result<void> RecordFailedReplay(std::int64_t id, const std::string& reason);

    /// Items received at or after `since` with id above `after_id`, in id order, at most `limit` (keyset
    /// pagination for re-analysis: pass the last id of one page to get the next).
    Result<std::vector<StoredText>> ListForReanalysis(Timestamp since, std::int64_t after_id, std::size_t limit);
    /// Writes the analysis columns of the given items in ONE transaction; returns how many rows it updated.
    /// Touches nothing else: no case, no case_id, no duplicate_of.
    Result<std::size_t> UpdateAnalyses(const std::vector<AnalysisUpdate>& updates);

    /// Adds a patient with their contacts; returns the new id.
    Result<std::int64_t> AddPatient(const NewPatient& patient);

    /// Whether a message for `purpose` may go to `contact` on `channel` now: false when the contact opted out of
    /// that purpose or of "all" (and did not opt in again later). Every sender calls this right before sending.
    Result<bool> MaySend(const std::string& contact, const std::string& channel, const std::string& purpose);
    /// Records a consent change (operator, unsubscribe link) with its history event.
    Result<void> RecordConsent(const std::string& contact, const std::string& channel, const std::string& purpose,
                               bool opted_in, const std::string& reason);

    /// Queues a message (state queued) and returns its row; with a dedupe_key already queued, returns that row.
    Result<OutboundRow> EnqueueOutbound(const NewOutbound& message);
    /// The next due queued message of `source`, marked 'sending' (attempts + 1) and committed before it is
    /// returned; due messages whose recipient has no consent any more become 'refused' on the way. nullopt: none.
    Result<std::optional<OutboundRow>> ClaimOutbound(const std::string& source);
    /// The API accepted it: 'sent' (or 'failed' when the answer says so), with the upstream's id and status.
    Result<void> CompleteOutbound(std::int64_t id, const std::string& upstream_id, const std::string& status);
    /// Not sent, and known not to be (429/20429, connection refused before the request): back to 'queued'.
    Result<void> RetryOutbound(std::int64_t id, Timestamp next_attempt_at, const std::string& error);
    /// Refused for good by the upstream (invalid number, 21610 opted out at the carrier): 'failed'.
    Result<void> FailOutbound(std::int64_t id, const std::string& error);
    /// Messages of `source` in `state` (oldest first), e.g. the 'sending' rows to reconcile after a crash.
    Result<std::vector<OutboundRow>> ListOutbound(const std::string& source, const std::string& state);
    Result<OutboundRow> GetOutbound(std::int64_t id);

    /// True when a query succeeds (for /readyz).
    bool Ping();

    /// Called after every Ingest() transaction with its wall time and whether it committed (for the
    /// daemon's transaction latency histogram). Set it before use; called on the caller's thread.
    using TransactionObserver = std::function<void(std::chrono::steady_clock::duration elapsed, bool committed)>;
    void SetTransactionObserver(TransactionObserver observer);

    struct Impl;

private:
    friend class SurveyRepository;   // the survey tables' repository shares this connection
    friend class ConsoleRepository;  // and so does the console's
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// "libpq <version>, libpqxx <version>", for the daemon's start-up log line.
std::string ClientLibraryVersions();

}  // namespace carelisten::crm
