#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <connectors/mail/mail_wire.hpp>
#include <daemon/analyze_command.hpp>
#include <istream>
#include <optional>
#include <ostream>

namespace carelisten::daemon {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& writer, std::string_view value) {
    writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void WriteStringArray(Writer& writer, const char* key, const std::vector<std::string>& values) {
    writer.Key(key);
    writer.StartArray();
    for (const auto& value : values) {
        WriteString(writer, value);
    }
    writer.EndArray();
}

// {"<label_key>": label, "begin": b, "end": e}: byte offsets into the analyzed text, for redaction.
void WriteLabelledSpan(Writer& writer, const char* label_key, std::string_view label, const nlp::Span& span) {
    writer.StartObject();
    writer.Key(label_key);
    WriteString(writer, label);
    writer.Key("begin");
    writer.Uint64(span.begin);
    writer.Key("end");
    writer.Uint64(span.end);
    writer.EndObject();
}

std::string ErrorLine(std::size_t line_number, std::string_view message) {
    rapidjson::StringBuffer buffer;
    Writer writer(buffer);
    writer.StartObject();
    writer.Key("line");
    writer.Uint64(line_number);
    writer.Key("error");
    WriteString(writer, message);
    writer.EndObject();
    return buffer.GetString();
}

// Reads an optional string member; false when present with another type.
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

}  // namespace

AnalyzeStats RunAnalyze(std::istream& in, std::ostream& out, const nlp::Analyzer& analyzer) {
    AnalyzeStats stats;
    std::string line;
    std::size_t line_number = 0;
    while (std::getline(in, line)) {
        ++line_number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            continue;
        }
        rapidjson::Document document;
        document.Parse<rapidjson::kParseIterativeFlag>(line.data(), line.size());
        if (document.HasParseError()) {
            ++stats.malformed;
            out << ErrorLine(line_number,
                             std::string("invalid JSON: ") + rapidjson::GetParseError_En(document.GetParseError()))
                << "\n";
            continue;
        }
        if (!document.IsObject()) {
            ++stats.malformed;
            out << ErrorLine(line_number, "not a JSON object") << "\n";
            continue;
        }
        std::string id;
        const auto id_member = document.FindMember("id");
        if (id_member == document.MemberEnd()) {
            ++stats.malformed;
            out << ErrorLine(line_number, "missing id") << "\n";
            continue;
        }
        if (id_member->value.IsString()) {
            id.assign(id_member->value.GetString(), id_member->value.GetStringLength());
        } else if (id_member->value.IsInt64()) {
            id = std::to_string(id_member->value.GetInt64());
        } else {
            ++stats.malformed;
            out << ErrorLine(line_number, "id must be a string or an integer") << "\n";
            continue;
        }
        std::string text, mime, channel_name, question, lang;
        if (!OptionalString(document, "text", text) || !OptionalString(document, "mime", mime) ||
            !OptionalString(document, "channel", channel_name) || !OptionalString(document, "question", question) ||
            !OptionalString(document, "lang", lang)) {
            ++stats.malformed;
            out << ErrorLine(line_number, "text, mime, channel, question and lang must be strings") << "\n";
            continue;
        }
        const bool has_text = document.HasMember("text") && !document["text"].IsNull();
        const bool has_mime = document.HasMember("mime") && !document["mime"].IsNull();
        if (has_text == has_mime) {
            ++stats.malformed;
            out << ErrorLine(line_number, "give exactly one of text or mime") << "\n";
            continue;
        }
        auto channel = nlp::Channel::kUnknown;
        if (!channel_name.empty()) {
            const auto parsed = nlp::ParseChannel(channel_name);
            if (!parsed) {
                ++stats.malformed;
                out << ErrorLine(line_number, "unknown channel (sms, email, social, review, forum, survey)") << "\n";
                continue;
            }
            channel = *parsed;
        }
        std::optional<connectors::mail::MailText> mail;
        nlp::AnalysisInput input{.text = {}, .channel = channel, .question = question, .language_hint = lang};
        if (has_mime) {
            mail = connectors::mail::ParseMailText(mime);
            text = mail ? (mail->subject.empty() ? mail->body : mail->subject + "\n\n" + mail->body) : mime;
            if (input.channel == nlp::Channel::kUnknown) {
                input.channel = nlp::Channel::kEmail;
            }
            if (mail) {
                for (const auto& header : mail->headers) {
                    input.mail_headers.push_back({header.name, header.value});
                }
            }
        }
        input.text = text;
        const auto analysis = analyzer.Analyze(input);
        ++stats.analyzed;

        rapidjson::StringBuffer buffer;
        Writer writer(buffer);
        writer.StartObject();
        writer.Key("id");
        WriteString(writer, id);
        writer.Key("language");
        WriteString(writer, analysis.language);
        writer.Key("language_confidence");
        writer.Double(analysis.language_confidence);
        writer.Key("sentiment");
        writer.StartObject();
        writer.Key("label");
        WriteString(writer, nlp::ToString(analysis.sentiment.label));
        writer.Key("score");
        writer.Double(analysis.sentiment.score);
        writer.Key("scored");
        writer.Bool(analysis.sentiment.scored);
        writer.EndObject();
        writer.Key("noise");
        writer.StartObject();
        writer.Key("is_noise");
        writer.Bool(analysis.noise.is_noise);
        WriteStringArray(writer, "reasons", analysis.noise.reasons);
        writer.EndObject();
        WriteStringArray(writer, "categories", analysis.categories);
        writer.Key("urgency");
        WriteString(writer, nlp::ToString(analysis.urgency));
        writer.Key("category_scores");
        writer.StartObject();
        for (const auto& category : analysis.category_scores) {
            writer.Key(category.name.c_str());
            writer.Double(category.confidence);
        }
        writer.EndObject();
        WriteStringArray(writer, "tags", analysis.tags);
        writer.Key("intent");
        WriteString(writer, nlp::ToString(analysis.intent));
        WriteStringArray(writer, "red_flags", analysis.red_flags);
        writer.Key("red_flag_evidence");
        writer.StartArray();
        for (const auto& flag : analysis.red_flag_details) {
            WriteLabelledSpan(writer, "flag", flag.name, flag.evidence);
        }
        writer.EndArray();
        writer.Key("personal_data");
        writer.StartArray();
        for (const auto& span : analysis.personal_data) {
            WriteLabelledSpan(writer, "kind", span.kind, span.span);
        }
        writer.EndArray();
        writer.Key("input_repaired");
        writer.Bool(analysis.input_repaired);
        writer.Key("analyzer_version");
        WriteString(writer, analysis.analyzer_version);
        writer.EndObject();
        out << buffer.GetString() << "\n";
    }
    return stats;
}

}  // namespace carelisten::daemon
