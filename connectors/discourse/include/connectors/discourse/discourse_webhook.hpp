/// @file
/// @brief Discourse webhooks (push): signature verification and payload parsing, as pure functions the
/// daemon's public listener calls. A webhook item has the same (source, external_id) as the polled copy
/// of the post, so the two paths dedupe.
///
/// Discourse sends `POST <payload url>` with `X-Discourse-Event: post_created|post_edited|...`,
/// `X-Discourse-Event-Type: post`, `X-Discourse-Event-Id`, `X-Discourse-Instance: https://forum...` and
/// `X-Discourse-Event-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`; the body is `{"post": {...}}`.
/// The listener must verify the signature over the exact bytes received, before parsing.
#pragma once

#include <common/settings.hpp>
#include <connectors/discourse/discourse_wire.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace carelisten::connectors::discourse {

/// True when `header_value` is "sha256=<64 hex digits>" and equals HMAC-SHA256(secret, raw_body).
/// Constant-time in the digest comparison (CRYPTO_memcmp); hex digits are accepted in either case.
/// An empty secret never verifies (a webhook without a secret would accept anyone's posts).
bool VerifyDiscourseSignature(std::string_view secret, std::string_view raw_body, std::string_view header_value);

/// Why a webhook delivery gives no item.
struct WebhookError {
    enum class Kind {
        kIgnored,    ///< a valid delivery of an event we do not store (ping, topic_created, post_destroyed):
                     ///< answer 200 so Discourse does not retry
        kMalformed,  ///< the body or headers are not a Discourse post event: answer 400
    };
    Kind kind;
    std::string reason;  ///< for the log: never the post's content
};

/// Parses a verified delivery. `headers` have lower-case names. post_created and post_edited (and
/// post_recovered) give an item; an edit's item carries version = the post's `version` when > 1.
std::variant<RawItem, WebhookError> ParseDiscourseWebhook(
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body, const ItemOptions& options);

/// The same, with the options built from a `[sources.<name>]` table of type "discourse" (base_url,
/// communities), as the daemon holds it. A communities list that does not parse gives kMalformed.
std::variant<RawItem, WebhookError> ParseDiscourseWebhook(
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body,
    const std::string& source_name, const Settings& settings);

}  // namespace carelisten::connectors::discourse
