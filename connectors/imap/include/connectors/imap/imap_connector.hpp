/// @file
/// @brief imap: e-mail from one or more IMAP mailboxes through libcurl (imaps, TLS verified). Per mailbox the
/// cursor is UIDVALIDITY plus the highest committed UID; after the commit the messages are marked \Seen or
/// moved. See the folder's README.md.
#pragma once

#include <connectors/connector.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace carelisten::connectors::imap {

/// The factory listed in connectors/registry.
const ConnectorFactory& Factory();

/// What the cursor remembers of one mailbox.
struct MailboxState {
    std::uint64_t uidvalidity = 0;
    std::uint64_t uid = 0;        ///< highest UID whose message is committed (stored or quarantined)
    std::int64_t last_sweep = 0;  ///< unix seconds of the last sweep by date
};
/// JSON `{"mailboxes":{"INBOX":{"uidvalidity":n,"uid":n,"last_sweep":n}}}`.
using Cursor = std::map<std::string, MailboxState, std::less<>>;
std::string EncodeCursor(const Cursor& cursor);
std::optional<Cursor> DecodeCursor(std::string_view text);

/// Untagged-response parsers for the custom requests (pure; exposed for tests and the fuzz target).
/// "* SEARCH 3 5 9" lines → the numbers.
std::vector<std::uint64_t> ParseSearch(std::string_view response);
/// "* STATUS INBOX (UIDNEXT 7 UIDVALIDITY 3)" → {uidvalidity, uidnext}; nullopt when absent.
std::optional<std::pair<std::uint64_t, std::uint64_t>> ParseStatus(std::string_view response);
/// "* 1 FETCH (UID 5 RFC822.SIZE 1234)" lines → uid → size.
std::map<std::uint64_t, std::uint64_t> ParseSizes(std::string_view response);

/// Turns one whole RFC 5322 message into an item (external id = Message-ID, else the hash of the bytes), or a
/// bad record saying why it cannot be read. Pure.
std::variant<RawItem, BadRecord> MessageToItem(std::string_view source, std::string_view raw, std::string locator);

/// Lifecycle: created by the factory (no network then); Fetch and Acknowledge run synchronously on the
/// daemon's ingest (store) thread, one at a time, each request bounded by `timeout_seconds`.
/// Thread-safety: not thread-safe; the daemon never calls it concurrently (see Connector).
class ImapConnector final : public Connector {
public:
    ImapConnector(std::string name, const Settings& settings);
    ~ImapConnector() override;

    std::string_view Name() const override { return name_; }
    Result<Batch> Fetch(const std::optional<std::string>& cursor, std::size_t max_items) override;
    /// Marks the batch's messages \Seen (UID STORE) or moves them (UID MOVE) to `move_to`. Idempotent.
    Result<void> Acknowledge(const Batch& batch) override;
    /// Locators are "<mailbox>;UIDVALIDITY=<n>;UID=<n>"; an oversized message stays a bad record.
    std::variant<RawItem, BadRecord> ParseRecord(std::string_view raw, std::string_view locator) const override;

    /// The last fetch error's one-line detail (for tests and the log); empty after a success.
    const std::string& LastErrorDetail() const { return last_error_; }

private:
    struct Session;

    std::string name_;
    std::string url_;  ///< scheme://host[:port], no trailing slash
    std::string username_;
    std::vector<std::string> mailboxes_;
    bool plaintext_ = false;
    std::string ca_file_;
    std::uint64_t max_message_bytes_;
    bool move_ = false;
    std::string move_to_;
    std::int64_t sweep_interval_seconds_;
    std::int64_t sweep_days_;
    long timeout_ms_;
    std::string password_file_;
    std::string password_credential_;
    std::unique_ptr<Session> session_;
    std::string last_error_;
};

}  // namespace carelisten::connectors::imap
