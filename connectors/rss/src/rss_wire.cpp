#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <connectors/rss/rss_wire.hpp>
#include <connectors/wire_util.hpp>
#include <cstring>
#include <memory>

namespace carelisten::connectors::rss {
namespace {

// No network, no DTD loading or validation, no entity substitution (XML_PARSE_NOENT is deliberately
// absent), libxml2's default size limits (no XML_PARSE_HUGE), CDATA merged into text, nothing on stderr.
constexpr int kXmlOptions = XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;

struct DocFree {
    void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;

std::string_view LocalName(const xmlNode* node) {
    return node->name == nullptr ? std::string_view{} : reinterpret_cast<const char*>(node->name);
}

bool IsElement(const xmlNode* node, std::string_view name) {
    return node->type == XML_ELEMENT_NODE && LocalName(node) == name;
}

std::string Trim(std::string_view text) {
    const auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) {
        return {};
    }
    const auto end = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(begin, end - begin + 1));
}

// The text of a node's descendants. Entity references are never followed (they are not substituted, and
// walking them is how billion-laughs documents explode).
void AppendText(const xmlNode* node, std::string& out) {
    for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
        if ((child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) && child->content != nullptr) {
            out += reinterpret_cast<const char*>(child->content);
        } else if (child->type == XML_ELEMENT_NODE) {
            AppendText(child, out);
        }
    }
}

std::string NodeText(const xmlNode* node) {
    std::string text;
    AppendText(node, text);
    return text;
}

std::string Attribute(const xmlNode* node, const char* name) {
    xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
    if (value == nullptr) {
        return {};
    }
    std::string result(reinterpret_cast<const char*>(value));
    xmlFree(value);
    return result;
}

const xmlNode* Child(const xmlNode* parent, std::string_view name) {
    for (const xmlNode* child = parent->children; child != nullptr; child = child->next) {
        if (IsElement(child, name)) {
            return child;
        }
    }
    return nullptr;
}

// Serializes an element with the namespaces it uses declared on it, so it re-parses on its own.
std::string Serialize(const xmlNode* node) {
    DocPtr doc(xmlNewDoc(reinterpret_cast<const xmlChar*>("1.0")));
    xmlNode* copy = xmlDocCopyNode(const_cast<xmlNode*>(node), doc.get(), 1);
    if (copy == nullptr) {
        return {};
    }
    xmlDocSetRootElement(doc.get(), copy);
    xmlReconciliateNs(doc.get(), copy);
    xmlBuffer* buffer = xmlBufferCreate();
    if (buffer == nullptr) {
        return {};
    }
    xmlNodeDump(buffer, doc.get(), copy, 0, 0);
    std::string text(reinterpret_cast<const char*>(xmlBufferContent(buffer)),
                     static_cast<std::size_t>(xmlBufferLength(buffer)));
    xmlBufferFree(buffer);
    return text;
}

// The inner markup of an Atom xhtml content element, as HTML for HtmlToText.
std::string InnerMarkup(const xmlNode* node) {
    std::string markup;
    for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
        if (child->type == XML_ELEMENT_NODE) {
            markup += Serialize(child);
        } else if ((child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) &&
                   child->content != nullptr) {
            // Text is already decoded: escape it again so HtmlToText decodes it exactly once.
            for (const char c : std::string_view(reinterpret_cast<const char*>(child->content))) {
                markup += c == '<' ? std::string("&lt;") : c == '&' ? std::string("&amp;") : std::string(1, c);
            }
        }
    }
    return markup;
}

std::uint64_t Fnv1a(std::string_view text) {
    std::uint64_t hash = 1469598103934665603ULL;
    for (const char c : text) {
        hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    return hash;
}

// "en-US" -> "en": the analyzer wants a primary language subtag.
std::string PrimaryLanguage(std::string_view tag) {
    std::string language;
    for (const char c : Trim(tag)) {
        if (c == '-' || c == '_') {
            break;
        }
        if (!std::isalpha(static_cast<unsigned char>(c))) {
            return {};
        }
        language += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return language.size() >= 2 && language.size() <= 3 ? language : std::string{};
}

// A bare guid ("12345") is unique only within its feed; URLs, URNs and tag: URIs are global.
std::string ExternalId(std::string_view identity, std::string_view feed_url) {
    if (identity.find(':') != std::string_view::npos) {
        return std::string(identity);
    }
    return std::string(feed_url) + "#" + std::string(identity);
}

// RSS <author> is "email (Name)" by the spec: keep the name, never store a bare address as a handle.
std::string RssAuthor(std::string_view author) {
    const auto open = author.find('(');
    const auto close = author.rfind(')');
    if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
        return Trim(author.substr(open + 1, close - open - 1));
    }
    return author.find('@') == std::string_view::npos ? Trim(author) : std::string{};
}

std::string JoinText(const std::string& title, const std::string& body) {
    if (title.empty()) {
        return body;
    }
    if (body.empty() || body == title) {
        return title;
    }
    return title + "\n\n" + body;
}

struct ItemFacts {
    std::string identity;
    RawItem item;
    std::optional<Timestamp> date;
};

ItemFacts ReadRssItem(const xmlNode* node, const FeedContext& /*context*/, std::string_view language) {
    ItemFacts facts;
    std::string title;
    std::string description;
    std::string encoded;
    std::string link;
    std::string guid;
    bool guid_is_permalink = true;
    for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
        if (child->type != XML_ELEMENT_NODE) {
            continue;
        }
        const auto name = LocalName(child);
        const bool namespaced = child->ns != nullptr;
        if (name == "title" && !namespaced) {
            title = HtmlToText(NodeText(child));
        } else if (name == "description") {
            description = NodeText(child);
        } else if (name == "encoded") {  // content:encoded carries the full HTML body
            encoded = NodeText(child);
        } else if (name == "link" && !namespaced && link.empty()) {
            link = Trim(NodeText(child));
        } else if (name == "guid") {
            guid = Trim(NodeText(child));
            guid_is_permalink = Attribute(child, "isPermaLink") != "false";
        } else if (name == "pubDate" || (name == "date" && !facts.date)) {  // dc:date is RFC 3339
            facts.date = ParseRfc822Date(Trim(NodeText(child)));
        } else if (name == "creator") {
            facts.item.author = Trim(NodeText(child));
        } else if (name == "author" && facts.item.author.empty()) {
            facts.item.author = RssAuthor(NodeText(child));
        }
    }
    if (guid.empty() && node->type == XML_ELEMENT_NODE) {
        guid = Trim(Attribute(node, "about"));  // RSS 1.0: rdf:about
    }
    facts.identity = !guid.empty() ? guid : link;
    facts.item.url = !link.empty() ? link : (guid_is_permalink && guid.starts_with("http") ? guid : std::string{});
    facts.item.text = JoinText(title, HtmlToText(!encoded.empty() ? encoded : description));
    facts.item.language_hint = std::string(language);
    return facts;
}

std::string AtomText(const xmlNode* node) {
    const std::string type = Attribute(node, "type");
    if (type == "xhtml") {
        const xmlNode* div = Child(node, "div");
        return HtmlToText(InnerMarkup(div != nullptr ? div : node));
    }
    if (type == "html" || type == "text/html") {
        return HtmlToText(NodeText(node));
    }
    return Trim(NodeText(node));
}

ItemFacts ReadAtomEntry(const xmlNode* node, const FeedContext& /*context*/, std::string_view language) {
    ItemFacts facts;
    std::string title;
    std::string summary;
    std::string content;
    std::string link;
    std::optional<Timestamp> published;
    std::optional<Timestamp> updated;
    for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
        if (child->type != XML_ELEMENT_NODE) {
            continue;
        }
        const auto name = LocalName(child);
        if (name == "title") {
            title = AtomText(child);
        } else if (name == "summary") {
            summary = AtomText(child);
        } else if (name == "content") {
            content = AtomText(child);
        } else if (name == "id") {
            facts.identity = Trim(NodeText(child));
        } else if (name == "link") {
            const std::string rel = Attribute(child, "rel");
            if ((rel.empty() || rel == "alternate") && link.empty()) {
                link = Trim(Attribute(child, "href"));
            }
        } else if (name == "published") {
            published = ParseRfc3339(Trim(NodeText(child)));
        } else if (name == "updated") {
            updated = ParseRfc3339(Trim(NodeText(child)));
        } else if (name == "author" && facts.item.author.empty()) {
            if (const xmlNode* author_name = Child(child, "name")) {
                facts.item.author = Trim(NodeText(author_name));
            }
        }
    }
    if (facts.identity.empty()) {
        facts.identity = link;
    }
    facts.item.url = link;
    facts.item.text = JoinText(title, !content.empty() ? content : summary);
    facts.date = published ? published : updated;
    xmlChar* lang = xmlNodeGetLang(node);
    if (lang != nullptr) {
        facts.item.language_hint = PrimaryLanguage(reinterpret_cast<const char*>(lang));
        xmlFree(lang);
    } else {
        facts.item.language_hint = std::string(language);
    }
    return facts;
}

FeedEntry MakeEntry(const xmlNode* node, bool atom, const FeedContext& context, std::string_view language) {
    ItemFacts facts = atom ? ReadAtomEntry(node, context, language) : ReadRssItem(node, context, language);
    FeedEntry entry{RawItem{}, {}, facts.date};
    std::optional<std::string> failure;
    if (facts.identity.empty()) {
        failure = atom ? "entry has neither id nor link" : "item has neither guid nor link";
    } else {
        facts.item.source = context.source;
        facts.item.external_id = ExternalId(facts.identity, context.feed_url);
        facts.item.channel = context.channel;
        facts.item.posted_at = facts.date;
        failure = ValidateRawItem(facts.item);
    }
    if (!failure) {
        entry.key = facts.item.external_id;
        entry.record = std::move(facts.item);
        return entry;
    }
    std::string raw = Serialize(node);
    BadRecord bad{context.feed_url + "#fnv" + std::to_string(Fnv1a(raw)), *failure, std::move(raw), false};
    if (bad.raw.size() > kMaxRawBytes) {
        bad.raw.resize(kMaxRawBytes);
        bad.raw_truncated = true;
    }
    entry.key = bad.locator;
    entry.record = std::move(bad);
    return entry;
}

// Parses with the safe options and refuses DTDs that declare entities (internal or external subset).
std::variant<DocPtr, std::string> ParseDocument(std::string_view document) {
    if (document.size() > kMaxFeedBytes) {
        return "document of " + std::to_string(document.size()) + " bytes exceeds the cap";
    }
    if (document.empty()) {
        return std::string("empty document");
    }
    DocPtr doc(xmlReadMemory(document.data(), static_cast<int>(document.size()), nullptr, nullptr, kXmlOptions));
    if (!doc) {
        const xmlError* error = xmlGetLastError();
        std::string reason = "not well-formed XML";
        if (error != nullptr) {
            reason += " (line " + std::to_string(error->line) + ", libxml2 error " + std::to_string(error->code) + ")";
        }
        xmlResetLastError();
        return reason;
    }
    for (const xmlDtd* dtd : {doc->intSubset, doc->extSubset}) {
        if (dtd == nullptr) {
            continue;
        }
        for (const xmlNode* child = dtd->children; child != nullptr; child = child->next) {
            if (child->type == XML_ENTITY_DECL) {
                return std::string("DTD declares entities; refused");
            }
        }
    }
    if (xmlDocGetRootElement(doc.get()) == nullptr) {
        return std::string("no root element");
    }
    return doc;
}

int MonthIndex(std::string_view name) {
    static constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
    if (name.size() < 3) {
        return -1;
    }
    std::string lower;
    for (std::size_t i = 0; i < 3; ++i) {
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
    }
    for (std::size_t i = 0; i < kMonths.size(); ++i) {
        if (kMonths[i] == lower) {
            return static_cast<int>(i) + 1;
        }
    }
    return -1;
}

std::optional<int> ZoneOffsetMinutes(std::string_view zone) {
    if (zone.empty()) {
        return 0;
    }
    if ((zone[0] == '+' || zone[0] == '-') && zone.size() == 5) {
        int hhmm = 0;
        const auto [end, ec] = std::from_chars(zone.data() + 1, zone.data() + 5, hhmm);
        if (ec != std::errc{} || end != zone.data() + 5 || hhmm % 100 > 59) {
            return std::nullopt;
        }
        const int minutes = (hhmm / 100) * 60 + hhmm % 100;
        return zone[0] == '-' ? -minutes : minutes;
    }
    static constexpr std::array<std::pair<std::string_view, int>, 8> kZones = {{{"EST", -5 * 60},
                                                                                {"EDT", -4 * 60},
                                                                                {"CST", -6 * 60},
                                                                                {"CDT", -5 * 60},
                                                                                {"MST", -7 * 60},
                                                                                {"MDT", -6 * 60},
                                                                                {"PST", -8 * 60},
                                                                                {"PDT", -7 * 60}}};
    for (const auto& [name, offset] : kZones) {
        if (zone == name) {
            return offset;
        }
    }
    // GMT, UT, UTC, Z, military letters and names nobody agrees on (IST) count as UTC.
    return 0;
}

// A code point naming no character (NUL, a surrogate, beyond U+10FFFF) becomes U+FFFD.
void AppendUtf8(char32_t code_point, std::string& out) {
    if (code_point == 0 || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
        code_point = 0xFFFD;
    }
    connectors::AppendUtf8(out, static_cast<std::uint32_t>(code_point));
}

// Decodes the reference starting at html[pos] == '&'; returns the characters consumed (0: not a reference).
std::size_t DecodeReference(std::string_view html, std::size_t pos, std::string& out) {
    const auto semicolon = html.find(';', pos + 1);
    if (semicolon == std::string_view::npos || semicolon - pos > 12) {
        return 0;
    }
    const auto name = html.substr(pos + 1, semicolon - pos - 1);
    if (name.size() >= 2 && name[0] == '#') {
        const bool hex = name[1] == 'x' || name[1] == 'X';
        const auto digits = name.substr(hex ? 2 : 1);
        std::uint32_t value = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, hex ? 16 : 10);
        if (digits.empty() || end != digits.data() + digits.size()) {
            return 0;
        }
        AppendUtf8(ec == std::errc{} ? static_cast<char32_t>(value) : char32_t{0xFFFD}, out);
        return semicolon - pos + 1;
    }
    static constexpr std::array<std::pair<std::string_view, char32_t>, 22> kNamed = {{
        {"amp", U'&'},    {"lt", U'<'},    {"gt", U'>'},    {"quot", U'"'},  {"apos", U'\''}, {"nbsp", U' '},
        {"hellip", U'…'}, {"mdash", U'—'}, {"ndash", U'–'}, {"rsquo", U'’'}, {"lsquo", U'‘'}, {"ldquo", U'“'},
        {"rdquo", U'”'},  {"copy", U'©'},  {"reg", U'®'},   {"euro", U'€'},  {"pound", U'£'}, {"bull", U'•'},
        {"middot", U'·'}, {"trade", U'™'}, {"laquo", U'«'}, {"raquo", U'»'},
    }};
    for (const auto& [entity, code_point] : kNamed) {
        if (name == entity) {
            AppendUtf8(code_point, out);
            return semicolon - pos + 1;
        }
    }
    return 0;
}

bool IsBlockTag(std::string_view tag) {
    static constexpr std::array<std::string_view, 20> kBlocks = {
        "p",  "br", "div", "li", "ul",    "ol",         "h1",      "h2",      "h3",  "h4",
        "h5", "h6", "tr",  "hr", "table", "blockquote", "section", "article", "pre", "figure"};
    return std::find(kBlocks.begin(), kBlocks.end(), tag) != kBlocks.end();
}

}  // namespace

std::string HtmlToText(std::string_view html) {
    std::string raw;  // text with single spaces and '\n' for blocks, collapsed below
    raw.reserve(html.size());
    std::size_t pos = 0;
    while (pos < html.size()) {
        const char c = html[pos];
        if (c == '<') {
            if (html.substr(pos, 4) == "<!--") {
                const auto end = html.find("-->", pos + 4);
                pos = end == std::string_view::npos ? html.size() : end + 3;
                continue;
            }
            std::size_t name_start = pos + 1;
            if (name_start < html.size() && html[name_start] == '/') {
                ++name_start;
            }
            std::size_t name_end = name_start;
            while (name_end < html.size() && std::isalnum(static_cast<unsigned char>(html[name_end]))) {
                ++name_end;
            }
            if (name_end == name_start) {  // a lone '<' is text
                raw += c;
                ++pos;
                continue;
            }
            std::string tag;
            for (std::size_t i = name_start; i < name_end; ++i) {
                tag += static_cast<char>(std::tolower(static_cast<unsigned char>(html[i])));
            }
            // Skip to the tag's end, minding quoted attribute values.
            std::size_t end = name_end;
            char quote = 0;
            while (end < html.size() && (quote != 0 || html[end] != '>')) {
                if (quote != 0 && html[end] == quote) {
                    quote = 0;
                } else if (quote == 0 && (html[end] == '"' || html[end] == '\'')) {
                    quote = html[end];
                }
                ++end;
            }
            const bool closing = html[name_start - 1] == '/';
            pos = end == html.size() ? end : end + 1;
            if ((tag == "script" || tag == "style") && !closing) {
                const auto close = html.find("</" + tag, pos);
                pos = close == std::string_view::npos ? html.size() : close;
                continue;
            }
            raw += IsBlockTag(tag) ? '\n' : ' ';
            continue;
        }
        if (c == '&') {
            const std::size_t used = DecodeReference(html, pos, raw);
            if (used > 0) {
                pos += used;
                continue;
            }
        }
        raw += (c == '\t' || c == '\r' || c == '\n' || c == '\f') ? ' ' : c;
        ++pos;
    }
    // Collapse: runs of spaces to one, lines trimmed, at most one blank line between paragraphs.
    std::string text;
    std::size_t newlines = 0;
    bool pending_space = false;
    for (const char c : raw) {
        if (c == '\n') {
            ++newlines;
            pending_space = false;
            continue;
        }
        if (c == ' ') {
            pending_space = true;
            continue;
        }
        if (!text.empty()) {
            if (newlines > 0) {
                text += newlines > 1 ? "\n\n" : "\n";
            } else if (pending_space) {
                text += ' ';
            }
        }
        newlines = 0;
        pending_space = false;
        text += c;
    }
    return text;
}

std::optional<Timestamp> ParseRfc822Date(std::string_view text) {
    const std::string trimmed = Trim(text);
    if (auto rfc3339 = ParseRfc3339(trimmed)) {
        return rfc3339;
    }
    std::string_view rest = trimmed;
    if (const auto comma = rest.find(','); comma != std::string_view::npos) {
        rest.remove_prefix(comma + 1);
    }
    // Tokens: day month year time [zone]
    std::vector<std::string_view> tokens;
    while (!rest.empty()) {
        const auto start = rest.find_first_not_of(' ');
        if (start == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(start);
        const auto end = rest.find(' ');
        tokens.push_back(rest.substr(0, end));
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    if (tokens.size() < 4 || tokens.size() > 5) {
        return std::nullopt;
    }
    auto number = [](std::string_view digits, int& value) {
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        return ec == std::errc{} && end == digits.data() + digits.size() && !digits.empty();
    };
    int day = 0;
    int year = 0;
    const int month = MonthIndex(tokens[1]);
    if (!number(tokens[0], day) || month < 0 || !number(tokens[2], year) || tokens[2].size() > 4) {
        return std::nullopt;
    }
    if (tokens[2].size() <= 2) {
        year += year >= 50 ? 1900 : 2000;
    }
    int hour = 0;
    int minute = 0;
    int second = 0;
    const auto& time = tokens[3];
    if (time.size() < 5 || time[2] != ':' || !number(time.substr(0, 2), hour) || !number(time.substr(3, 2), minute)) {
        return std::nullopt;
    }
    if (time.size() > 5 && (time.size() != 8 || time[5] != ':' || !number(time.substr(6, 2), second))) {
        return std::nullopt;
    }
    const auto offset = ZoneOffsetMinutes(tokens.size() == 5 ? tokens[4] : std::string_view{});
    if (!offset || hour > 23 || minute > 59 || second > 60 || year < 1900 || year > 9999) {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                           std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok()) {
        return std::nullopt;
    }
    return std::chrono::time_point_cast<Timestamp::duration>(
        std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
        std::chrono::seconds{second} - std::chrono::minutes{*offset});
}

std::variant<Feed, std::string> ParseFeed(std::string_view document, const FeedContext& context) {
    auto parsed = ParseDocument(document);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        return std::move(*error);
    }
    const auto& doc = std::get<DocPtr>(parsed);
    const xmlNode* root = xmlDocGetRootElement(doc.get());
    Feed feed;
    if (IsElement(root, "feed")) {
        feed.format = "atom";
        xmlChar* lang = xmlNodeGetLang(root);
        const std::string language = lang != nullptr ? PrimaryLanguage(reinterpret_cast<const char*>(lang)) : "";
        xmlFree(lang);
        for (const xmlNode* child = root->children; child != nullptr; child = child->next) {
            if (IsElement(child, "entry")) {
                feed.entries.push_back(MakeEntry(child, true, context, language));
            }
        }
        return feed;
    }
    if (!IsElement(root, "rss") && !IsElement(root, "RDF")) {
        return "root element <" + std::string(LocalName(root)) + "> is neither rss, RDF nor feed";
    }
    feed.format = "rss";
    const xmlNode* channel = Child(root, "channel");
    std::string language;
    if (channel != nullptr) {
        if (const xmlNode* tag = Child(channel, "language")) {
            language = PrimaryLanguage(NodeText(tag));
        }
    }
    // RSS 2.0 nests items in <channel>; RSS 1.0 (RDF) puts them next to it.
    for (const xmlNode* parent : {channel, root}) {
        if (parent == nullptr) {
            continue;
        }
        for (const xmlNode* child = parent->children; child != nullptr; child = child->next) {
            if (IsElement(child, "item")) {
                feed.entries.push_back(MakeEntry(child, false, context, language));
            }
        }
    }
    return feed;
}

std::variant<RawItem, std::string> ParseEntryXml(std::string_view xml, const FeedContext& context) {
    auto parsed = ParseDocument(xml);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        return std::move(*error);
    }
    const xmlNode* root = xmlDocGetRootElement(std::get<DocPtr>(parsed).get());
    const bool atom = IsElement(root, "entry");
    if (!atom && !IsElement(root, "item")) {
        return std::string("not an <item> or <entry>");
    }
    auto entry = MakeEntry(root, atom, context, "");
    if (auto* bad = std::get_if<BadRecord>(&entry.record)) {
        return std::move(bad->reason);
    }
    return std::get<RawItem>(std::move(entry.record));
}

}  // namespace carelisten::connectors::rss
