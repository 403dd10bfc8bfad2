/// @file
/// @brief RFC 5322 / MIME messages to text, with GMime. Pure functions of the bytes: no I/O.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace carelisten::connectors::mail {

struct MailHeader {
    std::string name;
    std::string value;  ///< unfolded and decoded, valid UTF-8
};

struct MailText {
    std::vector<MailHeader> headers;  ///< the top-level headers in order (auto-reply and bulk rules need them)
    std::string subject;              ///< decoded (RFC 2047) to UTF-8
    std::string body;                 ///< the first text/plain part (else text/html reduced to text), decoded to UTF-8
};

/// One attachment, recorded by what it is, never by its content.
struct MailAttachment {
    std::string name;          ///< the filename parameter, empty when none
    std::string content_type;  ///< e.g. "application/pdf"
    std::size_t size = 0;      ///< decoded bytes
};

/// Everything the IMAP connector keeps of a message.
struct MailMessage {
    std::vector<MailHeader> headers;
    std::string subject;
    /// What the sender wrote in this message: quoted earlier messages and the signature removed.
    std::string new_text;
    /// What was removed from new_text (attribution line, quoted lines, forwarded original, signature).
    std::string quoted_text;
    bool body_from_html = false;          ///< no text/plain part: the HTML part was reduced to text
    std::string message_id;               ///< without angle brackets; empty when the message has none
    std::string in_reply_to;              ///< the first id of In-Reply-To, without angle brackets
    std::vector<std::string> references;  ///< References, oldest first, without angle brackets
    std::string from_address;             ///< the first mailbox of From, lower-cased domain as written
    std::optional<std::chrono::system_clock::time_point> date;
    std::vector<MailAttachment> attachments;

    /// The thread root: the first of References, else In-Reply-To, else the own Message-ID.
    std::string ThreadRoot() const;
};

/// Parses a whole message (loose RFC 2047 mode); nullopt when GMime cannot read it as a message at all
/// (no header block). Every text field is valid UTF-8 whatever the declared charsets.
std::optional<MailMessage> ParseMail(std::string_view message);

/// The new text of a plain-text body and what was quoted: a line "-- " starts the signature; an
/// "-----Original Message-----" separator, an Outlook "From:/Sent:" block, or an attribution line
/// ("On ... wrote:", "Am ... schrieb ...:", "Le ... a écrit :") followed by quoted lines starts the quoted
/// original; lines starting with '>' are quoted wherever they are (inline replies keep their new lines).
struct QuoteSplit {
    std::string new_text;
    std::string quoted_text;
};
QuoteSplit SplitQuoted(std::string_view text);

/// "sha256:<hex>" of the raw bytes: the identity of a message without a Message-ID.
std::string RawMessageId(std::string_view message);

/// Parses a whole message; nullopt when GMime cannot read it as a message at all.
std::optional<MailText> ParseMailText(std::string_view message);

/// Subject and body joined by a blank line, or the raw input when it is not a message.
std::string ExtractMailText(std::string_view message);

}  // namespace carelisten::connectors::mail
