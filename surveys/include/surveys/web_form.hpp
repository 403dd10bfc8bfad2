/// @file
/// @brief The tokenized web questionnaire: HTML pages (no JavaScript, accessible, everything escaped), the
/// stylesheet, and the reading of a submitted form. Pure functions; the daemon serves them.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <surveys/answer.hpp>
#include <surveys/definition.hpp>
#include <utility>
#include <vector>

namespace carelisten::surveys {

inline constexpr std::size_t kMaxFormBodyBytes = 64 * 1024;

struct FormPage {
    std::string html;
};

/// One column, mobile first; <fieldset>/<legend> radio groups for scales, yes/no and choices; a <label for>
/// for every input; the CSRF token as a hidden "csrf" input; POST to `action`. `errors_by_question` (question
/// id -> message, e.g. from ReadFormSubmission) is shown next to each question.
FormPage RenderForm(const SurveyDefinition& definition, std::string_view language, std::string_view hospital_name,
                    std::string_view action, std::string_view csrf_token, std::string_view stylesheet_url,
                    const std::map<std::string, std::string>& errors_by_question = {});
FormPage RenderThanks(std::string_view language, std::string_view hospital_name, std::string_view stylesheet_url);
/// The page for an expired or already used link.
FormPage RenderGone(std::string_view language, std::string_view hospital_name, std::string_view stylesheet_url);

/// The CSS the pages link to (contrast >= 4.5:1, visible focus), so the Content-Security-Policy can forbid
/// inline styles and scripts.
std::string_view FormStylesheet();
/// The e-mail unsubscribe page: what it does and one button that POSTs to `action` with the CSRF token (opening
/// the link changes nothing: mail scanners and previews open links).
FormPage RenderUnsubscribe(std::string_view language, std::string_view hospital_name, std::string_view action,
                           std::string_view csrf_token, std::string_view stylesheet_url);
FormPage RenderUnsubscribed(std::string_view language, std::string_view hospital_name, std::string_view stylesheet_url);

/// application/x-www-form-urlencoded: '+' is a space, %XX; nullopt for an invalid escape, a repeated or
/// empty key, invalid UTF-8 or a body over kMaxFormBodyBytes. Empty pairs ("a=1&&b=2") are ignored.
std::optional<std::map<std::string, std::string>> ParseUrlEncodedForm(std::string_view body);

struct FormSubmission {
    std::vector<std::pair<std::string, AnswerValue>> answers;  ///< answered questions, in survey order
    std::map<std::string, std::string> errors_by_question;     ///< question id -> localized message
    std::string csrf_token;
};

/// Field names are "q_<question id>"; "csrf" carries the token; unknown fields are ignored; a required
/// question missing or empty, or any unusable answer, gives an error for that question.
FormSubmission ReadFormSubmission(const SurveyDefinition& definition, const std::map<std::string, std::string>& fields,
                                  std::string_view language);

/// & < > " ' escaped: safe in element content and in quoted attribute values.
std::string HtmlEscape(std::string_view text);

}  // namespace carelisten::surveys
