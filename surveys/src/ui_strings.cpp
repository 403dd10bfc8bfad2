#include "ui_strings.hpp"

namespace carelisten::surveys::detail {
namespace {

constexpr UiStrings kEnglish{
    .language = "en",
    .scale_hint = "Reply with a number from 0 to 10.",
    .scale_please = "Please reply with a number from 0 to 10.",
    .yes_no_hint = "Reply YES or NO.",
    .yes_no_please = "Please reply YES or NO.",
    .choice_hint = "Reply with the number:",
    .choice_please = "Please reply with one of these numbers:",
    .free_hint = "Reply in a few words.",
    .free_please = "Please reply in a few words.",
    .skip_hint = "Or reply SKIP.",
    .sorry = "Sorry, we did not understand.",
    .thanks = "Thank you. Your answers have been sent to your care team.",
    .unwell = "If you feel very unwell, call the hospital or your emergency number now.",
    .intro_full =
        "{hospital}: how are you since your stay in {unit}? Please answer {count} short {questions} by "
        "SMS.",
    .intro_short = "{hospital} ({unit}) follow-up: {count} {questions}.",
    .question_one = "question",
    .question_many = "questions",
    .online = "Or online: {url}",
    .stop = "Reply STOP to opt out.",
    .form_title = "Your follow-up questions",
    .form_intro = "Please tell us how you are since you left hospital. Your answers go to your care team.",
    .yes = "Yes",
    .no = "No",
    .send = "Send my answers",
    .optional = "(optional)",
    .scale_low = "0 = none, 10 = worst",
    .answer_required = "Please answer this question.",
    .answer_invalid = "Please choose one of the answers.",
    .errors_above = "Some answers are missing. Please look at the questions marked below.",
    .thanks_title = "Thank you",
    .thanks_body =
        "Your answers have been sent to your care team. If you feel very unwell, call the hospital or "
        "your emergency number now.",
    .gone_title = "This link has expired",
    .gone_body =
        "This questionnaire has already been answered or is no longer open. If you have a question about "
        "your care, please call the hospital.",
    .unsubscribe_title = "Stop follow-up messages",
    .unsubscribe_body =
        "We will send no more follow-up questionnaires to this address. Your care is not affected, and you can "
        "ask the hospital to start them again at any time.",
    .unsubscribe_button = "Stop follow-up messages",
    .unsubscribed_title = "Done",
    .unsubscribed_body = "You will get no more follow-up questionnaires at this address.",
};

constexpr UiStrings kHindi{
    .language = "hi",
    .scale_hint = "0 से 10 तक की संख्या लिखकर उत्तर दें।",
    .scale_please = "कृपया 0 से 10 तक की संख्या लिखकर उत्तर दें।",
    .yes_no_hint = "हाँ या नहीं (YES या NO) लिखकर उत्तर दें।",
    .yes_no_please = "कृपया हाँ या नहीं (YES या NO) लिखकर उत्तर दें।",
    .choice_hint = "संख्या लिखकर उत्तर दें:",
    .choice_please = "कृपया इनमें से एक संख्या लिखें:",
    .free_hint = "कुछ शब्दों में उत्तर दें।",
    .free_please = "कृपया कुछ शब्दों में उत्तर दें।",
    .skip_hint = "या SKIP लिखें।",
    .sorry = "क्षमा करें, हम समझ नहीं पाए।",
    .thanks = "धन्यवाद। आपके उत्तर आपकी देखभाल टीम को भेज दिए गए हैं।",
    .unwell = "अगर आप बहुत अस्वस्थ महसूस करें, तो अभी अस्पताल या आपातकालीन नंबर पर फ़ोन करें।",
    .intro_full =
        "{hospital}: {unit} में उपचार के बाद आप कैसे हैं? कृपया SMS से {count} छोटे {questions} के उत्तर "
        "दें।",
    .intro_short = "{hospital} ({unit}) फ़ॉलो-अप: {count} {questions}।",
    .question_one = "प्रश्न",
    .question_many = "प्रश्नों",
    .online = "या ऑनलाइन: {url}",
    .stop = "सेवा बंद करने के लिए STOP लिखें।",
    .form_title = "आपके फ़ॉलो-अप प्रश्न",
    .form_intro = "कृपया बताएँ कि अस्पताल से जाने के बाद आप कैसे हैं। आपके उत्तर आपकी देखभाल टीम को जाते हैं।",
    .yes = "हाँ",
    .no = "नहीं",
    .send = "मेरे उत्तर भेजें",
    .optional = "(वैकल्पिक)",
    .scale_low = "0 = बिल्कुल नहीं, 10 = सबसे ज़्यादा",
    .answer_required = "कृपया इस प्रश्न का उत्तर दें।",
    .answer_invalid = "कृपया दिए गए उत्तरों में से एक चुनें।",
    .errors_above = "कुछ उत्तर छूट गए हैं। कृपया नीचे चिह्नित प्रश्न देखें।",
    .thanks_title = "धन्यवाद",
    .thanks_body =
        "आपके उत्तर आपकी देखभाल टीम को भेज दिए गए हैं। अगर आप बहुत अस्वस्थ महसूस करें, तो अभी अस्पताल या "
        "आपातकालीन नंबर पर फ़ोन करें।",
    .gone_title = "यह लिंक अब मान्य नहीं है",
    .gone_body =
        "इस प्रश्नावली का उत्तर दिया जा चुका है या यह अब खुली नहीं है। अपने उपचार के बारे में प्रश्न हो तो कृपया "
        "अस्पताल को फ़ोन करें।",
    .unsubscribe_title = "फ़ॉलो-अप संदेश बंद करें",
    .unsubscribe_body =
        "हम इस पते पर और फ़ॉलो-अप प्रश्नावली नहीं भेजेंगे। इससे आपके उपचार पर कोई असर नहीं पड़ेगा, और आप कभी भी "
        "अस्पताल से इन्हें फिर से शुरू करने के लिए कह सकते हैं।",
    .unsubscribe_button = "फ़ॉलो-अप संदेश बंद करें",
    .unsubscribed_title = "हो गया",
    .unsubscribed_body = "इस पते पर अब आपको फ़ॉलो-अप प्रश्नावली नहीं मिलेगी।",
};

}  // namespace

bool HasStrings(std::string_view language) {
    return language == "en" || language == "hi" || language.starts_with("hi-") || language.starts_with("en-");
}

const UiStrings& Strings(std::string_view language) {
    if (language == "hi" || language.starts_with("hi-")) {
        return kHindi;
    }
    return kEnglish;
}

}  // namespace carelisten::surveys::detail
