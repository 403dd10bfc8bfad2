/// @file
/// @brief RFC 5322 / MIME messages to text, with GMime. A pure function of the bytes: no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace carelisten::connectors::mail {

struct MailHeader {
    std::string name;
    std::string value;  ///< unfolded and decoded
};

struct MailText {
    std::vector<MailHeader> headers;  ///< the top-level headers in order (auto-reply and bulk rules need them)
    std::string subject;              ///< decoded (RFC 2047) to UTF-8
    std::string body;     ///< the first text/plain part (else text/html reduced to text), decoded to UTF-8
};

/// Parses a whole message; nullopt when GMime cannot read it as a message at all.
std::optional<MailText> ParseMailText(std::string_view message);

/// Subject and body joined by a blank line, or the raw input when it is not a message.
std::string ExtractMailText(std::string_view message);

}  // namespace carelisten::connectors::mail
