#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <connectors/twilio/phone.hpp>
#include <connectors/twilio/twilio_wire.hpp>
#include <connectors/wire_util.hpp>
#include <cstring>
#include <ctime>

namespace carelisten::connectors::twilio {
namespace {

constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
constexpr std::size_t kMaxRawRecordBytes = 8192;

std::optional<std::string> Unescape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            if (i + 2 >= text.size()) {
                return std::nullopt;
            }
            const int high = HexDigitValue(text[i + 1]);
            const int low = HexDigitValue(text[i + 2]);
            if (high < 0 || low < 0) {
                return std::nullopt;
            }
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += c;
        }
    }
    if (!IsValidUtf8(out)) {
        return std::nullopt;
    }
    return out;
}

std::string Base64(const unsigned char* data, std::size_t size) {
    std::string out(4 * ((size + 2) / 3) + 1, '\0');
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
    out.resize(static_cast<std::size_t>(std::max(written, 0)));
    return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The URL split where the authority ends: scheme, host, explicit port (may be empty), the rest.
struct UrlParts {
    std::string scheme;
    std::string host;
    std::string port;
    std::string rest;
};

std::optional<UrlParts> SplitUrl(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        return std::nullopt;
    }
    UrlParts parts;
    parts.scheme = std::string(url.substr(0, scheme_end));
    std::transform(parts.scheme.begin(), parts.scheme.end(), parts.scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view after = url.substr(scheme_end + 3);
    const auto authority_end = after.find_first_of("/?#");
    std::string_view authority = after.substr(0, authority_end);
    parts.rest = authority_end == std::string_view::npos ? std::string() : std::string(after.substr(authority_end));
    // userinfo is kept with the host (Twilio signs it as configured).
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
        parts.host = std::string(authority.substr(0, colon));
        parts.port = std::string(authority.substr(colon + 1));
    } else {
        parts.host = std::string(authority);
    }
    return parts;
}

std::string Lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string GetString(const rapidjson::Value& object, const char* name) {
    const auto member = object.FindMember(name);
    if (member == object.MemberEnd() || !member->value.IsString()) {
        return {};
    }
    return std::string(member->value.GetString(), member->value.GetStringLength());
}

// Common to the list (JSON) and the webhook (form): builds the item or says why not.
std::variant<RawItem, std::string> MakeItem(std::string sid, std::string_view from, std::string body,
                                            std::optional<Timestamp> posted_at, const ItemOptions& options) {
    if (sid.empty() || sid.size() > 64) {
        return std::string("no usable sid");
    }
    if (!std::all_of(sid.begin(), sid.end(), [](unsigned char c) { return std::isalnum(c) != 0; })) {
        return std::string("sid is not alphanumeric");
    }
    RawItem item;
    item.source = options.source;
    item.external_id = std::move(sid);
    item.channel = "sms";
    item.text = std::move(body);
    if (const auto e164 = ToE164(from, options.default_region)) {
        item.author = *e164;
    } else if (!from.empty()) {
        // Short codes and alphanumeric senders are not phone numbers: keep what Twilio gave, it identifies them.
        item.author = std::string(from.substr(0, 64));
    }
    item.thread_id = item.author.empty() ? std::string() : "sms:" + item.author;
    item.posted_at = posted_at;
    if (auto invalid = ValidateRawItem(item)) {
        return std::move(*invalid);
    }
    return item;
}

std::variant<RawItem, std::string> MessageToItem(const rapidjson::Value& message, const ItemOptions& options) {
    if (!message.IsObject()) {
        return std::string("message is not an object");
    }
    const std::string direction = GetString(message, "direction");
    if (direction != "inbound") {
        return std::string("not an inbound message");
    }
    const auto body = message.FindMember("body");
    if (body == message.MemberEnd() || !(body->value.IsString() || body->value.IsNull())) {
        return std::string("body is not a string");
    }
    std::string text =
        body->value.IsString() ? std::string(body->value.GetString(), body->value.GetStringLength()) : std::string();
    std::optional<Timestamp> posted_at = ParseRfc2822(GetString(message, "date_sent"));
    if (!posted_at) {
        posted_at = ParseRfc2822(GetString(message, "date_created"));
    }
    return MakeItem(GetString(message, "sid"), GetString(message, "from"), std::move(text), posted_at, options);
}

}  // namespace

std::optional<FormParams> ParseForm(std::string_view body) {
    if (body.size() > kMaxFormBytes) {
        return std::nullopt;
    }
    FormParams params;
    std::size_t start = 0;
    while (start <= body.size()) {
        auto end = body.find('&', start);
        if (end == std::string_view::npos) {
            end = body.size();
        }
        const std::string_view pair = body.substr(start, end - start);
        if (!pair.empty()) {
            const auto equals = pair.find('=');
            auto name = Unescape(pair.substr(0, equals));
            auto value = Unescape(equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1));
            if (!name || !value) {
                return std::nullopt;
            }
            params.emplace_back(std::move(*name), std::move(*value));
        }
        start = end + 1;
    }
    return params;
}

const std::string* FindParam(const FormParams& params, std::string_view name) {
    for (const auto& [key, value] : params) {
        if (key == name) {
            return &value;
        }
    }
    return nullptr;
}

std::string FormEncode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += kHex[byte >> 4];
            out += kHex[byte & 0x0F];
        }
    }
    return out;
}

std::string ComputeSignature(std::string_view auth_token, std::string_view url, const FormParams& params) {
    FormParams sorted = params;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    std::string data(url);
    for (const auto& [name, value] : sorted) {
        data += name;
        data += value;
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (HMAC(EVP_sha1(), auth_token.data(), static_cast<int>(auth_token.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data(), &length) == nullptr) {
        return {};
    }
    return Base64(digest.data(), length);
}

bool VerifySignature(std::string_view auth_token, std::string_view url, const FormParams& params,
                     std::string_view signature) {
    if (auth_token.empty() || signature.empty()) {
        return false;
    }
    std::vector<std::string> candidates{std::string(url)};
    if (auto parts = SplitUrl(url)) {
        const std::string default_port = parts->scheme == "https" ? "443" : parts->scheme == "http" ? "80" : "";
        const std::string prefix = parts->scheme + "://" + parts->host;
        candidates.push_back(prefix + parts->rest);  // without an explicit port
        if (!default_port.empty()) {
            candidates.push_back(prefix + ":" + (parts->port.empty() ? default_port : parts->port) + parts->rest);
        }
    }
    bool valid = false;
    for (const auto& candidate : candidates) {
        // Every candidate is checked (no early exit) so timing says nothing about which form matched.
        valid = ConstantTimeEquals(ComputeSignature(auth_token, candidate, params), signature) || valid;
    }
    return valid;
}

Keyword ClassifyKeyword(std::string_view body) {
    std::size_t begin = 0;
    std::size_t end = body.size();
    while (begin < end && std::isspace(static_cast<unsigned char>(body[begin])) != 0) {
        ++begin;
    }
    while (end > begin && (std::isspace(static_cast<unsigned char>(body[end - 1])) != 0 ||
                           std::strchr(".!?,;", body[end - 1]) != nullptr)) {
        --end;
    }
    if (end - begin > 16) {
        return Keyword::kNone;
    }
    const std::string word = Lower(body.substr(begin, end - begin));
    static constexpr std::array<std::string_view, 9> kOptOut = {"stop", "stopall", "unsubscribe", "cancel", "end",
                                                                "quit", "revoke",  "optout",      "opt out"};
    static constexpr std::array<std::string_view, 3> kOptIn = {"start", "unstop", "yes"};
    static constexpr std::array<std::string_view, 2> kHelp = {"help", "info"};
    if (std::find(kOptOut.begin(), kOptOut.end(), word) != kOptOut.end()) {
        return Keyword::kOptOut;
    }
    if (std::find(kOptIn.begin(), kOptIn.end(), word) != kOptIn.end()) {
        return Keyword::kOptIn;
    }
    if (std::find(kHelp.begin(), kHelp.end(), word) != kHelp.end()) {
        return Keyword::kHelp;
    }
    return Keyword::kNone;
}

std::optional<Timestamp> ParseRfc2822(std::string_view text) {
    // "Wed, 18 Aug 2010 20:01:40 +0000" (the weekday is optional in RFC 2822).
    static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (const auto comma = text.find(','); comma != std::string_view::npos) {
        text.remove_prefix(comma + 1);
    }
    std::string copy(text);
    int day = 0;
    int year = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    char month_name[4] = {};
    char zone[6] = {};
    if (std::sscanf(copy.c_str(), " %d %3s %d %d:%d:%d %5s", &day, month_name, &year, &hour, &minute, &second, zone) !=
        7) {
        return std::nullopt;
    }
    const auto month = std::find(kMonths.begin(), kMonths.end(), std::string_view(month_name));
    if (month == kMonths.end() || day < 1 || day > 31 || year < 1970 || year > 9999 || hour > 23 || minute > 59 ||
        second > 60 || hour < 0 || minute < 0 || second < 0) {
        return std::nullopt;
    }
    const std::string_view zone_text(zone);
    if (zone_text.size() != 5 || (zone_text[0] != '+' && zone_text[0] != '-') ||
        !std::all_of(zone_text.begin() + 1, zone_text.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
        return std::nullopt;
    }
    const int offset_minutes =
        ((zone_text[1] - '0') * 10 + (zone_text[2] - '0')) * 60 + (zone_text[3] - '0') * 10 + (zone_text[4] - '0');
    using namespace std::chrono;
    const year_month_day date{std::chrono::year(year),
                              std::chrono::month(static_cast<unsigned>(month - kMonths.begin() + 1)),
                              std::chrono::day(static_cast<unsigned>(day))};
    if (!date.ok()) {
        return std::nullopt;
    }
    auto point = sys_days(date) + hours(hour) + minutes(minute) + seconds(second);
    point -= minutes(zone_text[0] == '-' ? -offset_minutes : offset_minutes);
    return time_point_cast<system_clock::duration>(point);
}

std::variant<MessagesPage, WireError> ParseMessagesPage(std::string_view body, const ItemOptions& options) {
    if (body.size() > kMaxPageBytes) {
        return WireError{"page larger than " + std::to_string(kMaxPageBytes) + " bytes"};
    }
    rapidjson::Document document;
    document.Parse<kParseFlags>(body.data(), body.size());
    if (document.HasParseError() || !document.IsObject()) {
        return WireError{"body is not a JSON object"};
    }
    const auto messages = document.FindMember("messages");
    if (messages == document.MemberEnd() || !messages->value.IsArray()) {
        return WireError{"no messages array"};
    }
    MessagesPage page;
    const auto next = document.FindMember("next_page_uri");
    if (next != document.MemberEnd() && next->value.IsString()) {
        page.next_page_uri = std::string(next->value.GetString(), next->value.GetStringLength());
        if (!page.next_page_uri.starts_with("/")) {
            return WireError{"next_page_uri is not a path on the API host"};
        }
    }
    std::size_t index = 0;
    for (const auto& message : messages->value.GetArray()) {
        ++index;
        if (message.IsObject()) {
            if (auto sent = ParseRfc2822(GetString(message, "date_sent"))) {
                page.oldest_sent = std::min(page.oldest_sent.value_or(*sent), *sent);
            }
            if (GetString(message, "direction") != "inbound" && message.HasMember("direction") &&
                message["direction"].IsString()) {
                ++page.outbound_skipped;
                continue;
            }
        }
        auto outcome = MessageToItem(message, options);
        if (auto* item = std::get_if<RawItem>(&outcome)) {
            page.items.push_back(std::move(*item));
            continue;
        }
        const std::string sid = message.IsObject() ? GetString(message, "sid") : std::string();
        page.bad_records.push_back(
            MakeBadRecord(sid.empty() || sid.size() > 64 ? "messages:" + std::to_string(index) : "message:" + sid,
                          std::get<std::string>(std::move(outcome)), JsonToString(message), kMaxRawRecordBytes));
    }
    return page;
}

std::variant<RawItem, std::string> ParseMessageRecord(std::string_view raw, const ItemOptions& options) {
    rapidjson::Document document;
    document.Parse<kParseFlags>(raw.data(), raw.size());
    if (document.HasParseError()) {
        return std::string("record is not JSON");
    }
    return MessageToItem(document, options);
}

std::variant<RawItem, std::string> InboundFormToItem(const FormParams& params, const ItemOptions& options) {
    const std::string* sid = FindParam(params, "MessageSid");
    if (sid == nullptr) {
        sid = FindParam(params, "SmsSid");
    }
    const std::string* from = FindParam(params, "From");
    const std::string* body = FindParam(params, "Body");
    if (sid == nullptr) {
        return std::string("no MessageSid");
    }
    if (from == nullptr) {
        return std::string("no From");
    }
    // Twilio posts at once on arrival: the receive time is now, the list's date_sent says the same.
    return MakeItem(*sid, *from, body == nullptr ? std::string() : *body, std::chrono::system_clock::now(), options);
}

std::optional<ApiError> ParseApiError(std::string_view body) {
    if (body.size() > 65536) {
        return std::nullopt;
    }
    rapidjson::Document document;
    document.Parse<kParseFlags>(body.data(), body.size());
    if (document.HasParseError() || !document.IsObject()) {
        return std::nullopt;
    }
    const auto code = document.FindMember("code");
    if (code == document.MemberEnd() || !code->value.IsInt64()) {
        return std::nullopt;
    }
    ApiError error;
    error.code = static_cast<long>(code->value.GetInt64());
    error.message = GetString(document, "message").substr(0, 200);
    return error;
}

std::optional<SendAnswer> ParseSendAnswer(std::string_view body) {
    if (body.size() > 65536) {
        return std::nullopt;
    }
    rapidjson::Document document;
    document.Parse<kParseFlags>(body.data(), body.size());
    if (document.HasParseError() || !document.IsObject()) {
        return std::nullopt;
    }
    SendAnswer answer{GetString(document, "sid"), GetString(document, "status")};
    if (answer.sid.empty()) {
        return std::nullopt;
    }
    return answer;
}

std::optional<std::vector<ListedMessage>> ParseListedMessages(std::string_view body, std::string* next_page_uri) {
    if (body.size() > kMaxPageBytes) {
        return std::nullopt;
    }
    rapidjson::Document document;
    document.Parse<kParseFlags>(body.data(), body.size());
    if (document.HasParseError() || !document.IsObject()) {
        return std::nullopt;
    }
    const auto messages = document.FindMember("messages");
    if (messages == document.MemberEnd() || !messages->value.IsArray()) {
        return std::nullopt;
    }
    std::vector<ListedMessage> out;
    for (const auto& message : messages->value.GetArray()) {
        if (!message.IsObject()) {
            continue;
        }
        ListedMessage listed{GetString(message, "sid"),       GetString(message, "to"),
                             GetString(message, "body"),      GetString(message, "status"),
                             GetString(message, "direction"), ParseRfc2822(GetString(message, "date_created"))};
        out.push_back(std::move(listed));
    }
    if (next_page_uri != nullptr) {
        *next_page_uri = GetString(document, "next_page_uri");
    }
    return out;
}

}  // namespace carelisten::connectors::twilio
