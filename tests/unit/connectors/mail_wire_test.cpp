#include <gtest/gtest.h>

#include <connectors/mail/mail_wire.hpp>

namespace carelisten::connectors::mail {
namespace {

TEST(MailWire, DecodesSubjectAndQuotedPrintableBody) {
    const std::string message =
        "From: someone@example.org\r\n"
        "Subject: =?UTF-8?Q?Caf=C3=A9_was_cold?=\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "The food was cold and the w=\r\nard was dirty.\r\n";
    const auto parsed = ParseMailText(message);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->subject, "Caf\xC3\xA9 was cold");
    EXPECT_NE(parsed->body.find("the ward was dirty"), std::string::npos);
}

TEST(MailWire, KeepsTheHeadersForAutoReplyRules) {
    const auto parsed = ParseMailText(
        "From: MAILER-DAEMON@example.org\nAuto-Submitted: auto-replied\nSubject: =?UTF-8?Q?Abwesenheit?=\n\nbody\n");
    ASSERT_TRUE(parsed);
    ASSERT_GE(parsed->headers.size(), 3u);
    EXPECT_EQ(parsed->headers[1].name, "Auto-Submitted");
    EXPECT_EQ(parsed->headers[1].value, "auto-replied");
    EXPECT_EQ(parsed->headers[2].value, "Abwesenheit");
}

TEST(MailWire, PrefersThePlainPartOfAlternatives) {
    const std::string message =
        "Subject: feedback\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/alternative; boundary=\"b1\"\n"
        "\n"
        "--b1\n"
        "Content-Type: text/plain; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "VGhhbmsgeW91LCBt6WRlY2luIQ==\n"
        "--b1\n"
        "Content-Type: text/html\n"
        "\n"
        "<p>Thank you</p>\n"
        "--b1--\n";
    EXPECT_EQ(ExtractMailText(message),
              "feedback\n\nThank you, m\xC3\xA9"
              "decin!");
}

TEST(MailWire, ReducesHtmlOnlyMailToText) {
    const std::string message = "Subject: x\nContent-Type: text/html\n\n<html><body><b>Rude</b> staff</body></html>\n";
    const auto parsed = ParseMailText(message);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->body.find('<'), std::string::npos);
    EXPECT_NE(parsed->body.find("Rude"), std::string::npos);
}

}  // namespace
}  // namespace carelisten::connectors::mail
