#include <gmime/gmime.h>

#include <algorithm>
#include <cctype>
#include <connectors/html_text/html_text.hpp>
#include <connectors/mail/mail_wire.hpp>
#include <memory>
#include <mutex>

namespace carelisten::connectors::mail {
namespace {

using html_text::MakeValidUtf8;

void InitGmimeOnce() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

template <typename T>
struct GObjectDeleter {
    void operator()(T* object) const {
        if (object != nullptr) {
            g_object_unref(object);
        }
    }
};

struct ParserOptionsDeleter {
    void operator()(GMimeParserOptions* options) const { g_mime_parser_options_free(options); }
};

struct ReferencesDeleter {
    void operator()(GMimeReferences* references) const { g_mime_references_free(references); }
};

struct GFreeDeleter {
    void operator()(char* text) const { g_free(text); }
};

using GString = std::unique_ptr<char, GFreeDeleter>;

std::string Owned(const char* text) {
    return text != nullptr ? MakeValidUtf8(text) : std::string();
}

bool IsAttachmentDisposition(GMimeObject* object) {
    const char* disposition = g_mime_object_get_disposition(object);
    return disposition != nullptr && g_ascii_strcasecmp(disposition, "attachment") == 0;
}

std::string MimeType(GMimeObject* object) {
    GString type(g_mime_content_type_get_mime_type(g_mime_object_get_content_type(object)));
    std::string text = type ? std::string(type.get()) : std::string("application/octet-stream");
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return MakeValidUtf8(text);
}

std::size_t DecodedSize(GMimePart* part) {
    GMimeDataWrapper* content = g_mime_part_get_content(part);
    if (content == nullptr) {
        return 0;
    }
    std::unique_ptr<GMimeStream, GObjectDeleter<GMimeStream>> sink(g_mime_stream_null_new());
    const auto written = g_mime_data_wrapper_write_to_stream(content, sink.get());
    return written > 0 ? static_cast<std::size_t>(written) : 0;
}

/// Depth-first through the structure: the first inline text/plain and text/html parts, every other leaf
/// as an attachment (by name, type and size), attached messages (a bounce's original) as one attachment.
struct Walk {
    GMimeTextPart* plain = nullptr;
    GMimeTextPart* html = nullptr;
    std::vector<MailAttachment> attachments;
    int depth = 0;
};

constexpr int kMaxDepth = 32;  // a crafted message nests multiparts without end; GMime itself is bounded

void WalkParts(GMimeObject* object, Walk& walk) {
    if (object == nullptr || walk.depth > kMaxDepth) {
        return;
    }
    if (GMIME_IS_MULTIPART(object)) {
        auto* multipart = reinterpret_cast<GMimeMultipart*>(object);
        const int count = g_mime_multipart_get_count(multipart);
        ++walk.depth;
        for (int i = 0; i < count; ++i) {
            WalkParts(g_mime_multipart_get_part(multipart, i), walk);
        }
        --walk.depth;
        return;
    }
    if (GMIME_IS_MESSAGE_PART(object)) {
        walk.attachments.push_back({"", MimeType(object), 0});
        return;
    }
    if (!GMIME_IS_PART(object)) {
        return;
    }
    auto* part = reinterpret_cast<GMimePart*>(object);
    const char* filename = g_mime_part_get_filename(part);
    if (GMIME_IS_TEXT_PART(object) && !IsAttachmentDisposition(object) && filename == nullptr) {
        GMimeContentType* type = g_mime_object_get_content_type(object);
        if (g_mime_content_type_is_type(type, "text", "plain")) {
            if (walk.plain == nullptr) {
                walk.plain = reinterpret_cast<GMimeTextPart*>(object);
            }
            return;
        }
        if (g_mime_content_type_is_type(type, "text", "html")) {
            if (walk.html == nullptr) {
                walk.html = reinterpret_cast<GMimeTextPart*>(object);
            }
            return;
        }
    }
    walk.attachments.push_back({Owned(filename), MimeType(object), DecodedSize(part)});
}

std::string PartText(GMimeTextPart* part) {
    GString text(g_mime_text_part_get_text(part));
    return text ? MakeValidUtf8(text.get()) : std::string();
}

std::vector<std::string> ParseReferences(GMimeParserOptions* options, const char* value) {
    std::vector<std::string> ids;
    if (value == nullptr) {
        return ids;
    }
    std::unique_ptr<GMimeReferences, ReferencesDeleter> references(g_mime_references_parse(options, value));
    if (!references) {
        return ids;
    }
    const int count = g_mime_references_length(references.get());
    for (int i = 0; i < count; ++i) {
        if (const char* id = g_mime_references_get_message_id(references.get(), i)) {
            ids.push_back(MakeValidUtf8(id));
        }
    }
    return ids;
}

std::string_view TrimView(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
        text.remove_suffix(1);
    }
    return text;
}

std::string Lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool IsQuotedLine(std::string_view line) {
    return !line.empty() && line.front() == '>';
}

/// "On Mon, 2 Nov 2026 Anna <a@b> wrote:", "Am 02.11.2026 schrieb Anna:", "Le 2 nov. 2026, Anna a écrit :".
bool IsAttribution(std::string_view line) {
    const std::string lower = Lower(TrimView(line));
    return EndsWith(lower, "wrote:") || EndsWith(lower, "schrieb:") ||
           EndsWith(lower,
                    "a \xC3\xA9"
                    "crit :") ||
           EndsWith(lower,
                    "a \xC3\xA9"
                    "crit:") ||
           EndsWith(lower, "escribi\xC3\xB3:") || EndsWith(lower, "scrisse:") ||
           (StartsWith(lower, "am ") && lower.find("schrieb") != std::string::npos && EndsWith(lower, ":"));
}

bool IsOriginalSeparator(std::string_view line) {
    const std::string lower = Lower(TrimView(line));
    return lower.find("original message") != std::string::npos ||
           lower.find("urspr\xC3\xBCngliche nachricht") != std::string::npos ||
           lower.find("forwarded message") != std::string::npos ||
           (lower.size() >= 20 && lower.find_first_not_of('_') == std::string::npos);
}

std::vector<std::string_view> Lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const auto end = text.find('\n');
        auto line = text.substr(0, end);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        lines.push_back(line);
        if (end == std::string_view::npos) {
            break;
        }
        text.remove_prefix(end + 1);
    }
    return lines;
}

/// An Outlook header block of the quoted original: "From: ..." followed within three lines by "Sent:" or "Date:".
bool IsOutlookHeaderBlock(const std::vector<std::string_view>& lines, std::size_t at) {
    const std::string first = Lower(TrimView(lines[at]));
    if (!StartsWith(first, "from:") && !StartsWith(first, "von:") && !StartsWith(first, "de :") &&
        !StartsWith(first, "de:")) {
        return false;
    }
    for (std::size_t i = at + 1; i < lines.size() && i <= at + 3; ++i) {
        const std::string next = Lower(TrimView(lines[i]));
        if (StartsWith(next, "sent:") || StartsWith(next, "date:") || StartsWith(next, "gesendet:") ||
            StartsWith(next, "envoy\xC3\xA9 :")) {
            return true;
        }
    }
    return false;
}

/// The attribution may be wrapped over two lines ("On ..., Anna <a@b>\nwrote:"); a quote must follow.
bool StartsQuotedOriginal(const std::vector<std::string_view>& lines, std::size_t at) {
    std::size_t next = at + 1;
    while (next < lines.size() && TrimView(lines[next]).empty()) {
        ++next;
    }
    return IsAttribution(lines[at]) && next < lines.size() && IsQuotedLine(lines[next]);
}

void AppendLine(std::string& out, std::string_view line) {
    out.append(line);
    out += '\n';
}

std::string TrimBlankLines(std::string text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

}  // namespace

QuoteSplit SplitQuoted(std::string_view text) {
    const auto lines = Lines(text);
    std::string new_text;
    std::string quoted;
    std::size_t cut = lines.size();
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto line = lines[i];
        const bool signature = line == "-- " || line == "--";
        if (signature || IsOriginalSeparator(line) || IsOutlookHeaderBlock(lines, i) ||
            StartsQuotedOriginal(lines, i) ||
            (i + 1 < lines.size() && !IsQuotedLine(line) && IsAttribution(lines[i + 1]) &&
             StartsQuotedOriginal(lines, i + 1) && TrimView(line).size() < 80 && !TrimView(line).empty() &&
             StartsWith(Lower(TrimView(line)), "on "))) {
            cut = i;
            break;
        }
        if (IsQuotedLine(line)) {
            AppendLine(quoted, line);
        } else {
            AppendLine(new_text, line);
        }
    }
    for (std::size_t i = cut; i < lines.size(); ++i) {
        AppendLine(quoted, lines[i]);
    }
    return {TrimBlankLines(std::move(new_text)), TrimBlankLines(std::move(quoted))};
}

std::string MailMessage::ThreadRoot() const {
    if (!references.empty()) {
        return references.front();
    }
    if (!in_reply_to.empty()) {
        return in_reply_to;
    }
    return message_id;
}

std::string RawMessageId(std::string_view message) {
    GString hex(g_compute_checksum_for_data(G_CHECKSUM_SHA256, reinterpret_cast<const guchar*>(message.data()),
                                            message.size()));
    return "sha256:" + std::string(hex.get());
}

std::optional<MailMessage> ParseMail(std::string_view message) {
    InitGmimeOnce();
    std::unique_ptr<GMimeParserOptions, ParserOptionsDeleter> options(g_mime_parser_options_new());
    g_mime_parser_options_set_rfc2047_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
    // The memory stream copies the bytes: GMime never writes to or outlives the caller's buffer.
    std::unique_ptr<GMimeStream, GObjectDeleter<GMimeStream>> stream(
        g_mime_stream_mem_new_with_buffer(message.data(), message.size()));
    std::unique_ptr<GMimeParser, GObjectDeleter<GMimeParser>> parser(g_mime_parser_new_with_stream(stream.get()));
    std::unique_ptr<GMimeMessage, GObjectDeleter<GMimeMessage>> parsed(
        g_mime_parser_construct_message(parser.get(), options.get()));
    if (!parsed) {
        return std::nullopt;
    }
    auto* object = reinterpret_cast<GMimeObject*>(parsed.get());
    MailMessage result;
    GMimeHeaderList* headers = g_mime_object_get_header_list(object);
    const int header_count = headers != nullptr ? g_mime_header_list_get_count(headers) : 0;
    for (int i = 0; i < header_count; ++i) {
        GMimeHeader* header = g_mime_header_list_get_header_at(headers, i);
        result.headers.push_back({Owned(g_mime_header_get_name(header)), Owned(g_mime_header_get_value(header))});
    }
    if (result.headers.empty()) {
        return std::nullopt;  // GMime reads anything as a body; without one header it is not a message
    }
    result.subject = Owned(g_mime_message_get_subject(parsed.get()));
    result.message_id = Owned(g_mime_message_get_message_id(parsed.get()));
    const auto in_reply_to = ParseReferences(options.get(), g_mime_object_get_header(object, "In-Reply-To"));
    if (!in_reply_to.empty()) {
        result.in_reply_to = in_reply_to.front();
    }
    result.references = ParseReferences(options.get(), g_mime_object_get_header(object, "References"));
    if (InternetAddressList* from = g_mime_message_get_from(parsed.get())) {
        const int count = internet_address_list_length(from);
        for (int i = 0; i < count && result.from_address.empty(); ++i) {
            InternetAddress* address = internet_address_list_get_address(from, i);
            if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
                result.from_address =
                    Owned(internet_address_mailbox_get_addr(reinterpret_cast<InternetAddressMailbox*>(address)));
            }
        }
    }
    if (GDateTime* date = g_mime_message_get_date(parsed.get())) {
        result.date = std::chrono::system_clock::time_point(std::chrono::seconds(g_date_time_to_unix(date)));
    }

    Walk walk;
    WalkParts(g_mime_message_get_mime_part(parsed.get()), walk);
    result.attachments = std::move(walk.attachments);
    std::string body;
    if (walk.plain != nullptr) {
        body = PartText(walk.plain);
    } else if (walk.html != nullptr) {
        body = html_text::HtmlToText(PartText(walk.html));
        result.body_from_html = true;
    }
    auto split = SplitQuoted(body);
    result.new_text = std::move(split.new_text);
    result.quoted_text = std::move(split.quoted_text);
    return result;
}

std::optional<MailText> ParseMailText(std::string_view message) {
    auto parsed = ParseMail(message);
    if (!parsed) {
        return std::nullopt;
    }
    MailText result;
    result.headers = std::move(parsed->headers);
    result.subject = std::move(parsed->subject);
    result.body = std::move(parsed->new_text);
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
