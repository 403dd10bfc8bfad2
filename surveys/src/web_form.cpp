#include <common/web_text.hpp>
#include <surveys/web_form.hpp>

#include "text_util.hpp"
#include "ui_strings.hpp"

namespace carelisten::surveys {
namespace {

constexpr std::string_view kStylesheet =
    R"css(/* carelisten follow-up form: one column, mobile first, WCAG AA contrast. */
*, *::before, *::after { box-sizing: border-box; }
html { font-size: 100%; }
body { margin: 0; background: #ffffff; color: #1a1a1a; font-family: system-ui, -apple-system, "Segoe UI", Roboto,
  "Noto Sans", "Noto Sans Devanagari", sans-serif; font-size: 1.125rem; line-height: 1.5; }
main { max-width: 40rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 0.5rem; }
h2 { font-size: 1.25rem; }
fieldset, .field { border: 1px solid #595959; border-radius: 0.5rem; margin: 0 0 1.25rem; padding: 0.75rem 1rem; }
legend, .field > label { font-weight: 600; padding: 0 0.25rem; }
.hint { color: #4a4a4a; font-size: 1rem; margin: 0.25rem 0 0.5rem; }
.choices { display: flex; flex-direction: column; gap: 0.5rem; }
.scale { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.option { display: flex; align-items: center; gap: 0.5rem; min-height: 2.75rem; }
.scale .option { min-width: 3rem; }
input[type="radio"] { width: 1.5rem; height: 1.5rem; margin: 0; accent-color: #0b4f8a; }
textarea { width: 100%; min-height: 6rem; font: inherit; color: #1a1a1a; background: #ffffff;
  border: 1px solid #595959; border-radius: 0.25rem; padding: 0.5rem; }
button { font: inherit; font-weight: 600; color: #ffffff; background: #0b4f8a; border: 0; border-radius: 0.5rem;
  padding: 0.75rem 1.5rem; min-height: 2.75rem; width: 100%; cursor: pointer; }
button:hover { background: #083b67; }
:focus-visible { outline: 3px solid #b34700; outline-offset: 2px; }
.error { color: #a10000; font-weight: 600; margin: 0.25rem 0; }
.invalid { border-color: #a10000; border-width: 2px; }
.summary { border: 2px solid #a10000; border-radius: 0.5rem; padding: 0.75rem 1rem; margin-bottom: 1.25rem; }
@media (min-width: 40rem) { button { width: auto; } }
)css";

// The page's lang: the requested language when it has sentences and looks like a tag; English otherwise.
std::string PageLanguage(std::string_view language) {
    return std::string(detail::Strings(language).language);
}

std::string Head(std::string_view lang, std::string_view title, std::string_view hospital_name,
                 std::string_view stylesheet_url) {
    std::string html = "<!DOCTYPE html>\n<html lang=\"" + HtmlEscape(lang) + "\">\n<head>\n<meta charset=\"utf-8\">\n";
    html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    html += "<meta name=\"referrer\" content=\"no-referrer\">\n";
    html += "<title>" + HtmlEscape(title) + " - " + HtmlEscape(hospital_name) + "</title>\n";
    html += "<link rel=\"stylesheet\" href=\"" + HtmlEscape(stylesheet_url) + "\">\n</head>\n<body>\n<main>\n";
    html += "<h1>" + HtmlEscape(hospital_name) + "</h1>\n";
    return html;
}

constexpr std::string_view kFoot = "</main>\n</body>\n</html>\n";

// Marks text that fell back to English on a page in another language, for screen readers' pronunciation.
std::string LangAttribute(const std::map<std::string, std::string>& texts, std::string_view page_lang) {
    if (page_lang == "en" || texts.contains(std::string(page_lang))) {
        return {};
    }
    return " lang=\"en\"";
}

void Radio(std::string& html, const std::string& name, const std::string& id, std::string_view value,
           std::string_view label, bool required, const std::string& described_by) {
    html += "<div class=\"option\"><input type=\"radio\" id=\"" + id + "\" name=\"" + name + "\" value=\"" +
            HtmlEscape(value) + "\"";
    if (required) {
        html += " required";
    }
    if (!described_by.empty()) {
        html += " aria-invalid=\"true\" aria-describedby=\"" + described_by + "\"";
    }
    html += "><label for=\"" + id + "\">" + HtmlEscape(label) + "</label></div>\n";
}

std::string PageShell(std::string_view language, std::string_view hospital_name, std::string_view stylesheet_url,
                      std::string_view title, std::string_view body) {
    const std::string lang = PageLanguage(language);
    std::string html = Head(lang, title, hospital_name, stylesheet_url);
    html += "<h2>" + HtmlEscape(title) + "</h2>\n<p>" + HtmlEscape(body) + "</p>\n";
    html += kFoot;
    return html;
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
    return web::EscapeHtml(text);
}

std::string_view FormStylesheet() {
    return kStylesheet;
}

FormPage RenderForm(const SurveyDefinition& definition, std::string_view language, std::string_view hospital_name,
                    std::string_view action, std::string_view csrf_token, std::string_view stylesheet_url,
                    const std::map<std::string, std::string>& errors_by_question) {
    const auto& s = detail::Strings(language);
    const std::string lang = PageLanguage(language);
    // Wording in the page language when the definition has it (Wording falls back to English itself).
    const std::string_view wording_language = detail::HasStrings(language) ? std::string_view(lang) : "en";
    std::string html = Head(lang, s.form_title, hospital_name, stylesheet_url);
    html += "<p>" + HtmlEscape(s.form_intro) + "</p>\n";
    if (!errors_by_question.empty()) {
        html +=
            "<div class=\"summary\" role=\"alert\"><p class=\"error\">" + HtmlEscape(s.errors_above) + "</p></div>\n";
    }
    html += "<form method=\"post\" action=\"" + HtmlEscape(action) + "\" accept-charset=\"utf-8\">\n";
    html += "<input type=\"hidden\" name=\"csrf\" value=\"" + HtmlEscape(csrf_token) + "\">\n";
    for (std::size_t i = 0; i < definition.questions.size(); ++i) {
        const Question& question = definition.questions[i];
        // Ids are [a-z0-9_]+ (checked when the definition was parsed), but escaped anyway: defence in depth.
        const std::string name = "q_" + HtmlEscape(question.id);
        const std::string number = std::to_string(i + 1) + ". ";
        const std::string wording = HtmlEscape(Wording(question, wording_language));
        const std::string text_lang = LangAttribute(question.text, lang);
        const std::string optional =
            question.required ? "" : " <span class=\"hint\">" + HtmlEscape(s.optional) + "</span>";
        const auto error = errors_by_question.find(question.id);
        const std::string error_id = error != errors_by_question.end() ? "e_" + name : "";
        const std::string error_html =
            error_id.empty() ? ""
                             : "<p class=\"error\" id=\"" + error_id + "\">" + HtmlEscape(error->second) + "</p>\n";
        const std::string invalid = error_id.empty() ? "" : " class=\"invalid\"";
        if (question.type == QuestionType::kFreeText) {
            html += "<div class=\"field\"><label for=\"" + name + "\"" + text_lang + ">" + number + wording +
                    "</label>" + optional + "\n" + error_html;
            html += "<textarea id=\"" + name + "\" name=\"" + name + "\" rows=\"4\" maxlength=\"2000\"";
            html += question.required ? " required" : "";
            html += error_id.empty() ? "" : " aria-invalid=\"true\" aria-describedby=\"" + error_id + "\"";
            html += invalid + "></textarea></div>\n";
            continue;
        }
        html += "<fieldset" + invalid + "><legend" + text_lang + ">" + number + wording + optional + "</legend>\n";
        html += error_html;
        switch (question.type) {
            case QuestionType::kScale0To10:
                html += "<p class=\"hint\">" + HtmlEscape(s.scale_low) + "</p>\n<div class=\"scale\">\n";
                for (int value = 0; value <= 10; ++value) {
                    const std::string v = std::to_string(value);
                    Radio(html, name, name + "_" + v, v, v, question.required, error_id);
                }
                html += "</div>\n";
                break;
            case QuestionType::kYesNo:
                html += "<div class=\"choices\">\n";
                Radio(html, name, name + "_yes", "yes", s.yes, question.required, error_id);
                Radio(html, name, name + "_no", "no", s.no, question.required, error_id);
                html += "</div>\n";
                break;
            case QuestionType::kSingleChoice:
                html += "<div class=\"choices\">\n";
                for (const Choice& choice : question.choices) {
                    Radio(html, name, name + "_" + HtmlEscape(choice.key), choice.key, Label(choice, wording_language),
                          question.required, error_id);
                }
                html += "</div>\n";
                break;
            case QuestionType::kFreeText:
                break;
        }
        html += "</fieldset>\n";
    }
    html += "<button type=\"submit\">" + HtmlEscape(s.send) + "</button>\n</form>\n";
    html += kFoot;
    return FormPage{.html = std::move(html)};
}

FormPage RenderThanks(std::string_view language, std::string_view hospital_name, std::string_view stylesheet_url) {
    const auto& s = detail::Strings(language);
    return FormPage{.html = PageShell(language, hospital_name, stylesheet_url, s.thanks_title, s.thanks_body)};
}

FormPage RenderGone(std::string_view language, std::string_view hospital_name, std::string_view stylesheet_url) {
    const auto& s = detail::Strings(language);
    return FormPage{.html = PageShell(language, hospital_name, stylesheet_url, s.gone_title, s.gone_body)};
}

FormPage RenderUnsubscribe(std::string_view language, std::string_view hospital_name, std::string_view action,
                           std::string_view csrf_token, std::string_view stylesheet_url) {
    const auto& s = detail::Strings(language);
    std::string html = PageShell(language, hospital_name, stylesheet_url, s.unsubscribe_title, s.unsubscribe_body);
    // The button, before the page's foot: a form that POSTs, so opening the link alone changes nothing.
    const std::string form = "<form method=\"post\" action=\"" + HtmlEscape(action) +
                             "\">\n<input type=\"hidden\" name=\"csrf\" value=\"" + HtmlEscape(csrf_token) +
                             "\">\n<button type=\"submit\">" + HtmlEscape(s.unsubscribe_button) +
                             "</button>\n</form>\n";
    const auto foot = html.rfind(kFoot);
    html.insert(foot == std::string::npos ? html.size() : foot, form);
    return FormPage{.html = std::move(html)};
}

FormPage RenderUnsubscribed(std::string_view language, std::string_view hospital_name,
                            std::string_view stylesheet_url) {
    const auto& s = detail::Strings(language);
    return FormPage{.html =
                        PageShell(language, hospital_name, stylesheet_url, s.unsubscribed_title, s.unsubscribed_body)};
}

std::optional<std::map<std::string, std::string>> ParseUrlEncodedForm(std::string_view body) {
    if (body.size() > kMaxFormBodyBytes) {
        return std::nullopt;
    }
    std::map<std::string, std::string> fields;
    while (!body.empty()) {
        const auto amp = body.find('&');
        const std::string_view pair = body.substr(0, amp);
        body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        const auto equals = pair.find('=');
        auto key = web::DecodeFormComponent(pair.substr(0, equals));
        auto value =
            web::DecodeFormComponent(equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1));
        if (!key || !value || key->empty()) {
            return std::nullopt;
        }
        if (!fields.emplace(std::move(*key), std::move(*value)).second) {
            return std::nullopt;  // a repeated key: a radio group can send only one value
        }
    }
    return fields;
}

FormSubmission ReadFormSubmission(const SurveyDefinition& definition, const std::map<std::string, std::string>& fields,
                                  std::string_view language) {
    const auto& s = detail::Strings(language);
    FormSubmission submission;
    if (const auto csrf = fields.find("csrf"); csrf != fields.end()) {
        submission.csrf_token = csrf->second;
    }
    for (const Question& question : definition.questions) {
        const auto field = fields.find("q_" + question.id);
        const bool blank = field == fields.end() || detail::CleanFreeText(field->second).empty();
        if (blank) {
            if (question.required) {
                submission.errors_by_question[question.id] = std::string(s.answer_required);
            }
            continue;
        }
        ParsedAnswer parsed = ParseAnswer(question, field->second, language);
        if (!parsed.usable) {
            submission.errors_by_question[question.id] = std::string(s.answer_invalid);
            continue;
        }
        submission.answers.emplace_back(question.id, std::move(parsed.value));
    }
    return submission;
}

}  // namespace carelisten::surveys
