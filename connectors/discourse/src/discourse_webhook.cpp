#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <connectors/discourse/discourse_webhook.hpp>
#include <connectors/wire_util.hpp>
#include <string>

#include "post_item.hpp"

namespace carelisten::connectors::discourse {
namespace {

constexpr std::string_view kSignaturePrefix = "sha256=";
constexpr std::size_t kDigestBytes = 32;

std::string_view HeaderValue(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name) {
    for (const auto& [key, value] : headers) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

}  // namespace

bool VerifyDiscourseSignature(std::string_view secret, std::string_view raw_body, std::string_view header_value) {
    if (secret.empty() || !header_value.starts_with(kSignaturePrefix)) {
        return false;
    }
    const std::string_view hex = header_value.substr(kSignaturePrefix.size());
    if (hex.size() != kDigestBytes * 2) {
        return false;
    }
    std::array<unsigned char, kDigestBytes> claimed{};
    for (std::size_t i = 0; i < kDigestBytes; ++i) {
        const int high = HexDigitValue(hex[2 * i]);
        const int low = HexDigitValue(hex[2 * i + 1]);
        if (high < 0 || low < 0) {
            return false;
        }
        claimed[i] = static_cast<unsigned char>(high * 16 + low);
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> computed{};
    unsigned int computed_length = 0;
    if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(raw_body.data()), raw_body.size(), computed.data(),
             &computed_length) == nullptr ||
        computed_length != kDigestBytes) {
        return false;
    }
    return CRYPTO_memcmp(claimed.data(), computed.data(), kDigestBytes) == 0;
}

std::variant<RawItem, WebhookError> ParseDiscourseWebhook(
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body,
    const ItemOptions& options) {
    const std::string_view event = HeaderValue(headers, "x-discourse-event");
    const std::string_view event_type = HeaderValue(headers, "x-discourse-event-type");
    if (event.empty()) {
        return WebhookError{WebhookError::Kind::kMalformed, "no X-Discourse-Event header"};
    }
    if (event == "ping") {
        return WebhookError{WebhookError::Kind::kIgnored, "ping"};
    }
    if (event_type != "post" || (event != "post_created" && event != "post_edited" && event != "post_recovered")) {
        return WebhookError{WebhookError::Kind::kIgnored,
                            "event " + std::string(event.substr(0, 64)) + " is not stored"};
    }
    rapidjson::Document document;
    document.Parse<detail::kParseFlags>(body.data(), body.size());
    if (document.HasParseError() || !document.IsObject()) {
        return WebhookError{WebhookError::Kind::kMalformed, "body is not a JSON object"};
    }
    const auto post = document.FindMember("post");
    if (post == document.MemberEnd() || !post->value.IsObject()) {
        return WebhookError{WebhookError::Kind::kMalformed, "body has no post object"};
    }
    auto outcome = detail::PostToItem(post->value, options);
    if (auto* item = std::get_if<RawItem>(&outcome)) {
        return std::move(*item);
    }
    if (auto* reason = std::get_if<std::string>(&outcome)) {
        return WebhookError{WebhookError::Kind::kMalformed, "post " + std::move(*reason)};
    }
    return WebhookError{WebhookError::Kind::kIgnored, "post is deleted or a small action"};
}

std::variant<RawItem, WebhookError> ParseDiscourseWebhook(
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body,
    const std::string& source_name, const Settings& settings) {
    ItemOptions options;
    options.source = source_name;
    options.base_url = settings.GetString("base_url");
    while (!options.base_url.empty() && options.base_url.back() == '/') {
        options.base_url.pop_back();
    }
    std::string error;
    auto communities = ParseCommunities(settings.GetStringList("communities"), error);
    if (!communities) {
        return WebhookError{WebhookError::Kind::kMalformed, error};
    }
    options.communities = std::move(*communities);
    return ParseDiscourseWebhook(headers, body, options);
}

}  // namespace carelisten::connectors::discourse
