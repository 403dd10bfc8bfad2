// HTML to text as Mastodon content and Discourse cooked need it.
#include <gtest/gtest.h>

#include <connectors/html_text/html_text.hpp>
#include <connectors/raw_item.hpp>
#include <string>

namespace carelisten::connectors::html_text {
namespace {

TEST(HtmlToText, ParagraphsBecomeBlankLinesAndBrANewline) {
    EXPECT_EQ(HtmlToText("<p>First line<br />second line</p><p>Next paragraph</p>"),
              "First line\nsecond line\n\nNext paragraph");
}

TEST(HtmlToText, LinksBecomeTheirTextIncludingMastodonInvisibleSpans) {
    EXPECT_EQ(HtmlToText("<p>See <a href=\"https://x.example/a\"><span class=\"invisible\">https://</span><span "
                         "class=\"ellipsis\">stelsewhere.example/visiting</span><span class=\"invisible\"></span></a> "
                         "and <a href=\"https://m.example/tags/StElsewhere\" class=\"mention hashtag\">#<span>"
                         "StElsewhere</span></a></p>"),
              "See https://stelsewhere.example/visiting and #StElsewhere");
}

TEST(HtmlToText, EntitiesAreDecoded) {
    EXPECT_EQ(HtmlToText("A&amp;E &lt;3 &quot;ok&quot; &#39;fine&#39; &#x26BD; &#2309; &ndash; &nbsp;x"),
              "A&E <3 \"ok\" 'fine' \u26BD \u0905 \u2013 x");
}

TEST(HtmlToText, UnknownOrBrokenEntitiesStayAsWritten) {
    EXPECT_EQ(HtmlToText("AT&T &bogus; & alone &#; &#xZZ;"), "AT&T &bogus; & alone &#; &#xZZ;");
}

TEST(HtmlToText, NumericEntitiesNamingNoCharacterBecomeReplacement) {
    EXPECT_EQ(HtmlToText("a&#0;b&#xD800;c&#x110000;d"), "a\uFFFDb\uFFFDc\uFFFDd");
}

TEST(HtmlToText, WhitespaceCollapsesOutsidePre) {
    EXPECT_EQ(HtmlToText("  lots   of\n\t space  "), "lots of space");
    EXPECT_EQ(HtmlToText("<pre>line 1\n  indented</pre>"), "line 1\n  indented");
}

TEST(HtmlToText, ScriptsStylesAndCommentsAreDropped) {
    EXPECT_EQ(HtmlToText("<p>a</p><script>alert('x')</script><style>p{}</style><!-- hidden --><p>b</p>"), "a\n\nb");
    EXPECT_EQ(HtmlToText("<SCRIPT>never closed"), "");
}

TEST(HtmlToText, EmojiImagesKeepTheirAltText) {
    EXPECT_EQ(HtmlToText("Thanks <img src=\"/images/emoji/heart.png\" title=\":heart:\" class=\"emoji\" "
                         "alt=\":heart:\"> team"),
              "Thanks :heart: team");
}

TEST(HtmlToText, ListsPutItemsOnTheirOwnLines) {
    EXPECT_EQ(HtmlToText("<p>Problems:</p><ul><li>waiting</li><li>billing</li></ul>"), "Problems:\n\nwaiting\nbilling");
}

TEST(HtmlToText, MalformedMarkupNeverThrowsAndKeepsText) {
    EXPECT_EQ(HtmlToText("a < b and c <3 d"), "a < b and c <3 d");
    EXPECT_EQ(HtmlToText("text <p unterminated"), "text");
    EXPECT_EQ(HtmlToText("<b><i>unclosed"), "unclosed");
    EXPECT_EQ(HtmlToText(""), "");
}

TEST(HtmlToText, DevanagariPassesThrough) {
    EXPECT_EQ(HtmlToText("<p>अस्पताल में बहुत देर</p>"), "अस्पताल में बहुत देर");
}

TEST(HtmlToText, OutputIsValidUtf8EvenForInvalidInput) {
    const std::string text = HtmlToText(std::string("<p>bad \xC3\x28 bytes \xFF</p>"));
    EXPECT_TRUE(IsValidUtf8(text));
    EXPECT_EQ(text, "bad \uFFFD( bytes \uFFFD");
}

TEST(MakeValidUtf8, KeepsValidTextAndReplacesBadSequences) {
    EXPECT_EQ(MakeValidUtf8("ok \u0905"), "ok \u0905");
    EXPECT_EQ(MakeValidUtf8(std::string("\xED\xA0\x80x")), "\uFFFD\uFFFD\uFFFDx");  // an encoded surrogate
}

}  // namespace
}  // namespace carelisten::connectors::html_text
