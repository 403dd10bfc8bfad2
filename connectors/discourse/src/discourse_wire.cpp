#include <rapidjson/error/en.h>

#include <charconv>
#include <connectors/discourse/discourse_wire.hpp>
#include <connectors/html_text/html_text.hpp>
#include <connectors/wire_util.hpp>
#include <map>
#include <utility>

#include "post_item.hpp"

namespace carelisten::connectors::discourse {
namespace {

// An optional integer member: absent or null -> nullopt with ok; another type -> not ok.
bool OptionalInt(const rapidjson::Value& object, const char* key, std::optional<std::int64_t>& out) {
    const auto it = object.FindMember(key);
    if (it == object.MemberEnd() || it->value.IsNull()) {
        return true;
    }
    if (!it->value.IsInt64()) {
        return false;
    }
    out = it->value.GetInt64();
    return true;
}

bool OptionalString(const rapidjson::Value& object, const char* key, std::string& out) {
    const auto it = object.FindMember(key);
    if (it == object.MemberEnd() || it->value.IsNull()) {
        return true;
    }
    if (!it->value.IsString()) {
        return false;
    }
    out.assign(it->value.GetString(), it->value.GetStringLength());
    return true;
}

bool Truthy(const rapidjson::Value& object, const char* key) {
    const auto it = object.FindMember(key);
    return it != object.MemberEnd() && !it->value.IsNull() && !(it->value.IsBool() && !it->value.GetBool());
}

// Discourse's post_type: 1 regular, 2 moderator action, 3 small action ("closed the topic"), 4 whisper.
constexpr std::int64_t kSmallAction = 3;

std::optional<WireError> Parse(std::string_view body, rapidjson::Document& document) {
    document.Parse<detail::kParseFlags>(body.data(), body.size());
    if (document.HasParseError()) {
        return WireError{std::string("invalid JSON: ") + rapidjson::GetParseError_En(document.GetParseError()) +
                         " at byte " + std::to_string(document.GetErrorOffset())};
    }
    return std::nullopt;
}

}  // namespace

namespace detail {

std::int64_t PostId(const rapidjson::Value& post) {
    if (!post.IsObject()) {
        return 0;
    }
    const auto id = post.FindMember("id");
    if (id == post.MemberEnd() || !id->value.IsInt64() || id->value.GetInt64() <= 0) {
        return 0;
    }
    return id->value.GetInt64();
}

BadRecord MakeBadRecord(const rapidjson::Value& post, std::string reason) {
    std::string raw = JsonToString(post);
    const std::int64_t id = PostId(post);
    std::string locator = id > 0 ? "post:" + std::to_string(id) : "post-fingerprint:" + Fingerprint64Hex(raw);
    return connectors::MakeBadRecord(std::move(locator), std::move(reason), std::move(raw), kMaxQuarantineRawBytes);
}

PostOutcome PostToItem(const rapidjson::Value& post, const ItemOptions& options) {
    if (!post.IsObject()) {
        return std::string("post is not a JSON object");
    }
    const std::int64_t id = PostId(post);
    if (id == 0) {
        return std::string("missing or invalid id");
    }
    std::optional<std::int64_t> topic_id, post_number, post_type, reply_to_number, category_id, version;
    for (const auto& [key, field] :
         {std::pair{"topic_id", &topic_id}, std::pair{"post_number", &post_number}, std::pair{"post_type", &post_type},
          std::pair{"reply_to_post_number", &reply_to_number}, std::pair{"category_id", &category_id},
          std::pair{"version", &version}}) {
        if (!OptionalInt(post, key, *field)) {
            return std::string(key) + " is not an integer";
        }
    }
    if (!topic_id) {
        return std::string("missing topic_id");
    }
    // Deleted posts (visible to admin keys) and small actions ("closed the topic") are not feedback.
    if (Truthy(post, "deleted_at") || Truthy(post, "user_deleted") || post_type == kSmallAction) {
        return std::monostate{};
    }

    RawItem item;
    item.source = options.source;
    item.channel = "forum";
    item.external_id = std::to_string(id);
    item.thread_id = std::to_string(*topic_id);

    std::string raw, cooked, created_at, topic_slug, topic_title;
    for (const auto& [key, field] : {std::pair{"raw", &raw}, std::pair{"cooked", &cooked},
                                     std::pair{"created_at", &created_at}, std::pair{"topic_slug", &topic_slug},
                                     std::pair{"topic_title", &topic_title}, std::pair{"username", &item.author}}) {
        if (!OptionalString(post, key, *field)) {
            return std::string(key) + " is not a string";
        }
    }
    // raw is what the author typed (Markdown); cooked is the rendered HTML, used when raw is absent
    // (e.g. an API key without permission to see raw).
    std::string text = !raw.empty() ? html_text::MakeValidUtf8(raw) : html_text::HtmlToText(cooked);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) {
        text.pop_back();
    }
    // The first post of a topic is read with its title: "Waited 6 hours in A&E" carries meaning.
    if (post_number == 1 && !topic_title.empty()) {
        text = topic_title + "\n\n" + text;
    }
    item.text = std::move(text);
    if (!created_at.empty()) {
        item.posted_at = ParseRfc3339(created_at);
        if (!item.posted_at) {
            return std::string("created_at is not an RFC 3339 timestamp");
        }
    }
    if (post_number) {
        item.url = options.base_url + "/t/" + (topic_slug.empty() ? std::string("-") : topic_slug) + "/" +
                   std::to_string(*topic_id) + "/" + std::to_string(*post_number);
    }
    if (reply_to_number && *reply_to_number > 0) {
        item.reply_to = "topic:" + std::to_string(*topic_id) + "#" + std::to_string(*reply_to_number);
    }
    if (version && *version > 1) {
        item.version = std::to_string(*version);  // an edit is a new version of the same item
    }
    if (category_id) {
        if (const auto community = options.communities.find(*category_id); community != options.communities.end()) {
            item.community = community->second;
        }
    }
    return item;
}

}  // namespace detail

std::optional<std::map<std::int64_t, std::string>> ParseCommunities(const std::vector<std::string>& entries,
                                                                    std::string& error) {
    std::map<std::int64_t, std::string> communities;
    for (const auto& entry : entries) {
        const auto colon = entry.find(':');
        std::int64_t category = 0;
        const char* end = entry.data() + (colon == std::string::npos ? entry.size() : colon);
        const auto [parsed_end, ec] = std::from_chars(entry.data(), end, category);
        if (colon == std::string::npos || colon == 0 || ec != std::errc{} || parsed_end != end || category <= 0 ||
            colon + 1 == entry.size()) {
            error = "communities entry '" + entry + "' is not <category id>:<community>, e.g. \"12:diabetes\"";
            return std::nullopt;
        }
        if (!communities.emplace(category, entry.substr(colon + 1)).second) {
            error = "communities lists category " + std::to_string(category) + " twice";
            return std::nullopt;
        }
    }
    return communities;
}

std::variant<PostPage, WireError> ParsePostsPage(std::string_view body, const ItemOptions& options) {
    rapidjson::Document document;
    if (auto error = Parse(body, document)) {
        return std::move(*error);
    }
    if (!document.IsObject()) {
        return WireError{"a posts page is not a JSON object"};
    }
    const auto posts = document.FindMember("latest_posts");
    if (posts == document.MemberEnd() || !posts->value.IsArray()) {
        return WireError{"a posts page has no latest_posts array"};
    }
    PostPage page;
    std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> ids_by_position;  // (topic, number) -> id
    for (const auto& post : posts->value.GetArray()) {
        PageEntry entry;
        entry.id = detail::PostId(post);
        auto outcome = detail::PostToItem(post, options);
        if (auto* item = std::get_if<RawItem>(&outcome)) {
            entry.item = std::move(*item);
            const auto topic = post.FindMember("topic_id");
            const auto number = post.FindMember("post_number");
            if (number != post.MemberEnd() && number->value.IsInt64()) {
                ids_by_position[{topic->value.GetInt64(), number->value.GetInt64()}] = entry.id;
            }
        } else if (auto* reason = std::get_if<std::string>(&outcome)) {
            entry.bad = detail::MakeBadRecord(post, std::move(*reason));
        }
        page.entries.push_back(std::move(entry));
    }
    // A reply whose parent is on the same page points at the parent's post id.
    for (auto& entry : page.entries) {
        if (!entry.item || !entry.item->reply_to.starts_with("topic:")) {
            continue;
        }
        const auto hash = entry.item->reply_to.find('#');
        std::int64_t topic = 0, number = 0;
        const std::string& reply = entry.item->reply_to;
        std::from_chars(reply.data() + 6, reply.data() + hash, topic);
        std::from_chars(reply.data() + hash + 1, reply.data() + reply.size(), number);
        if (const auto parent = ids_by_position.find({topic, number}); parent != ids_by_position.end()) {
            entry.item->reply_to = std::to_string(parent->second);
        }
    }
    return page;
}

PostOutcome ParsePostRecord(std::string_view raw, const ItemOptions& options) {
    rapidjson::Document document;
    if (auto error = Parse(raw, document)) {
        return std::move(error->reason);
    }
    return detail::PostToItem(document, options);
}

std::optional<std::int64_t> ParseRateLimitWaitSeconds(std::string_view body) {
    rapidjson::Document document;
    if (Parse(body, document) || !document.IsObject()) {
        return std::nullopt;
    }
    const auto type = document.FindMember("error_type");
    if (type == document.MemberEnd() || !type->value.IsString() ||
        std::string_view(type->value.GetString()) != "rate_limit") {
        return std::nullopt;
    }
    const auto extras = document.FindMember("extras");
    if (extras == document.MemberEnd() || !extras->value.IsObject()) {
        return std::nullopt;
    }
    const auto wait = extras->value.FindMember("wait_seconds");
    if (wait == extras->value.MemberEnd() || !wait->value.IsNumber()) {
        return std::nullopt;
    }
    const double seconds = wait->value.GetDouble();
    if (!(seconds >= 0) || seconds > 86400.0 * 7) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(seconds + 0.999);
}

std::optional<std::string> ParseErrorMessages(std::string_view body) {
    rapidjson::Document document;
    if (Parse(body, document) || !document.IsObject()) {
        return std::nullopt;
    }
    const auto errors = document.FindMember("errors");
    if (errors == document.MemberEnd() || !errors->value.IsArray()) {
        return std::nullopt;
    }
    std::string joined;
    for (const auto& message : errors->value.GetArray()) {
        if (message.IsString()) {
            joined += (joined.empty() ? "" : "; ") + std::string(message.GetString(), message.GetStringLength());
        }
    }
    return joined;
}

}  // namespace carelisten::connectors::discourse
