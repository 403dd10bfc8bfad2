#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <array>
#include <cmath>
#include <connectors/reddit/reddit_wire.hpp>
#include <connectors/wire_util.hpp>

namespace carelisten::connectors::reddit {
namespace {

// Iterative parsing: the default recursive parser overflows the stack on deeply nested input.
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
constexpr std::string_view kSite = "https://www.reddit.com";

// Reddit replaces the text of deleted and removed content (and the author of deleted content) with these.
bool IsGone(std::string_view text) {
    return text == "[deleted]" || text == "[removed]";
}

enum class ChildOutcome { kItem, kGone, kSkipped };

// One Listing child → an item (kItem), nothing because its text is gone (kGone) or it is not a post or a
// comment (kSkipped), or why it is unusable (the string). `fullname` is set as soon as it is known.
std::variant<ChildOutcome, std::string> ParseChild(const rapidjson::Value& child, std::string_view source,
                                                   RawItem& item, std::string& fullname) {
    if (!child.IsObject()) {
        return std::string("child is not a JSON object");
    }
    const auto* kind = JsonMember(child, "kind");
    if (kind == nullptr || !kind->IsString()) {
        return std::string("child without kind");
    }
    const std::string_view kind_name = JsonStringView(*kind);
    if (kind_name != "t3" && kind_name != "t1") {
        return ChildOutcome::kSkipped;  // e.g. "more" stubs: nothing to read
    }
    const auto* data = JsonMember(child, "data");
    if (data == nullptr || !data->IsObject()) {
        return std::string("child without data");
    }
    const auto* name = JsonMember(*data, "name");
    if (name == nullptr || !name->IsString()) {
        return std::string("child without a fullname");
    }
    const std::string_view name_view = JsonStringView(*name);
    if (name_view.size() < 4 || name_view.size() > 64 || !name_view.starts_with(kind_name) || name_view[2] != '_') {
        return std::string("fullname does not match the child's kind");
    }
    fullname = std::string(name_view);

    item.source = source;
    item.channel = "social";
    item.external_id = fullname;

    if (const auto* author = JsonMember(*data, "author")) {
        if (!author->IsString()) {
            return std::string("author is not a string");
        }
        if (!IsGone(JsonStringView(*author))) {
            item.author = "u/" + std::string(JsonStringView(*author));
        }
    }
    if (const auto* permalink = JsonMember(*data, "permalink")) {
        if (!permalink->IsString()) {
            return std::string("permalink is not a string");
        }
        if (JsonStringView(*permalink).starts_with('/')) {
            item.url = std::string(kSite) + std::string(JsonStringView(*permalink));
        }
    }
    if (const auto* created = JsonMember(*data, "created_utc")) {
        if (!created->IsNumber()) {
            return std::string("created_utc is not a number");
        }
        const double seconds = created->GetDouble();
        if (std::isfinite(seconds) && seconds > 0 && seconds < 1.0e11) {
            item.posted_at = Timestamp(std::chrono::seconds(static_cast<std::int64_t>(seconds)));
        }
    }

    if (kind_name == "t3") {
        const auto* title = JsonMember(*data, "title");
        if (title == nullptr || !title->IsString()) {
            return std::string(title == nullptr ? "post without title" : "title is not a string");
        }
        item.text = DecodeEntities(JsonStringView(*title));
        if (const auto* selftext = JsonMember(*data, "selftext")) {
            if (!selftext->IsString()) {
                return std::string("selftext is not a string");
            }
            // A deleted or removed post keeps its title; only the body is gone.
            if (!IsGone(JsonStringView(*selftext)) && selftext->GetStringLength() > 0) {
                item.text += "\n\n" + DecodeEntities(JsonStringView(*selftext));
            }
        }
        item.thread_id = fullname;
    } else {
        const auto* body = JsonMember(*data, "body");
        if (body == nullptr || !body->IsString()) {
            return std::string(body == nullptr ? "comment without body" : "body is not a string");
        }
        if (IsGone(JsonStringView(*body))) {
            return ChildOutcome::kGone;
        }
        item.text = DecodeEntities(JsonStringView(*body));
        for (const auto& [key, field] :
             {std::pair{"link_id", &item.thread_id}, std::pair{"parent_id", &item.reply_to}}) {
            if (const auto* value = JsonMember(*data, key)) {
                if (!value->IsString()) {
                    return std::string(key) + " is not a string";
                }
                field->assign(JsonStringView(*value));
            }
        }
    }
    if (auto invalid = ValidateRawItem(item)) {
        return *invalid;
    }
    return ChildOutcome::kItem;
}

}  // namespace

std::string DecodeEntities(std::string_view text) {
    return DecodeBasicEntities(text);
}

std::string UrlEncode(std::string_view text) {
    return PercentEncode(text);
}

std::variant<ListingPage, WireError> ParseListing(std::string_view body, std::string_view source,
                                                  std::string_view locator_prefix) {
    if (body.size() > kMaxPageBytes) {
        return WireError{"listing of " + std::to_string(body.size()) + " bytes exceeds the cap of " +
                         std::to_string(kMaxPageBytes)};
    }
    rapidjson::Document document;
    document.Parse<kParseFlags>(body.data(), body.size());
    if (document.HasParseError()) {
        return WireError{std::string("invalid JSON: ") + rapidjson::GetParseError_En(document.GetParseError()) +
                         " at byte " + std::to_string(document.GetErrorOffset())};
    }
    if (!document.IsObject()) {
        return WireError{"listing is not a JSON object"};
    }
    const auto* kind = JsonMember(document, "kind");
    if (kind == nullptr || !kind->IsString() || JsonStringView(*kind) != "Listing") {
        return WireError{"not a Listing"};
    }
    const auto* data = JsonMember(document, "data");
    if (data == nullptr || !data->IsObject()) {
        return WireError{"Listing without data"};
    }
    ListingPage page;
    for (const auto& [key, field] : {std::pair{"after", &page.after}, std::pair{"before", &page.before}}) {
        if (const auto* value = JsonMember(*data, key)) {
            if (!value->IsString()) {
                return WireError{std::string("data.") + key + " is not a string"};
            }
            field->assign(JsonStringView(*value));
        }
    }
    const auto* children = JsonMember(*data, "children");
    if (children == nullptr || !children->IsArray()) {
        return WireError{"Listing without children"};
    }
    std::size_t index = 0;
    for (const auto& child : children->GetArray()) {
        RawItem item;
        std::string fullname;
        const auto parsed = ParseChild(child, source, item, fullname);
        if (!fullname.empty()) {
            page.fullnames.push_back(fullname);
        }
        if (const auto* outcome = std::get_if<ChildOutcome>(&parsed)) {
            if (*outcome == ChildOutcome::kItem) {
                page.items.push_back(std::move(item));
            } else if (*outcome == ChildOutcome::kGone) {
                ++page.gone;
            }
        } else {
            std::string locator =
                fullname.empty() ? std::string(locator_prefix) + "#" + std::to_string(index) : fullname;
            page.bad_records.push_back(
                MakeBadRecord(std::move(locator), std::get<std::string>(parsed), JsonToString(child)));
        }
        ++index;
    }
    return page;
}

std::variant<RawItem, BadRecord> ParseQuarantinedRecord(std::string_view raw, std::string_view source,
                                                        std::string_view locator) {
    if (raw.size() > kMaxPageBytes) {
        return MakeBadRecord(std::string(locator), "quarantined record is too large", std::string(raw));
    }
    rapidjson::Document document;
    document.Parse<kParseFlags>(raw.data(), raw.size());
    if (document.HasParseError()) {
        return MakeBadRecord(std::string(locator), "quarantined record is not valid JSON", std::string(raw));
    }
    RawItem item;
    std::string fullname;
    const auto parsed = ParseChild(document, source, item, fullname);
    if (const auto* outcome = std::get_if<ChildOutcome>(&parsed)) {
        if (*outcome == ChildOutcome::kItem) {
            return item;
        }
        return MakeBadRecord(
            std::string(locator),
            *outcome == ChildOutcome::kGone ? "the content was deleted or removed" : "neither a post nor a comment",
            std::string(raw));
    }
    return MakeBadRecord(std::string(locator), std::get<std::string>(parsed), std::string(raw));
}

std::variant<TokenResponse, WireError> ParseTokenResponse(std::string_view body) {
    if (body.size() > 64U * 1024U) {
        return WireError{"token response is too large"};
    }
    rapidjson::Document document;
    document.Parse<kParseFlags>(body.data(), body.size());
    if (document.HasParseError() || !document.IsObject()) {
        return WireError{"token response is not a JSON object"};
    }
    TokenResponse token;
    if (const auto* error = JsonMember(document, "error")) {
        // {"error":"invalid_grant"} (OAuth) or {"message":"Unauthorized","error":401} (Reddit's own 401).
        token.error = error->IsString() ? std::string(JsonStringView(*error))
                                        : (error->IsInt() ? std::to_string(error->GetInt()) : "error");
        return token;
    }
    const auto* access = JsonMember(document, "access_token");
    if (access == nullptr || !access->IsString() || access->GetStringLength() == 0) {
        return WireError{"token response without access_token"};
    }
    token.access_token = std::string(JsonStringView(*access));
    if (const auto* expires = JsonMember(document, "expires_in"); expires != nullptr && expires->IsNumber()) {
        const double seconds = expires->GetDouble();
        token.expires_in =
            std::isfinite(seconds) && seconds > 0 && seconds < 1.0e9 ? static_cast<std::int64_t>(seconds) : 0;
    }
    return token;
}

}  // namespace carelisten::connectors::reddit
