/// @file
/// @brief smtp: sends one e-mail through libcurl (smtps, or smtp with mandatory STARTTLS; TLS always verified),
/// built as proper MIME by GMime: UTF-8 text, Message-ID, In-Reply-To/References for replies, Auto-Submitted.
#pragma once

#include <chrono>
#include <common/result.hpp>
#include <common/secret.hpp>
#include <string>
#include <vector>

namespace carelisten::connectors::smtp {

struct SmtpSettings {
    /// smtps://host[:port] (implicit TLS) or smtp://host[:port] (STARTTLS required); smtp:// without TLS only to
    /// loopback with allow_plaintext_loopback (tests).
    std::string url;
    std::string username;  ///< empty: no AUTH
    SecretSource password;
    std::string ca_file;  ///< PEM bundle for an internal CA; empty: the system store
    bool allow_plaintext_loopback = false;
    std::string from_address;  ///< the envelope and header sender, e.g. feedback@hospital.example
    std::string from_name;     ///< display name, may be empty
    std::chrono::milliseconds timeout{20000};
};

struct OutgoingMail {
    std::string to;  ///< one recipient address
    std::string subject;
    std::string text;                     ///< UTF-8 plain text
    std::string in_reply_to;              ///< Message-ID (without <>) this answers; empty for a new thread
    std::vector<std::string> references;  ///< the thread's ids, oldest first (without <>)
    /// RFC 3834: "auto-replied" for acknowledgements, so that the recipient's robots never answer them.
    std::string auto_submitted;
    std::string message_id;  ///< without <>; generated ("<random>@<from domain>") when empty
};

/// The RFC 5322 message (CRLF line ends): pure, for tests and for recording what was sent.
std::string BuildMessage(const OutgoingMail& mail, const std::string& from_address, const std::string& from_name,
                         const std::string& message_id);

/// A fresh "<random hex>@<domain of from_address>" id, without <>.
std::string NewMessageId(const std::string& from_address);

/// Lifecycle: plain value holder; Send opens one connection per call. Thread-safety: Send may run on any one
/// thread at a time per sender (libcurl easy handle per call). Errors are ConnectorErrc: kRetryLater (network,
/// 4xx), kAuthBroken (login refused), kPermanent (5xx for the recipient, TLS or configuration).
class SmtpSender {
public:
    /// Throws std::invalid_argument for an unusable configuration (plaintext to a remote host, no from address).
    explicit SmtpSender(SmtpSettings settings);

    /// Sends `mail`; the Message-ID it was sent with (generated when `mail.message_id` is empty).
    Result<std::string> Send(const OutgoingMail& mail) const;

private:
    SmtpSettings settings_;
    bool plaintext_ = false;
};

}  // namespace carelisten::connectors::smtp
