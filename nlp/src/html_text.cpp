#include <gumbo.h>

#include <algorithm>
#include <cctype>
#include <nlp/html_text.hpp>
#include <nlp/normalize.hpp>

namespace carelisten::nlp {
namespace {

bool IsDropped(GumboTag tag) {
    switch (tag) {
        case GUMBO_TAG_SCRIPT:
        case GUMBO_TAG_STYLE:
        case GUMBO_TAG_HEAD:
        case GUMBO_TAG_TEMPLATE:
        case GUMBO_TAG_NOSCRIPT:
        case GUMBO_TAG_IFRAME:
        case GUMBO_TAG_OBJECT:
            return true;
        default:
            return false;
    }
}

bool IsBlock(GumboTag tag) {
    switch (tag) {
        case GUMBO_TAG_ADDRESS:
        case GUMBO_TAG_ARTICLE:
        case GUMBO_TAG_ASIDE:
        case GUMBO_TAG_BLOCKQUOTE:
        case GUMBO_TAG_BR:
        case GUMBO_TAG_DD:
        case GUMBO_TAG_DIV:
        case GUMBO_TAG_DL:
        case GUMBO_TAG_DT:
        case GUMBO_TAG_FIELDSET:
        case GUMBO_TAG_FIGCAPTION:
        case GUMBO_TAG_FIGURE:
        case GUMBO_TAG_FOOTER:
        case GUMBO_TAG_FORM:
        case GUMBO_TAG_H1:
        case GUMBO_TAG_H2:
        case GUMBO_TAG_H3:
        case GUMBO_TAG_H4:
        case GUMBO_TAG_H5:
        case GUMBO_TAG_H6:
        case GUMBO_TAG_HEADER:
        case GUMBO_TAG_HR:
        case GUMBO_TAG_LI:
        case GUMBO_TAG_MAIN:
        case GUMBO_TAG_NAV:
        case GUMBO_TAG_OL:
        case GUMBO_TAG_P:
        case GUMBO_TAG_PRE:
        case GUMBO_TAG_SECTION:
        case GUMBO_TAG_TABLE:
        case GUMBO_TAG_TD:
        case GUMBO_TAG_TH:
        case GUMBO_TAG_TR:
        case GUMBO_TAG_UL:
            return true;
        default:
            return false;
    }
}

void Break(std::string* out) {
    while (!out->empty() && out->back() == ' ') {
        out->pop_back();
    }
    if (!out->empty() && out->back() != '\n') {
        out->push_back('\n');
    }
}

void AppendText(std::string_view text, std::string* out) {
    for (const char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            if (!out->empty() && out->back() != ' ' && out->back() != '\n') {
                out->push_back(' ');
            }
        } else {
            out->push_back(c);
        }
    }
}

void Walk(const GumboNode* node, std::string* out) {
    switch (node->type) {
        case GUMBO_NODE_TEXT:
        case GUMBO_NODE_CDATA:
        case GUMBO_NODE_WHITESPACE:
            AppendText(node->v.text.text, out);
            return;
        case GUMBO_NODE_ELEMENT:
        case GUMBO_NODE_TEMPLATE:
            break;
        case GUMBO_NODE_DOCUMENT:
        case GUMBO_NODE_COMMENT:
            return;
    }
    const GumboElement& element = node->v.element;
    if (IsDropped(element.tag)) {
        return;
    }
    const bool block = IsBlock(element.tag);
    if (block) {
        Break(out);
    }
    for (unsigned int i = 0; i < element.children.length; ++i) {
        Walk(static_cast<const GumboNode*>(element.children.data[i]), out);
    }
    if (block) {
        Break(out);
    }
}

std::string Lower(std::string_view text, std::size_t limit) {
    std::string out;
    for (std::size_t i = 0; i < text.size() && i < limit; ++i) {
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
    }
    return out;
}

}  // namespace

bool LooksLikeHtml(std::string_view text) {
    constexpr std::size_t kScanLimit = 4096;
    const std::size_t start = text.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) {
        return false;
    }
    // Every pattern below starts with '<': text without one in the scanned head (most messages) is not HTML.
    if (text.substr(start, kScanLimit).find('<') == std::string_view::npos) {
        return false;
    }
    const std::string head = Lower(text.substr(start), kScanLimit);
    constexpr std::string_view kOpeners[] = {"<!doctype html", "<html", "<body", "<div", "<p>", "<p ",
                                             "<table",         "<head", "<meta"};
    for (const std::string_view opener : kOpeners) {
        if (head.starts_with(opener)) {
            return true;
        }
    }
    constexpr std::string_view kInside[] = {"</p>", "<br>", "<br/>", "<br />", "</div>", "</html>", "</body>"};
    return std::any_of(std::begin(kInside), std::end(kInside),
                       [&](std::string_view tag) { return head.find(tag) != std::string::npos; });
}

std::string HtmlToText(std::string_view html) {
    const std::string repaired = RepairUtf8(html, nullptr);
    GumboOutput* output = gumbo_parse_with_options(&kGumboDefaultOptions, repaired.data(), repaired.size());
    std::string text;
    if (output != nullptr) {
        Walk(output->root, &text);
        gumbo_destroy_output(&kGumboDefaultOptions, output);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) {
        text.pop_back();
    }
    const std::size_t first = text.find_first_not_of(" \n");
    return first == std::string::npos ? std::string{} : text.substr(first);
}

}  // namespace carelisten::nlp
