#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <connectors/html_text/html_text.hpp>
#include <connectors/mastodon/mastodon_wire.hpp>
#include <connectors/wire_util.hpp>
#include <cstdint>

namespace carelisten::connectors::mastodon {
namespace {

// Iterative parsing: the default recursive parser overflows the stack on deeply nested input.
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

// The id of a status as a string (Mastodon sends strings; integers are accepted from forks).
std::optional<std::string> IdOf(const rapidjson::Value& status) {
    if (!status.IsObject()) {
        return std::nullopt;
    }
    const auto id = status.FindMember("id");
    if (id == status.MemberEnd()) {
        return std::nullopt;
    }
    if (id->value.IsString() && id->value.GetStringLength() > 0) {
        return std::string(id->value.GetString(), id->value.GetStringLength());
    }
    if (id->value.IsUint64()) {
        return std::to_string(id->value.GetUint64());
    }
    return std::nullopt;
}

std::variant<RawItem, std::string> StatusToItem(const rapidjson::Value& top, const WireOptions& options) {
    if (!top.IsObject()) {
        return std::string("status is not a JSON object");
    }
    const rapidjson::Value* status = &top;
    const auto reblog = top.FindMember("reblog");
    if (reblog != top.MemberEnd() && !reblog->value.IsNull()) {
        if (!reblog->value.IsObject()) {
            return std::string("reblog is not a status object");
        }
        status = &reblog->value;  // a boost is the original status: same id, text and author
    }
    RawItem item;
    item.source = options.source;
    item.channel = "social";
    auto id = IdOf(*status);
    if (!id) {
        return std::string(status == &top ? "missing or invalid id" : "boosted status has a missing or invalid id");
    }
    item.external_id = std::move(*id);

    std::string content;
    std::string spoiler;
    std::string created_at;
    std::string edited_at;
    for (const auto& [key, field] :
         {std::pair{"content", &content}, std::pair{"spoiler_text", &spoiler}, std::pair{"url", &item.url},
          std::pair{"language", &item.language_hint}, std::pair{"in_reply_to_id", &item.reply_to},
          std::pair{"created_at", &created_at}, std::pair{"edited_at", &edited_at}}) {
        if (auto failure = JsonStringMember(*status, key, *field)) {
            return std::move(*failure);
        }
    }
    if (item.url.empty()) {
        if (auto failure = JsonStringMember(*status, "uri", item.url)) {
            return std::move(*failure);
        }
    }
    if (!created_at.empty()) {
        item.posted_at = ParseRfc3339(created_at);
        if (!item.posted_at) {
            return std::string("created_at is not an RFC 3339 timestamp");
        }
    }
    // An edited status (Mastodon 3.5+) is a new version of the item, named by its edit time.
    if (!edited_at.empty()) {
        if (!ParseRfc3339(edited_at)) {
            return std::string("edited_at is not an RFC 3339 timestamp");
        }
        item.version = edited_at;
    }

    const auto account = status->FindMember("account");
    if (account != status->MemberEnd() && !account->value.IsNull()) {
        if (!account->value.IsObject()) {
            return std::string("account is not an object");
        }
        if (auto failure = JsonStringMember(account->value, "acct", item.author)) {
            return std::move(*failure);
        }
        // acct is relative to the instance we asked: qualify local accounts so handles are global.
        if (!item.author.empty() && item.author.find('@') == std::string::npos && !options.instance_host.empty()) {
            item.author += "@" + options.instance_host;
        }
    }

    std::string text = html_text::HtmlToText(content);
    const std::string warning = html_text::HtmlToText(spoiler);
    item.text = warning.empty() ? std::move(text) : text.empty() ? warning : warning + "\n\n" + text;
    item.language_hint = html_text::MakeValidUtf8(item.language_hint);
    return item;
}

BadRecord MakeBad(const rapidjson::Value& status, std::string reason) {
    std::string raw = JsonToString(status);
    const auto id = IdOf(status);
    std::string locator = id ? "status:" + *id : "status-fingerprint:" + Fingerprint64Hex(raw);
    return MakeBadRecord(std::move(locator), std::move(reason), std::move(raw), kMaxQuarantineRawBytes);
}

StatusPage ParseStatusArray(const rapidjson::Value& array, const WireOptions& options) {
    StatusPage page;
    for (const auto& status : array.GetArray()) {
        ++page.statuses;
        if (const auto id = IdOf(status); id && (!page.newest_id || IdGreater(*id, *page.newest_id))) {
            page.newest_id = *id;
        }
        auto parsed = StatusToItem(status, options);
        if (auto* item = std::get_if<RawItem>(&parsed)) {
            page.items.push_back(std::move(*item));
        } else {
            page.bad_records.push_back(MakeBad(status, std::move(std::get<std::string>(parsed))));
        }
    }
    return page;
}

std::optional<WireError> ParseDocument(std::string_view body, rapidjson::Document& document) {
    document.Parse<kParseFlags>(body.data(), body.size());
    if (document.HasParseError()) {
        return WireError{std::string("invalid JSON: ") + rapidjson::GetParseError_En(document.GetParseError()) +
                         " at byte " + std::to_string(document.GetErrorOffset())};
    }
    return std::nullopt;
}

}  // namespace

bool IdGreater(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return a.size() > b.size();
    }
    return a > b;
}

std::variant<StatusPage, WireError> ParseTimelinePage(std::string_view body, const WireOptions& options) {
    rapidjson::Document document;
    if (auto error = ParseDocument(body, document)) {
        return std::move(*error);
    }
    if (!document.IsArray()) {
        return WireError{"a timeline page is not a JSON array"};
    }
    return ParseStatusArray(document, options);
}

std::variant<StatusPage, WireError> ParseSearchPage(std::string_view body, const WireOptions& options) {
    rapidjson::Document document;
    if (auto error = ParseDocument(body, document)) {
        return std::move(*error);
    }
    if (!document.IsObject()) {
        return WireError{"a search page is not a JSON object"};
    }
    const auto statuses = document.FindMember("statuses");
    if (statuses == document.MemberEnd()) {
        return WireError{"a search page has no statuses member"};
    }
    if (!statuses->value.IsArray()) {
        return WireError{"statuses of a search page is not an array"};
    }
    return ParseStatusArray(statuses->value, options);
}

std::variant<RawItem, std::string> ParseStatusRecord(std::string_view raw, const WireOptions& options) {
    rapidjson::Document document;
    if (auto error = ParseDocument(raw, document)) {
        return std::move(error->reason);
    }
    return StatusToItem(document, options);
}

std::optional<std::string> ParseErrorMessage(std::string_view body) {
    rapidjson::Document document;
    if (ParseDocument(body, document) || !document.IsObject()) {
        return std::nullopt;
    }
    const auto error = document.FindMember("error");
    if (error == document.MemberEnd() || !error->value.IsString()) {
        return std::nullopt;
    }
    return std::string(error->value.GetString(), error->value.GetStringLength());
}

}  // namespace carelisten::connectors::mastodon
