/// @file
/// @brief Twilio's wire formats, as pure functions: the webhook form body, the X-Twilio-Signature scheme,
/// the Messages list page (2010 API JSON), the API's error body, and the SMS consent keywords.
#pragma once

#include <chrono>
#include <connectors/raw_item.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace carelisten::connectors::twilio {

/// Name/value pairs in arrival order (a name may repeat, e.g. MediaUrl0 never does but callers may send lists).
using FormParams = std::vector<std::pair<std::string, std::string>>;

/// Largest form body accepted (Twilio's inbound SMS webhook is a few hundred bytes; 10 media URLs a few KB).
inline constexpr std::size_t kMaxFormBytes = 256U * 1024U;

/// Parses application/x-www-form-urlencoded (`+` is a space, %XX escapes). Nullopt when the body is too
/// big, an escape is broken, or a name or value is not valid UTF-8.
std::optional<FormParams> ParseForm(std::string_view body);

/// The first value of `name`, or nullptr.
const std::string* FindParam(const FormParams& params, std::string_view name);

/// Percent-encodes for a form body or query (RFC 3986 unreserved characters kept).
std::string FormEncode(std::string_view text);

/// base64(HMAC-SHA1(auth_token, url + every (name, value) sorted by name then value, concatenated)), exactly
/// as twilio-python's RequestValidator.compute_signature builds it (repeated identical pairs count once).
std::string ComputeSignature(std::string_view auth_token, std::string_view url, const FormParams& params);

/// True when `signature` (the X-Twilio-Signature header) signs `url` and `params`, compared in constant time.
/// Like Twilio's SDKs, the URL is tried with its explicit port removed and with the scheme's default port
/// added, since Twilio may sign either form depending on how the webhook URL was configured.
bool VerifySignature(std::string_view auth_token, std::string_view url, const FormParams& params,
                     std::string_view signature);

/// What a short SMS means for consent (Twilio's default opt-out, opt-in and help keywords).
enum class Keyword { kNone, kOptOut, kOptIn, kHelp };

/// The keyword an SMS body is, case-insensitive, ignoring surrounding whitespace and trailing punctuation:
/// STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT -> kOptOut; START, UNSTOP, YES -> kOptIn;
/// HELP, INFO -> kHelp. A sentence that merely contains "stop" is kNone (it is feedback).
Keyword ClassifyKeyword(std::string_view body);

/// Parses an RFC 2822 date as the 2010 API writes it ("Wed, 18 Aug 2010 20:01:40 +0000").
std::optional<Timestamp> ParseRfc2822(std::string_view text);

/// How Twilio items are built.
struct ItemOptions {
    std::string source;
    std::string default_region = "IN";  ///< for numbers without a country code (ISO 3166 alpha-2)
};

/// Why a page could not be read at all.
struct WireError {
    std::string reason;
};

/// One page of GET /2010-04-01/Accounts/{Sid}/Messages.json.
struct MessagesPage {
    std::vector<RawItem> items;  ///< inbound messages only, in the page's order (newest first)
    std::vector<BadRecord> bad_records;
    std::size_t outbound_skipped = 0;
    std::string next_page_uri;             ///< empty on the last page; relative to the API host, carries PageToken
    std::optional<Timestamp> oldest_sent;  ///< the oldest date_sent on the page (any direction)
};

/// Raw records are quarantined up to this size (the crm cap).
inline constexpr std::size_t kMaxQuarantineRawBytes = 64 * 1024;

/// Largest page body accepted (a page of 1000 messages with long bodies is well below this).
inline constexpr std::size_t kMaxPageBytes = 16U * 1024U * 1024U;

std::variant<MessagesPage, WireError> ParseMessagesPage(std::string_view body, const ItemOptions& options);

/// One message object of the list (as quarantined), re-parsed. A non-inbound message is a BadRecord-worthy
/// reason too ("outbound message").
std::variant<RawItem, std::string> ParseMessageRecord(std::string_view raw, const ItemOptions& options);

/// The item of an inbound-SMS webhook (MessageSid, From, To, Body, NumMedia...), or why it is unusable.
std::variant<RawItem, std::string> InboundFormToItem(const FormParams& params, const ItemOptions& options);

/// The API's error body {"code":20429,"message":"...","more_info":"...","status":429}.
struct ApiError {
    long code = 0;
    std::string message;
};
std::optional<ApiError> ParseApiError(std::string_view body);

/// The answer to POST .../Messages.json: the new message's sid and status.
struct SendAnswer {
    std::string sid;
    std::string status;
};
std::optional<SendAnswer> ParseSendAnswer(std::string_view body);

/// Messages found by listing (for reconciling sends whose answer was lost): sid, status and the
/// StatusCallback marker is not listed by Twilio, so reconciliation matches on (to, body, date_created).
struct ListedMessage {
    std::string sid;
    std::string to;
    std::string body;
    std::string status;
    std::string direction;
    std::optional<Timestamp> date_created;
};
std::optional<std::vector<ListedMessage>> ParseListedMessages(std::string_view body, std::string* next_page_uri);

}  // namespace carelisten::connectors::twilio
