/// @file
/// @brief Optional e-mail acknowledgements (off by default): a patient who writes gets one reply with a
/// reference number, never to automated mail (noise), never to an address that opted out (consent), at most one
/// per thread per day (crm mail_acknowledgement).
#pragma once

#include <common/settings.hpp>
#include <connectors/raw_item.hpp>
#include <connectors/smtp/smtp_sender.hpp>
#include <crm/store.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace carelisten::daemon {

/// The `[mail_acknowledgement]` table.
const SettingsTable& MailAcknowledgementSettingsTable();

/// The reply text: `template_text` with every "{reference}" replaced by the reference number.
std::string AcknowledgementText(const std::string& template_text, const std::string& reference);
/// "CL-" and the item id, zero-padded to six digits.
std::string ReferenceNumber(std::int64_t item_id);

/// Lifecycle: built at start from validated settings (nullptr when disabled); AfterCommit runs on the ingest
/// (store) thread after a batch is committed and acknowledged upstream. Thread-safety: that thread only.
class MailAcknowledger {
public:
    /// nullptr when `enabled` is false. Throws std::invalid_argument for an unusable SMTP configuration.
    static std::unique_ptr<MailAcknowledger> Create(const Settings& settings);

    /// For every e-mail item of a listed source: claim (crm), send, record the outcome. Failures are logged
    /// (never patient data) and never undo the commit; a failed send is not retried (the claim stays 'failed').
    void AfterCommit(crm::Store& store, const std::string& source, const std::vector<connectors::RawItem>& items);

    /// Acknowledgements sent and failed since start (for tests and /metrics).
    std::uint64_t Sent() const { return sent_; }
    std::uint64_t Failed() const { return failed_; }
    /// Not sent because the address opted out of e-mail (consent registry, purpose acknowledgement or all).
    std::uint64_t Refused() const { return refused_; }

private:
    MailAcknowledger(const Settings& settings, connectors::smtp::SmtpSender sender);

    std::vector<std::string> sources_;
    std::string subject_prefix_;
    std::string template_text_;
    connectors::smtp::SmtpSender sender_;
    std::uint64_t sent_ = 0;
    std::uint64_t failed_ = 0;
    std::uint64_t refused_ = 0;
};

}  // namespace carelisten::daemon
