// libFuzzer target: the web form's body parser and submission reader, the page renderer with hostile
// interpolations, and the TOML definition parser, on arbitrary bytes. Invariants: a parsed body re-encodes to
// itself; submissions name only real questions; no input ever opens a tag in the page; a parsed definition is
// valid and survives its JSON round trip; refused ones carry positioned errors.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <surveys/definition.hpp>
#include <surveys/web_form.hpp>
#include <variant>

namespace {

using namespace carelisten::surveys;

SurveyDefinition MakeDefinition() {
    SurveyDefinition definition;
    definition.unit = "fuzz";
    definition.version = 1;
    for (const auto& [id, type] :
         {std::pair{"pain", QuestionType::kScale0To10}, std::pair{"fever", QuestionType::kYesNo},
          std::pair{"notes", QuestionType::kFreeText}}) {
        Question question;
        question.id = id;
        question.type = type;
        question.text = {{"en", "Question?"}};
        definition.questions.push_back(std::move(question));
    }
    Question wound;
    wound.id = "wound";
    wound.type = QuestionType::kSingleChoice;
    wound.text = {{"en", "Wound?"}};
    wound.choices = {Choice{.key = "better", .labels = {{"en", "Better"}}},
                     Choice{.key = "worse", .labels = {{"en", "Worse"}}}};
    definition.questions.push_back(std::move(wound));
    return definition;
}

const SurveyDefinition kDefinition = MakeDefinition();

std::string Encode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || (byte >= '0' && byte <= '9')) {
            out += c;
        } else {
            out += '%';
            out += kHex[byte >> 4U];
            out += kHex[byte & 0xFU];
        }
    }
    return out;
}

bool IsQuestion(const std::string& id) {
    for (const Question& question : kDefinition.questions) {
        if (question.id == id) {
            return true;
        }
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    if (const auto fields = ParseUrlEncodedForm(input)) {
        std::string encoded;
        for (const auto& [name, value] : *fields) {
            encoded += (encoded.empty() ? "" : "&") + Encode(name) + "=" + Encode(value);
        }
        const auto again = ParseUrlEncodedForm(encoded);
        if (encoded.size() <= kMaxFormBodyBytes && (!again || *again != *fields)) {
            std::abort();
        }
        const FormSubmission submission = ReadFormSubmission(kDefinition, *fields, "en");
        if (submission.answers.size() + submission.errors_by_question.size() > kDefinition.questions.size()) {
            std::abort();
        }
        for (const auto& [id, value] : submission.answers) {
            if (!IsQuestion(id) || submission.errors_by_question.contains(id)) {
                std::abort();
            }
        }
        for (const auto& [id, message] : submission.errors_by_question) {
            if (!IsQuestion(id) || message.empty()) {
                std::abort();
            }
        }
    }
    // The input as every interpolated string: escaped, it adds no markup, so the page has exactly the tags of a
    // page rendered with harmless strings.
    const std::string hostile(input.substr(0, 512));
    const auto tags = [](const std::string& html) { return std::count(html.begin(), html.end(), '<'); };
    static const auto kTags = tags(RenderForm(kDefinition, "en", "x", "x", "x", "x", {{"pain", "x"}}).html);
    const std::string html =
        RenderForm(kDefinition, hostile, hostile, hostile, hostile, hostile, {{"pain", hostile}}).html;
    if (tags(html) != kTags || html.find("<script") != std::string::npos) {
        std::abort();
    }
    const auto parsed = ParseDefinitionToml(input);
    if (const auto* definition = std::get_if<SurveyDefinition>(&parsed)) {
        const auto back = FromJson(ToJson(*definition));
        if (!ValidateDefinition(*definition).empty() || !back || *back != *definition) {
            std::abort();
        }
    } else {
        const auto& errors = std::get<std::vector<DefinitionError>>(parsed);
        if (errors.empty()) {
            std::abort();
        }
        for (const auto& error : errors) {
            if (error.line < 1 || error.column < 1 || error.message.empty()) {
                std::abort();
            }
        }
    }
    return 0;
}
