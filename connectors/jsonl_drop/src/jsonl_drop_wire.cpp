#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <array>
#include <connectors/jsonl_drop/jsonl_drop_wire.hpp>
#include <connectors/wire_util.hpp>

namespace carelisten::connectors::jsonl_drop {
namespace {

constexpr std::array<std::string_view, 7> kChannels = {"unknown", "sms",   "email", "social",
                                                       "review",  "forum", "survey"};

// Iterative parsing: the default recursive parser overflows the stack on deeply nested input.
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

}  // namespace

std::variant<RawItem, ParseFailure> ParseLine(std::string_view line, std::string_view source,
                                              std::string_view default_channel) {
    if (!IsValidUtf8(line)) {
        return ParseFailure{"invalid UTF-8"};
    }
    rapidjson::Document document;
    document.Parse<kParseFlags>(line.data(), line.size());
    if (document.HasParseError()) {
        return ParseFailure{std::string("invalid JSON: ") + rapidjson::GetParseError_En(document.GetParseError()) +
                            " at byte " + std::to_string(document.GetErrorOffset())};
    }
    if (!document.IsObject()) {
        return ParseFailure{"not a JSON object"};
    }
    RawItem item;
    item.source = source;

    const auto id = document.FindMember("external_id");
    if (id == document.MemberEnd() || id->value.IsNull()) {
        return ParseFailure{"missing external_id"};
    }
    if (id->value.IsString()) {
        item.external_id.assign(id->value.GetString(), id->value.GetStringLength());
    } else if (id->value.IsInt64()) {
        item.external_id = std::to_string(id->value.GetInt64());
    } else if (id->value.IsUint64()) {
        item.external_id = std::to_string(id->value.GetUint64());
    } else {
        return ParseFailure{"external_id is neither a string nor an integer"};
    }
    if (item.external_id.empty()) {
        return ParseFailure{"empty external_id"};
    }

    const auto text = document.FindMember("text");
    if (text == document.MemberEnd()) {
        return ParseFailure{"missing text"};
    }
    if (!text->value.IsString()) {
        return ParseFailure{"text is not a string"};
    }
    item.text.assign(text->value.GetString(), text->value.GetStringLength());

    for (const auto& [key, field] : {std::pair{"author", &item.author}, std::pair{"url", &item.url},
                                     std::pair{"thread_id", &item.thread_id}, std::pair{"lang", &item.language_hint},
                                     std::pair{"question", &item.question}, std::pair{"channel", &item.channel}}) {
        if (auto failure = JsonStringMember(document, key, *field)) {
            return ParseFailure{std::move(*failure)};
        }
    }
    if (item.channel.empty()) {
        item.channel = default_channel;
    }
    bool known_channel = false;
    for (const auto channel : kChannels) {
        known_channel = known_channel || channel == item.channel;
    }
    if (!known_channel) {
        return ParseFailure{"unknown channel (expected one of unknown, sms, email, social, review, forum, survey)"};
    }

    std::string posted_at;
    if (auto failure = JsonStringMember(document, "posted_at", posted_at)) {
        return ParseFailure{std::move(*failure)};
    }
    if (!posted_at.empty()) {
        item.posted_at = ParseRfc3339(posted_at);
        if (!item.posted_at) {
            return ParseFailure{"posted_at is not an RFC 3339 timestamp"};
        }
    }
    if (auto problem = ValidateRawItem(item)) {
        return ParseFailure{std::move(*problem)};
    }
    return item;
}

}  // namespace carelisten::connectors::jsonl_drop
