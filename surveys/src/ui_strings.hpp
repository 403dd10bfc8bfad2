/// @file
/// @brief The patient-facing sentences of the SMS dialog and the web form, per language (English and Hindi;
/// any other language gets English). Question wording comes from the definition, not from here.
#pragma once

#include <string_view>

namespace carelisten::surveys::detail {

struct UiStrings {
    std::string_view language;  ///< "en" or "hi": the lang attribute for these sentences
    // SMS
    std::string_view scale_hint;    ///< after a scale question
    std::string_view scale_please;  ///< in a re-ask
    std::string_view yes_no_hint;
    std::string_view yes_no_please;
    std::string_view choice_hint;  ///< "Reply with the number:" followed by "1 Better, 2 Same"
    std::string_view choice_please;
    std::string_view free_hint;
    std::string_view free_please;
    std::string_view skip_hint;   ///< non-required questions
    std::string_view sorry;       ///< starts a re-ask
    std::string_view thanks;      ///< after the last answer
    std::string_view unwell;      ///< added to the thank-you when an answer raised a red flag
    std::string_view intro_full;  ///< {hospital} {unit} {count} {questions}
    std::string_view intro_short;
    std::string_view question_one;
    std::string_view question_many;
    std::string_view online;  ///< {url}
    std::string_view stop;
    // Web form
    std::string_view form_title;
    std::string_view form_intro;
    std::string_view yes;
    std::string_view no;
    std::string_view send;
    std::string_view optional;
    std::string_view scale_low;  ///< legend suffix explaining the ends of the scale
    std::string_view answer_required;
    std::string_view answer_invalid;
    std::string_view errors_above;  ///< summary at the top when answers are missing
    std::string_view thanks_title;
    std::string_view thanks_body;
    std::string_view gone_title;
    std::string_view gone_body;
    // The e-mail unsubscribe link
    std::string_view unsubscribe_title;
    std::string_view unsubscribe_body;
    std::string_view unsubscribe_button;
    std::string_view unsubscribed_title;
    std::string_view unsubscribed_body;
};

/// The sentences for `language`: exact match on "en" or "hi" (or a tag starting "hi-"), else English.
const UiStrings& Strings(std::string_view language);

/// True when `language` has its own sentences (not the English fallback).
bool HasStrings(std::string_view language);

}  // namespace carelisten::surveys::detail
