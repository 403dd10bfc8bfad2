/// @file
/// @brief HTML to plain text (gumbo, the HTML5 parsing algorithm), for messages that arrive as HTML.
#pragma once

#include <string>
#include <string_view>

namespace carelisten::nlp {

/// True when the text starts (after whitespace) with "<!doctype html", "<html", "<body", "<div", "<p",
/// "<table", "<head" or "<meta", or has one of "</p>", "<br", "</div>", "</html>", "</body>" in it.
bool LooksLikeHtml(std::string_view text);

/// The text content: script, style, head, template and noscript dropped; block elements (p, div, br,
/// li, tr, h1–h6, …) become line breaks; entities decoded by the parser; whitespace runs inside a line
/// collapsed to one space. Invalid UTF-8 is repaired first.
std::string HtmlToText(std::string_view html);

}  // namespace carelisten::nlp
