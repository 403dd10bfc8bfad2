#include <gtest/gtest.h>

#include <nlp/html_text.hpp>

namespace carelisten::nlp {
namespace {

TEST(HtmlText, LooksLikeHtml) {
    EXPECT_TRUE(LooksLikeHtml("<!DOCTYPE html><html><body>x</body></html>"));
    EXPECT_TRUE(LooksLikeHtml("  <div>Hello</div>"));
    EXPECT_TRUE(LooksLikeHtml("Hello<br>world"));
    EXPECT_FALSE(LooksLikeHtml("I <3 the nurses"));
    EXPECT_FALSE(LooksLikeHtml("a < b and c > d"));
    EXPECT_FALSE(LooksLikeHtml(""));
}

TEST(HtmlText, ScriptsAndStylesAreDroppedBlocksBreakLinesEntitiesDecode) {
    const std::string text = HtmlToText(
        "<html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<script>alert('x')</script><p>The nurse was   <b>kind</b> &amp; caring.</p>"
        "<div>Parking &pound;5<br>too much</div><ul><li>one</li><li>two</li></ul></body></html>");
    EXPECT_EQ(text,
              "The nurse was kind & caring.\nParking \xC2\xA3"
              "5\ntoo much\none\ntwo");
}

TEST(HtmlText, BrokenMarkupStillGivesText) {
    EXPECT_EQ(HtmlToText("<p>unclosed <b>bold"), "unclosed bold");
    EXPECT_EQ(HtmlToText("<p></p>"), "");
}

}  // namespace
}  // namespace carelisten::nlp
