#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <connectors/facebook_page/facebook_page_wire.hpp>
#include <connectors/wire_util.hpp>

namespace carelisten::connectors::facebook_page {
namespace {

// Iterative parsing: the recursive parser overflows the stack on deeply nested input.
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

// Reads one post (post_id empty) or comment into `entry`; on failure the reason.
std::optional<std::string> ReadRecord(const rapidjson::Value& value, std::string_view source, std::string_view post_id,
                                      RawItem& item, FeedEntry& entry) {
    if (!value.IsObject()) {
        return "record is not an object";
    }
    std::string id;
    std::string message;
    std::string created;
    std::string permalink;
    for (const auto& [key, out] : {std::pair{"id", &id}, std::pair{"message", &message},
                                   std::pair{"created_time", &created}, std::pair{"permalink_url", &permalink}}) {
        if (auto failure = JsonStringMember(value, key, *out)) {
            return failure;
        }
    }
    entry.id = id;
    if (!created.empty()) {
        entry.created_time = ParseGraphTime(created);
        if (!entry.created_time) {
            return "created_time is not an ISO 8601 timestamp";
        }
    }
    if (id.empty()) {
        return "missing id";
    }
    const auto from = value.FindMember("from");
    if (from != value.MemberEnd() && !from->value.IsNull()) {
        if (!from->value.IsObject()) {
            return "from is not an object";
        }
        if (auto failure = JsonStringMember(from->value, "name", item.author)) {
            return failure;
        }
        if (auto failure = JsonStringMember(from->value, "id", entry.author_id)) {
            return failure;
        }
    }
    item.source = source;
    item.external_id = id;
    item.channel = "social";
    item.text = std::move(message);
    item.url = std::move(permalink);
    item.posted_at = entry.created_time;
    if (post_id.empty()) {
        item.thread_id = id;
    } else {
        entry.is_comment = true;
        item.thread_id = post_id;
        item.reply_to = post_id;
        // A reply to a comment names its parent comment.
        const auto parent = value.FindMember("parent");
        if (parent != value.MemberEnd() && parent->value.IsObject()) {
            std::string parent_id;
            if (auto failure = JsonStringMember(parent->value, "id", parent_id)) {
                return failure;
            }
            if (!parent_id.empty()) {
                item.reply_to = std::move(parent_id);
            }
        }
    }
    if (auto invalid = ValidateRawItem(item)) {
        return *invalid;
    }
    return std::nullopt;
}

FeedEntry MakeEntry(const rapidjson::Value& value, std::string_view source, std::string_view post_id) {
    FeedEntry entry{RawItem{}, {}, std::nullopt, {}, !post_id.empty(), {}};
    RawItem item;
    if (auto failure = ReadRecord(value, source, post_id, item, entry)) {
        const std::string raw = JsonToString(value);
        std::string locator = post_id.empty() ? "feed/" : "comments/" + std::string(post_id) + "/";
        locator += entry.id.empty() ? "fnv" + std::to_string(Fingerprint64(raw)) : entry.id;
        entry.record = MakeBadRecord(std::move(locator), *failure, raw);
    } else {
        entry.record = std::move(item);
    }
    return entry;
}

// The `paging.next` of an edge object; errors on wrong types.
std::optional<std::string> NextUrl(const rapidjson::Value& edge, std::string& next) {
    const auto paging = edge.FindMember("paging");
    if (paging == edge.MemberEnd() || paging->value.IsNull()) {
        return std::nullopt;
    }
    if (!paging->value.IsObject()) {
        return std::string("paging is not an object");
    }
    return JsonStringMember(paging->value, "next", next);
}

std::variant<rapidjson::Document, std::string> ParseBody(std::string_view body) {
    if (body.size() > kMaxPageBytes) {
        return "page of " + std::to_string(body.size()) + " bytes exceeds the cap";
    }
    rapidjson::Document document;
    document.Parse<kParseFlags>(body.data(), body.size());
    if (document.HasParseError()) {
        return std::string("invalid JSON: ") + rapidjson::GetParseError_En(document.GetParseError()) + " at byte " +
               std::to_string(document.GetErrorOffset());
    }
    if (!document.IsObject()) {
        return std::string("page is not a JSON object");
    }
    return document;
}

std::variant<FeedPage, std::string> ParseEdge(std::string_view body, std::string_view source,
                                              std::string_view post_id) {
    auto parsed = ParseBody(body);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        return std::move(*error);
    }
    const auto& document = std::get<rapidjson::Document>(parsed);
    FeedPage page;
    if (auto failure = NextUrl(document, page.next_url)) {
        return *failure;
    }
    const auto data = document.FindMember("data");
    if (data == document.MemberEnd() || !data->value.IsArray()) {
        return std::string("data is missing or not an array");
    }
    for (const auto& record : data->value.GetArray()) {
        page.entries.push_back(MakeEntry(record, source, post_id));
        if (!post_id.empty() || !std::holds_alternative<RawItem>(page.entries.back().record)) {
            continue;
        }
        // A post: its expanded comments follow it. An unreadable comments edge quarantines the post's
        // comments as one record; the post itself stays.
        const auto comments = record.FindMember("comments");
        if (comments == record.MemberEnd() || comments->value.IsNull()) {
            continue;
        }
        const std::string parent_id = page.entries.back().id;
        const auto comment_data =
            comments->value.IsObject() ? comments->value.FindMember("data") : rapidjson::Value::ConstMemberIterator{};
        std::string comments_next;
        if (!comments->value.IsObject() || comment_data == comments->value.MemberEnd() ||
            !comment_data->value.IsArray() || NextUrl(comments->value, comments_next)) {
            const std::string raw = JsonToString(comments->value);
            page.entries.push_back(
                FeedEntry{MakeBadRecord("comments/" + parent_id + "/fnv" + std::to_string(Fingerprint64(raw)),
                                        "comments edge is not {data:[...]}", raw),
                          {},
                          page.entries.back().created_time,
                          {},
                          true,
                          {}});
            continue;
        }
        page.entries.back().comments_next = std::move(comments_next);
        for (const auto& comment : comment_data->value.GetArray()) {
            page.entries.push_back(MakeEntry(comment, source, parent_id));
        }
    }
    return page;
}

}  // namespace

std::optional<Timestamp> ParseGraphTime(std::string_view text) {
    // "2026-11-02T08:15:00+0000": RFC 3339 wants "+00:00".
    if (text.size() >= 5) {
        const auto tail = text.substr(text.size() - 5);
        if ((tail[0] == '+' || tail[0] == '-') &&
            std::all_of(tail.begin() + 1, tail.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            std::string fixed(text.substr(0, text.size() - 2));
            fixed += ':';
            fixed += tail.substr(3);
            return ParseRfc3339(fixed);
        }
    }
    return ParseRfc3339(text);
}

std::variant<FeedPage, std::string> ParseFeedPage(std::string_view body, std::string_view source) {
    return ParseEdge(body, source, {});
}

std::variant<FeedPage, std::string> ParseCommentsPage(std::string_view body, std::string_view source,
                                                      std::string_view post_id) {
    if (post_id.empty()) {
        return std::string("comments need their post id");
    }
    return ParseEdge(body, source, post_id);
}

std::variant<RawItem, std::string> ParseRecordJson(std::string_view json, std::string_view source,
                                                   std::string_view post_id) {
    auto parsed = ParseBody(json);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        return std::move(*error);
    }
    RawItem item;
    FeedEntry entry;
    if (auto failure = ReadRecord(std::get<rapidjson::Document>(parsed), source, post_id, item, entry)) {
        return *failure;
    }
    return item;
}

std::optional<GraphError> ParseGraphError(std::string_view body) {
    auto parsed = ParseBody(body);
    if (std::holds_alternative<std::string>(parsed)) {
        return std::nullopt;
    }
    const auto& document = std::get<rapidjson::Document>(parsed);
    const auto error = document.FindMember("error");
    if (error == document.MemberEnd() || !error->value.IsObject()) {
        return std::nullopt;
    }
    GraphError graph_error;
    const auto& object = error->value;
    if (const auto it = object.FindMember("code"); it != object.MemberEnd() && it->value.IsInt64()) {
        graph_error.code = it->value.GetInt64();
    }
    if (const auto it = object.FindMember("error_subcode"); it != object.MemberEnd() && it->value.IsInt64()) {
        graph_error.subcode = it->value.GetInt64();
    }
    (void)JsonStringMember(object, "type", graph_error.type);
    (void)JsonStringMember(object, "message", graph_error.message);
    (void)JsonStringMember(object, "fbtrace_id", graph_error.fbtrace_id);
    return graph_error;
}

std::optional<UsageHeader> ParseUsageHeader(std::string_view value) {
    if (value.size() > 64U * 1024U) {
        return std::nullopt;
    }
    rapidjson::Document document;
    document.Parse<kParseFlags>(value.data(), value.size());
    if (document.HasParseError() || !document.IsObject()) {
        return std::nullopt;
    }
    UsageHeader usage;
    // X-App-Usage is flat; X-Business-Use-Case-Usage is {"<business id>":[{...}, ...]}.
    auto read_counters = [&usage](const rapidjson::Value& object) {
        for (const auto& member : object.GetObject()) {
            if (!member.value.IsNumber()) {
                continue;
            }
            const auto number = static_cast<std::int64_t>(member.value.GetDouble());
            const std::string_view key(member.name.GetString(), member.name.GetStringLength());
            if (key == "estimated_time_to_regain_access") {
                usage.regain_access_minutes = std::max(usage.regain_access_minutes, number);
            } else if (key == "call_count" || key == "total_time" || key == "total_cputime") {
                usage.max_percent = std::max(usage.max_percent, number);
            }
        }
    };
    read_counters(document);
    for (const auto& member : document.GetObject()) {
        if (!member.value.IsArray()) {
            continue;
        }
        for (const auto& element : member.value.GetArray()) {
            if (element.IsObject()) {
                read_counters(element);
            }
        }
    }
    return usage;
}

}  // namespace carelisten::connectors::facebook_page
