/// @file
/// @brief What the e2e tier sends into a running carelistend as its peers do: Twilio's signed webhooks, HL7 over
/// MLLP, mail delivered into Dovecot's maildir; and small readers of what the daemon leaves behind.
#pragma once

#include <connectors/twilio/twilio_wire.hpp>
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace carelisten::e2e {

/// The file's content without trailing line breaks ("" when missing).
std::string TrimmedFile(const std::filesystem::path& path);

/// The status code of a whole HTTP answer ("HTTP/1.1 200 OK..."), 0 when there is none.
int StatusOf(const std::string& answer);

/// POSTs a form to the daemon's webhook listener as Twilio does; `token` signs it for `public_base` + `target`
/// (empty: no signature header). Returns the whole answer ("" when unreachable).
std::string PostTwilioForm(const std::string& address, const std::string& target,
                           const connectors::twilio::FormParams& params, std::string_view token,
                           std::string_view public_base);

/// The parameters of an inbound SMS webhook, as Twilio sends them.
connectors::twilio::FormParams TwilioInbound(std::string_view account, const std::string& sid, const std::string& from,
                                             const std::string& body);

/// HL7 v2 timestamp (YYYYMMDDHHMMSS+0000) of `seconds`.
std::string Hl7Time(std::time_t seconds);

/// An HL7 v2.5 ADT^A03 (discharge) of one patient `days_ago` days ago at CITYHOSP's cardiology unit (CARD), under
/// Dr Asha Rao (D1001), with the patient's e-mail address in PID-13.
std::string Hl7Discharge(const std::string& control_id, const std::string& mrn, const std::string& family_name,
                         const std::string& email, int days_ago);

/// The example question set (surveys/examples/cardiology.toml) for every unit ('*') and without quiet hours: tests
/// run on the real clock, and quiet hours would hold invitations back at some times of day.
std::string AnyHourQuestionSet();

/// Sends MLLP frames on one connection and reads one framed answer per frame. Throws when the peer is unreachable
/// or closes early.
std::vector<std::string> MllpExchange(const std::string& address, const std::vector<std::string>& messages);

/// The Dovecot fixture's directory ($CARELISTEN_TEST_DOVECOT_DIR), empty when unset.
std::filesystem::path DovecotDir();

/// Creates the maildir folder `mailbox` of the fixture's user, owned by the server user.
void CreateMailbox(const std::string& mailbox);

/// Delivers into the maildir as an MDA does (tmp/ then new/), owned by the server user.
void DeliverMail(const std::string& mailbox, const std::string& name, const std::string& message);

/// Messages in a maildir folder (new/ and cur/), counted on disk.
long long MaildirCount(const std::string& mailbox);

}  // namespace carelisten::e2e
