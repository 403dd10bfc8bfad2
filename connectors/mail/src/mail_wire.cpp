#include <gmime/gmime.h>

#include <connectors/mail/mail_wire.hpp>
#include <memory>
#include <mutex>

namespace carelisten::connectors::mail {
namespace {

void InitGmimeOnce() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

// HTML parts are reduced to their text only; they are never rendered. (The analyzer issue replaces
// this with a real HTML parser.)
std::string HtmlToText(std::string_view html) {
    std::string text;
    bool in_tag = false;
    for (const char c : html) {
        if (c == '<') {
            in_tag = true;
            text += ' ';
        } else if (c == '>') {
            in_tag = false;
        } else if (!in_tag) {
            text += c;
        }
    }
    return text;
}

template <typename T>
struct GObjectDeleter {
    void operator()(T* object) const {
        if (object != nullptr) {
            g_object_unref(object);
        }
    }
};

// The first text/plain part in document order, else the first text/html part (depth-first through
// multiparts; attachments are skipped).
GMimeTextPart* FindTextPart(GMimeObject* object, bool want_html) {
    if (object == nullptr) {
        return nullptr;
    }
    if (GMIME_IS_MULTIPART(object)) {
        auto* multipart = reinterpret_cast<GMimeMultipart*>(object);
        const int count = g_mime_multipart_get_count(multipart);
        for (int i = 0; i < count; ++i) {
            if (auto* found = FindTextPart(g_mime_multipart_get_part(multipart, i), want_html)) {
                return found;
            }
        }
        return nullptr;
    }
    if (!GMIME_IS_TEXT_PART(object)) {
        return nullptr;
    }
    const char* disposition = g_mime_object_get_disposition(object);
    if (disposition != nullptr && std::string_view(disposition) == "attachment") {
        return nullptr;
    }
    const bool is_html = g_mime_content_type_is_type(g_mime_object_get_content_type(object), "text", "html");
    return is_html == want_html ? reinterpret_cast<GMimeTextPart*>(object) : nullptr;
}

}  // namespace

std::optional<MailText> ParseMailText(std::string_view message) {
    InitGmimeOnce();
    std::unique_ptr<GMimeStream, GObjectDeleter<GMimeStream>> stream(
        g_mime_stream_mem_new_with_buffer(message.data(), message.size()));
    std::unique_ptr<GMimeParser, GObjectDeleter<GMimeParser>> parser(g_mime_parser_new_with_stream(stream.get()));
    std::unique_ptr<GMimeMessage, GObjectDeleter<GMimeMessage>> parsed(
        g_mime_parser_construct_message(parser.get(), nullptr));
    if (!parsed) {
        return std::nullopt;
    }
    MailText result;
    GMimeHeaderList* headers = g_mime_object_get_header_list(reinterpret_cast<GMimeObject*>(parsed.get()));
    const int header_count = headers != nullptr ? g_mime_header_list_get_count(headers) : 0;
    for (int i = 0; i < header_count; ++i) {
        GMimeHeader* header = g_mime_header_list_get_header_at(headers, i);
        const char* name = g_mime_header_get_name(header);
        const char* value = g_mime_header_get_value(header);
        result.headers.push_back({name != nullptr ? name : "", value != nullptr ? value : ""});
    }
    if (const char* subject = g_mime_message_get_subject(parsed.get())) {
        result.subject = subject;
    }
    GMimeObject* root = g_mime_message_get_mime_part(parsed.get());
    bool html = false;
    GMimeTextPart* part = FindTextPart(root, false);
    if (part == nullptr) {
        part = FindTextPart(root, true);
        html = true;
    }
    if (part != nullptr) {
        if (char* text = g_mime_text_part_get_text(part)) {
            result.body = html ? HtmlToText(text) : std::string(text);
            g_free(text);
        }
    }
    return result;
}

std::string ExtractMailText(std::string_view message) {
    const auto parsed = ParseMailText(message);
    if (!parsed) {
        return std::string(message);
    }
    if (parsed->subject.empty()) {
        return parsed->body;
    }
    return parsed->subject + "\n\n" + parsed->body;
}

}  // namespace carelisten::connectors::mail
