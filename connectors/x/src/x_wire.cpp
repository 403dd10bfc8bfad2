#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <connectors/wire_util.hpp>
#include <connectors/x/x_wire.hpp>
#include <map>

namespace carelisten::connectors::x {
namespace {

// Iterative parsing: the default recursive parser overflows the stack on deeply nested input.
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

bool AllDigits(std::string_view text) {
    return !text.empty() && text.size() <= 20 &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The quarantine form of one post: a one-post page in X's own format, with its author if known.
std::string QuarantineRaw(const rapidjson::Value& tweet, const rapidjson::Value* user) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("data");
    writer.StartArray();
    tweet.Accept(writer);
    writer.EndArray();
    if (user != nullptr) {
        writer.Key("includes");
        writer.StartObject();
        writer.Key("users");
        writer.StartArray();
        user->Accept(writer);
        writer.EndArray();
        writer.EndObject();
    }
    writer.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

// X's language codes that name no language: und (undetermined), zxx (no text), and the q* codes for
// media-only, hashtags-only, cashtags-only or mention-only posts.
std::string LanguageHint(std::string_view lang) {
    if (lang.empty() || lang == "und" || lang == "zxx" || (lang.size() == 3 && lang[0] == 'q')) {
        return {};
    }
    return std::string(lang);
}

using UserMap = std::map<std::string_view, const rapidjson::Value*>;

// One post → an item, or why it is unusable.
std::variant<RawItem, std::string> ParseTweet(const rapidjson::Value& tweet, const UserMap& users,
                                              std::string_view source, std::string& id_out) {
    if (!tweet.IsObject()) {
        return std::string("post is not a JSON object");
    }
    const auto* id = JsonMember(tweet, "id");
    if (id == nullptr) {
        return std::string("post without id");
    }
    if (!id->IsString() || !AllDigits(JsonStringView(*id))) {
        return std::string("post id is not a decimal string");
    }
    id_out = std::string(JsonStringView(*id));

    RawItem item;
    item.source = source;
    item.channel = "social";
    item.external_id = id_out;

    // Long posts (over 280 characters) come truncated in `text` and whole in note_tweet.text.
    const auto* note = JsonMember(tweet, "note_tweet");
    const auto* note_text = note != nullptr ? JsonMember(*note, "text") : nullptr;
    const auto* text = JsonMember(tweet, "text");
    if (note_text != nullptr && note_text->IsString()) {
        item.text = DecodeEntities(JsonStringView(*note_text));
    } else if (text != nullptr && text->IsString()) {
        item.text = DecodeEntities(JsonStringView(*text));
    } else {
        return std::string(text == nullptr ? "post without text" : "post text is not a string");
    }

    for (const auto& [key, field] :
         {std::pair{"author_id", &item.author}, std::pair{"conversation_id", &item.thread_id},
          std::pair{"lang", &item.language_hint}}) {
        if (const auto* value = JsonMember(tweet, key)) {
            if (!value->IsString()) {
                return std::string(key) + " is not a string";
            }
            field->assign(JsonStringView(*value));
        }
    }
    item.language_hint = LanguageHint(item.language_hint);

    // The handle, not the numeric author id, is what staff recognise; it comes from includes.users.
    std::string username;
    if (!item.author.empty()) {
        if (const auto user = users.find(item.author); user != users.end()) {
            if (const auto* name = JsonMember(*user->second, "username"); name != nullptr && name->IsString()) {
                username = std::string(JsonStringView(*name));
            }
        }
    }
    item.author = username.empty() ? std::string{} : "@" + username;
    item.url =
        username.empty() ? "https://x.com/i/web/status/" + id_out : "https://x.com/" + username + "/status/" + id_out;

    if (const auto* created = JsonMember(tweet, "created_at")) {
        if (!created->IsString()) {
            return std::string("created_at is not a string");
        }
        item.posted_at = ParseRfc3339(JsonStringView(*created));
    }

    if (const auto* references = JsonMember(tweet, "referenced_tweets")) {
        if (!references->IsArray()) {
            return std::string("referenced_tweets is not an array");
        }
        for (const auto& reference : references->GetArray()) {
            const auto* type = JsonMember(reference, "type");
            const auto* ref_id = JsonMember(reference, "id");
            if (type != nullptr && type->IsString() && JsonStringView(*type) == "replied_to" && ref_id != nullptr &&
                ref_id->IsString()) {
                item.reply_to = std::string(JsonStringView(*ref_id));
            }
        }
    }

    // An edited post is a new post id whose edit_history_tweet_ids starts with the original's id: store it
    // as a new version of the original item rather than as an unrelated post.
    if (const auto* history = JsonMember(tweet, "edit_history_tweet_ids");
        history != nullptr && history->IsArray() && history->Size() > 1) {
        const auto& first = (*history)[0];
        if (first.IsString() && AllDigits(JsonStringView(first)) && JsonStringView(first) != id_out) {
            item.external_id = std::string(JsonStringView(first));
            item.version = id_out;
        }
    }

    if (auto invalid = ValidateRawItem(item)) {
        return *invalid;
    }
    return item;
}

}  // namespace

std::string DecodeEntities(std::string_view text) {
    return DecodeBasicEntities(text);
}

bool IdGreater(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return a.size() > b.size();
    }
    return a > b;
}

std::variant<SearchPage, WireError> ParseSearchPage(std::string_view body, std::string_view source,
                                                    std::string_view locator_prefix) {
    if (body.size() > kMaxPageBytes) {
        return WireError{"page of " + std::to_string(body.size()) + " bytes exceeds the cap of " +
                         std::to_string(kMaxPageBytes)};
    }
    rapidjson::Document document;
    document.Parse<kParseFlags>(body.data(), body.size());
    if (document.HasParseError()) {
        return WireError{std::string("invalid JSON: ") + rapidjson::GetParseError_En(document.GetParseError()) +
                         " at byte " + std::to_string(document.GetErrorOffset())};
    }
    if (!document.IsObject()) {
        return WireError{"page is not a JSON object"};
    }

    SearchPage page;
    const auto* meta = JsonMember(document, "meta");
    if (meta == nullptr || !meta->IsObject()) {
        return WireError{"page without meta"};
    }
    for (const auto& [key, field] : {std::pair{"newest_id", &page.newest_id}, std::pair{"oldest_id", &page.oldest_id},
                                     std::pair{"next_token", &page.next_token}}) {
        if (const auto* value = JsonMember(*meta, key)) {
            if (!value->IsString()) {
                return WireError{std::string("meta.") + key + " is not a string"};
            }
            field->assign(JsonStringView(*value));
        }
    }
    if (!page.newest_id.empty() && !AllDigits(page.newest_id)) {
        return WireError{"meta.newest_id is not a post id"};
    }
    if (const auto* count = JsonMember(*meta, "result_count"); count != nullptr && count->IsInt64()) {
        page.result_count = count->GetInt64();
    }
    if (const auto* errors = JsonMember(document, "errors"); errors != nullptr && errors->IsArray()) {
        page.partial_errors = errors->Size();
    }

    UserMap users;
    if (const auto* includes = JsonMember(document, "includes")) {
        if (const auto* user_list = JsonMember(*includes, "users"); user_list != nullptr && user_list->IsArray()) {
            for (const auto& user : user_list->GetArray()) {
                if (const auto* user_id = JsonMember(user, "id"); user_id != nullptr && user_id->IsString()) {
                    users.emplace(JsonStringView(*user_id), &user);
                }
            }
        }
    }

    const auto* data = JsonMember(document, "data");
    if (data == nullptr) {
        return page;  // an empty page: {"meta":{"result_count":0}}
    }
    if (!data->IsArray()) {
        return WireError{"data is not an array"};
    }
    std::size_t index = 0;
    for (const auto& tweet : data->GetArray()) {
        std::string id;
        auto parsed = ParseTweet(tweet, users, source, id);
        if (auto* item = std::get_if<RawItem>(&parsed)) {
            page.items.push_back(std::move(*item));
        } else {
            const rapidjson::Value* user = nullptr;
            if (const auto* author = JsonMember(tweet, "author_id"); author != nullptr && author->IsString()) {
                const auto found = users.find(JsonStringView(*author));
                user = found == users.end() ? nullptr : found->second;
            }
            std::string locator = id.empty() ? std::string(locator_prefix) + "#" + std::to_string(index) : "post:" + id;
            page.bad_records.push_back(
                MakeBadRecord(std::move(locator), std::get<std::string>(parsed), QuarantineRaw(tweet, user)));
        }
        ++index;
    }
    return page;
}

std::variant<RawItem, BadRecord> ParseQuarantinedRecord(std::string_view raw, std::string_view source,
                                                        std::string_view locator) {
    // A record was kept as a one-post page without meta: give it one so the page parser accepts it.
    rapidjson::Document document;
    document.Parse<kParseFlags>(raw.data(), raw.size());
    if (document.HasParseError() || !document.IsObject()) {
        return MakeBadRecord(std::string(locator), "quarantined record is not a JSON object", std::string(raw));
    }
    if (!document.HasMember("meta")) {
        document.AddMember("meta", rapidjson::Value(rapidjson::kObjectType), document.GetAllocator());
    }
    auto parsed = ParseSearchPage(JsonToString(document), source, locator);
    if (auto* error = std::get_if<WireError>(&parsed)) {
        return MakeBadRecord(std::string(locator), error->reason, std::string(raw));
    }
    auto& page = std::get<SearchPage>(parsed);
    if (page.items.size() == 1 && page.bad_records.empty()) {
        return std::move(page.items.front());
    }
    if (!page.bad_records.empty()) {
        return MakeBadRecord(std::string(locator), page.bad_records.front().reason, std::string(raw));
    }
    return MakeBadRecord(std::string(locator),
                         "quarantined record holds " + std::to_string(page.items.size()) + " posts", std::string(raw));
}

ApiProblem ParseApiProblem(std::string_view body) {
    ApiProblem problem;
    if (body.size() > kMaxPageBytes) {
        return problem;
    }
    rapidjson::Document document;
    document.Parse<kParseFlags>(body.data(), body.size());
    if (document.HasParseError() || !document.IsObject()) {
        return problem;
    }
    if (const auto* title = JsonMember(document, "title"); title != nullptr && title->IsString()) {
        problem.title = std::string(JsonStringView(*title));
    }
    if (const auto* type = JsonMember(document, "type"); type != nullptr && type->IsString()) {
        problem.type = std::string(JsonStringView(*type));
    }
    if (const auto* errors = JsonMember(document, "errors"); errors != nullptr && errors->IsArray()) {
        for (const auto& error : errors->GetArray()) {
            if (const auto* code = JsonMember(error, "code"); code != nullptr && code->IsInt64() && !problem.code) {
                problem.code = code->GetInt64();
            }
            if (const auto* parameters = JsonMember(error, "parameters");
                parameters != nullptr && parameters->IsObject()) {
                for (const auto& parameter : parameters->GetObject()) {
                    problem.bad_parameters.emplace_back(JsonStringView(parameter.name));
                }
            }
            if (const auto* parameter = JsonMember(error, "parameter"); parameter != nullptr && parameter->IsString()) {
                problem.bad_parameters.emplace_back(JsonStringView(*parameter));
            }
        }
    }
    return problem;
}

std::string BuildQuery(const std::vector<std::string>& terms, std::string_view suffix) {
    std::string joined;
    std::size_t used = 0;
    for (const auto& term : terms) {
        if (term.find_first_not_of(" \t") == std::string::npos) {
            continue;
        }
        if (used++ > 0) {
            joined += " OR ";
        }
        const bool is_operator_or_quoted =
            term.front() == '"' || term.front() == '(' || term.find(':') != std::string::npos;
        if (term.find(' ') != std::string::npos && !is_operator_or_quoted) {
            joined += "\"" + term + "\"";
        } else {
            joined += term;
        }
    }
    std::string query = used > 1 ? "(" + joined + ")" : joined;
    if (!suffix.empty()) {
        query += query.empty() ? "" : " ";
        query += suffix;
    }
    return query;
}

}  // namespace carelisten::connectors::x
