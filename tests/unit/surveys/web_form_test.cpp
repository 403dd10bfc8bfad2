#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <surveys/web_form.hpp>

#include "survey_fixture.hpp"

namespace carelisten::surveys {
namespace {

using testing::Cardiology;

bool Contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

std::vector<std::string> Matches(const std::string& html, const std::string& pattern) {
    std::vector<std::string> out;
    const std::regex re(pattern);
    for (auto it = std::sregex_iterator(html.begin(), html.end(), re); it != std::sregex_iterator(); ++it) {
        out.push_back((*it)[1].str());
    }
    return out;
}

FormPage HostileForm() {
    SurveyDefinition definition = Cardiology();
    definition.questions[0].text["en"] = "<script>alert('pain')</script> & \"pain\"?";
    definition.questions[2].choices[0].labels["en"] = "<img src=x onerror=alert(1)>";
    return RenderForm(definition, "en", "<script>alert(1)</script> St. Mary's", "/s/tok\"en", "csrf\"><script>",
                      "/static/form.css?v=\"1\"");
}

TEST(RenderUnsubscribe, OneButtonThatPostsWithTheCsrfTokenAndEscapedText) {
    const auto page = RenderUnsubscribe("en", "<b>St Mary's</b>", "/survey/unsubscribe/1.x", "tok\"en", "/s.css").html;
    EXPECT_TRUE(Contains(page, "&lt;b&gt;St Mary&#39;s&lt;/b&gt;") || Contains(page, "&lt;b&gt;St Mary&#x27;s&lt;/b&gt;"))
        << page;
    EXPECT_TRUE(Contains(page, "<form method=\"post\" action=\"/survey/unsubscribe/1.x\">"));
    EXPECT_TRUE(Contains(page, "name=\"csrf\" value=\"tok&quot;en\""));
    EXPECT_TRUE(Contains(page, "<button type=\"submit\">Stop follow-up messages</button>"));
    EXPECT_FALSE(Contains(page, "<script"));
    EXPECT_TRUE(Contains(RenderUnsubscribe("hi", "H", "/a", "t", "/s.css").html, "lang=\"hi\""));
    EXPECT_TRUE(Contains(RenderUnsubscribed("en", "H", "/s.css").html, "no more follow-up questionnaires"));
}

TEST(HtmlEscape, EveryMarkupCharacter) {
    EXPECT_EQ(HtmlEscape("<a href=\"x\">Tom & Jerry's</a>"),
              "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
    EXPECT_EQ(HtmlEscape("घाव"), "घाव");
    EXPECT_EQ(HtmlEscape(""), "");
}

TEST(RenderForm, EscapesEverythingInterpolatedAndHasNoScript) {
    const std::string html = HostileForm().html;
    EXPECT_FALSE(Contains(html, "<script")) << html;
    EXPECT_FALSE(Contains(html, "<img")) << html;
    EXPECT_TRUE(Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt; St. Mary&#39;s")) << html;
    EXPECT_TRUE(Contains(html, "&lt;script&gt;alert(&#39;pain&#39;)&lt;/script&gt; &amp; &quot;pain&quot;?"));
    EXPECT_TRUE(Contains(html, "&lt;img src=x onerror=alert(1)&gt;"));
    EXPECT_TRUE(Contains(html, R"(action="/s/tok&quot;en")"));
    EXPECT_TRUE(Contains(html, R"(<input type="hidden" name="csrf" value="csrf&quot;&gt;&lt;script&gt;">)"));
    EXPECT_TRUE(Contains(html, R"(<link rel="stylesheet" href="/static/form.css?v=&quot;1&quot;">)"));
    EXPECT_FALSE(Contains(html, "style=")) << "no inline styles: the CSP forbids them";
    EXPECT_FALSE(std::regex_search(html, std::regex(R"re(<[^>]*\son[a-z]+=)re"))) << "no event handler attributes";
}

TEST(RenderForm, EveryInputHasALabelAndRadioGroupsAreFieldsets) {
    const std::string html = RenderForm(Cardiology(), "en", "City Hospital", "/s/abc", "tok", "/form.css").html;
    const auto ids = Matches(html, R"re(<(?:input type="radio"|textarea) id="([^"]+)")re");
    const auto labels = Matches(html, R"re(<label for="([^"]+)")re");
    // 11 scale points, yes and no, 4 choices, 1 text area.
    EXPECT_EQ(ids.size(), 11U + 2U + 4U + 1U);
    const std::set<std::string> label_set(labels.begin(), labels.end());
    for (const auto& id : ids) {
        EXPECT_TRUE(label_set.contains(id)) << "no <label for> for " << id;
    }
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size()) << "ids are unique";
    EXPECT_EQ(Matches(html, R"((<fieldset))").size(), 3U);
    EXPECT_EQ(Matches(html, R"((<legend))").size(), 3U);
    EXPECT_TRUE(Contains(html, R"(<html lang="en">)"));
    EXPECT_TRUE(Contains(html, R"(<form method="post" action="/s/abc")"));
    EXPECT_TRUE(Contains(html, R"(<input type="hidden" name="csrf" value="tok">)"));
    EXPECT_TRUE(Contains(html, R"(name="q_pain" value="10")"));
    EXPECT_TRUE(Contains(html, R"(name="q_fever" value="yes")"));
    EXPECT_TRUE(Contains(html, R"(name="q_wound" value="much_worse")"));
    EXPECT_TRUE(Contains(html, R"(<textarea id="q_comments" name="q_comments")"));
    EXPECT_TRUE(Contains(html, R"(<meta name="viewport" content="width=device-width, initial-scale=1">)"));
    EXPECT_TRUE(Contains(html, "(optional)"));
    EXPECT_FALSE(Contains(html, "<script"));
    EXPECT_TRUE(Contains(html, "<button type=\"submit\">Send my answers</button>"));
}

TEST(RenderForm, HindiWithEnglishFallbackMarked) {
    SurveyDefinition definition = Cardiology();
    definition.questions[1].text.erase("hi");
    const std::string html = RenderForm(definition, "hi", "सिटी अस्पताल", "/s/abc", "tok", "/form.css").html;
    EXPECT_TRUE(Contains(html, R"(<html lang="hi">)"));
    EXPECT_TRUE(Contains(html, "आज आपको कितना दर्द है"));
    EXPECT_TRUE(Contains(html, "बहुत खराब"));
    EXPECT_TRUE(Contains(html, R"(<legend lang="en">2. Have you had a fever since you went home?)")) << html;
    EXPECT_TRUE(Contains(html, "मेरे उत्तर भेजें"));
    // A language without sentences: an English page.
    EXPECT_TRUE(Contains(RenderForm(definition, "x\"><script>", "H", "/a", "t", "/c").html, R"(<html lang="en">)"));
}

TEST(RenderForm, ShowsErrorsNextToTheirQuestions) {
    const std::string html =
        RenderForm(Cardiology(), "en", "H", "/s/abc", "tok", "/form.css", {{"fever", "Please answer <this> question."}})
            .html;
    EXPECT_TRUE(Contains(html, R"(role="alert")"));
    EXPECT_TRUE(Contains(html, R"(<p class="error" id="e_q_fever">Please answer &lt;this&gt; question.</p>)"));
    EXPECT_TRUE(Contains(html, R"(aria-describedby="e_q_fever")"));
    EXPECT_TRUE(Contains(html, R"(<fieldset class="invalid"><legend>2. )"));
    EXPECT_EQ(Matches(html, R"((aria-invalid))").size(), 2U);  // the two radios of the fever question
}

TEST(RenderThanksAndGone, EscapedLocalizedNoScript) {
    const std::string thanks = RenderThanks("en", "<b>H</b>", "/form.css").html;
    EXPECT_TRUE(Contains(thanks, "&lt;b&gt;H&lt;/b&gt;"));
    EXPECT_TRUE(Contains(thanks, "Thank you"));
    EXPECT_TRUE(Contains(thanks, R"(<html lang="en">)"));
    EXPECT_FALSE(Contains(thanks, "<script"));
    const std::string gone = RenderGone("hi", "अस्पताल", "/form.css").html;
    EXPECT_TRUE(Contains(gone, R"(<html lang="hi">)"));
    EXPECT_TRUE(Contains(gone, "यह लिंक अब मान्य नहीं है"));
    EXPECT_TRUE(Contains(gone, R"(<link rel="stylesheet" href="/form.css">)"));
    EXPECT_TRUE(Contains(RenderGone("en", "H", "/c").html, "has already been answered or is no longer open"));
}

TEST(FormStylesheet, FocusVisibleAndNoImports) {
    const std::string_view css = FormStylesheet();
    EXPECT_NE(css.find(":focus-visible"), std::string_view::npos);
    EXPECT_NE(css.find("outline: 3px solid"), std::string_view::npos);
    EXPECT_EQ(css.find("@import"), std::string_view::npos);
    EXPECT_EQ(css.find("url("), std::string_view::npos);  // nothing fetched from elsewhere
}

TEST(ParseUrlEncodedForm, DecodesFields) {
    const auto fields = ParseUrlEncodedForm("csrf=abc&q_pain=7&q_comments=sore+wound%2C+red%21&q_x=%E0%A4%B9");
    ASSERT_TRUE(fields);
    EXPECT_EQ(fields->at("csrf"), "abc");
    EXPECT_EQ(fields->at("q_pain"), "7");
    EXPECT_EQ(fields->at("q_comments"), "sore wound, red!");
    EXPECT_EQ(fields->at("q_x"), "ह");
    EXPECT_EQ(fields->size(), 4U);
}

TEST(ParseUrlEncodedForm, EdgeCases) {
    EXPECT_EQ(ParseUrlEncodedForm("")->size(), 0U);
    EXPECT_EQ(ParseUrlEncodedForm("a")->at("a"), "");  // no '=': an empty value
    EXPECT_EQ(ParseUrlEncodedForm("a=")->at("a"), "");
    EXPECT_EQ(ParseUrlEncodedForm("a=1&&b=2&")->size(), 2U);  // empty pairs ignored
    EXPECT_EQ(ParseUrlEncodedForm("a=x=y")->at("a"), "x=y");
    EXPECT_EQ(ParseUrlEncodedForm("%61=%4a%4A")->at("a"), "JJ");
    EXPECT_EQ(ParseUrlEncodedForm("a=%2B")->at("a"), "+");
    EXPECT_FALSE(ParseUrlEncodedForm("a=1&a=2"));  // repeated key
    EXPECT_FALSE(ParseUrlEncodedForm("a=%"));
    EXPECT_FALSE(ParseUrlEncodedForm("a=%4"));
    EXPECT_FALSE(ParseUrlEncodedForm("a=%GG"));
    EXPECT_FALSE(ParseUrlEncodedForm("a=%-1"));
    EXPECT_FALSE(ParseUrlEncodedForm("=1"));        // empty key
    EXPECT_FALSE(ParseUrlEncodedForm("a=%00"));     // NUL
    EXPECT_FALSE(ParseUrlEncodedForm("a=%FF%FE"));  // invalid UTF-8
    EXPECT_FALSE(ParseUrlEncodedForm("a=\xC3"));
    const std::string limit = "a=" + std::string(kMaxFormBodyBytes - 2, 'x');
    EXPECT_TRUE(ParseUrlEncodedForm(limit));
    EXPECT_FALSE(ParseUrlEncodedForm(limit + "x"));
}

TEST(ReadFormSubmission, AnswersInOrderCsrfAndErrors) {
    const SurveyDefinition definition = Cardiology();
    const auto ok = ReadFormSubmission(definition,
                                       {{"csrf", "tok"},
                                        {"q_pain", "8"},
                                        {"q_fever", "no"},
                                        {"q_wound", "worse"},
                                        {"q_comments", " Sore. "},
                                        {"unknown", "ignored"}},
                                       "en");
    EXPECT_EQ(ok.csrf_token, "tok");
    EXPECT_TRUE(ok.errors_by_question.empty());
    ASSERT_EQ(ok.answers.size(), 4U);
    EXPECT_EQ(ok.answers[0].first, "pain");
    EXPECT_EQ(ok.answers[0].second.number, 8);
    EXPECT_EQ(ok.answers[1].second.yes, false);
    EXPECT_EQ(ok.answers[2].second.choice_key, "worse");
    EXPECT_EQ(ok.answers[3].second.text, "Sore.");

    // Required questions missing or blank, an optional one missing, an unusable value.
    const auto bad = ReadFormSubmission(definition, {{"q_pain", "11"}, {"q_fever", "  "}}, "en");
    EXPECT_EQ(bad.csrf_token, "");
    EXPECT_TRUE(bad.answers.empty());
    EXPECT_EQ(bad.errors_by_question.size(), 3U);
    EXPECT_EQ(bad.errors_by_question.at("pain"), "Please choose one of the answers.");
    EXPECT_EQ(bad.errors_by_question.at("fever"), "Please answer this question.");
    EXPECT_EQ(bad.errors_by_question.at("wound"), "Please answer this question.");
    EXPECT_FALSE(bad.errors_by_question.contains("comments"));

    const auto hindi = ReadFormSubmission(definition, {{"q_pain", "3"}, {"q_fever", "yes"}}, "hi");
    EXPECT_EQ(hindi.errors_by_question.at("wound"), "कृपया इस प्रश्न का उत्तर दें।");
}

TEST(ReadFormSubmission, FromAParsedBody) {
    const auto fields = ParseUrlEncodedForm("csrf=t&q_pain=9&q_fever=yes&q_wound=much_worse");
    ASSERT_TRUE(fields);
    const auto submission = ReadFormSubmission(Cardiology(), *fields, "en");
    EXPECT_TRUE(submission.errors_by_question.empty());
    EXPECT_EQ(submission.answers.size(), 3U);
}

}  // namespace
}  // namespace carelisten::surveys
