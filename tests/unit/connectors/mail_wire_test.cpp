#include <gtest/gtest.h>

#include <connectors/mail/mail_wire.hpp>
#include <connectors/raw_item.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

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

std::string Fixture(const std::string& name) {
    const char* source_dir = std::getenv("CARELISTEN_SOURCE_DIR");
    if (source_dir == nullptr) {
        throw std::runtime_error("CARELISTEN_SOURCE_DIR is not set");
    }
    std::ifstream in(std::string(source_dir) + "/tests/fixtures/mail/" + name, std::ios::binary);
    if (!in) {
        throw std::runtime_error("missing fixture " + name);
    }
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(MailParse, PlainUtf8MailKeepsTheNewTextAndSeparatesTheSignature) {
    const auto parsed = ParseMail(Fixture("plain.eml"));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->new_text, "The nurses on ward 3 were wonderful \xE2\x80\x93 thank you.");
    EXPECT_EQ(parsed->quoted_text, "-- \nAnna\nSent from my phone");
    EXPECT_EQ(parsed->message_id, "plain-1@example.org");
    EXPECT_EQ(parsed->from_address, "anna@example.org");
    EXPECT_EQ(parsed->ThreadRoot(), "plain-1@example.org");
    ASSERT_TRUE(parsed->date);
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(parsed->date->time_since_epoch()).count(), 1793607300);
}

TEST(MailParse, HtmlOnlyMailBecomesTextWithoutMarkupOrScripts) {
    const auto parsed = ParseMail(Fixture("html_only.eml"));
    ASSERT_TRUE(parsed);
    EXPECT_TRUE(parsed->body_from_html);
    EXPECT_EQ(parsed->new_text, "The parking was impossible & expensive.");
}

TEST(MailParse, AttachmentsAreRecordedByNameTypeAndSizeOnly) {
    const auto parsed = ParseMail(Fixture("attachments.eml"));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->new_text, "Please check the attached bill, it is wrong.");
    EXPECT_FALSE(parsed->body_from_html);
    ASSERT_EQ(parsed->attachments.size(), 2U);
    EXPECT_EQ(parsed->attachments[0].name, "bill.pdf");
    EXPECT_EQ(parsed->attachments[0].content_type, "application/pdf");
    EXPECT_EQ(parsed->attachments[0].size, 48U);  // decoded bytes of the base64 payload
    EXPECT_EQ(parsed->attachments[1].name, "photo.jpg");
    EXPECT_EQ(parsed->attachments[1].content_type, "image/jpeg");
    EXPECT_EQ(parsed->attachments[1].size, 13U);
}

TEST(MailParse, Iso88591BodyAndEncodedWordsBecomeUtf8) {
    const auto parsed = ParseMail(Fixture("latin1.eml"));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->subject,
              "Zimmer f\xC3\xBCr Gro\xC3\x9F"
              "vater");
    EXPECT_EQ(parsed->new_text,
              "Das Zimmer war sch\xC3\xB6n, das Essen gro\xC3\x9F"
              "artig.");
}

TEST(MailParse, ShiftJisBodyAndSubjectBecomeUtf8) {
    const auto parsed = ParseMail(Fixture("shift_jis.eml"));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->subject, "\xE7\x97\x85\xE9\x99\xA2");  // 病院
    EXPECT_EQ(parsed->new_text,
              "\xE7\x97\x85\xE9\x99\xA2\xE3\x81\xAF\xE3\x81\x8D\xE3\x82\x8C\xE3\x81\x84\xE3\x81\xA7"
              "\xE3\x81\x99");  // 病院はきれいです
}

TEST(MailParse, ReplyJoinsItsThreadAndItsQuotedOriginalIsSeparated) {
    const auto parsed = ParseMail(Fixture("reply.eml"));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->new_text, "The pain is worse since yesterday.");
    EXPECT_NE(parsed->quoted_text.find("> How are you feeling?"), std::string::npos);
    EXPECT_NE(parsed->quoted_text.find("wrote:"), std::string::npos);
    EXPECT_EQ(parsed->in_reply_to, "hospital-1@hospital.example");
    ASSERT_EQ(parsed->references.size(), 2U);
    EXPECT_EQ(parsed->ThreadRoot(), "plain-1@example.org");
}

TEST(MailParse, ThreadRootFallsBackToInReplyToThenOwnId) {
    MailMessage message;
    message.message_id = "own@x";
    EXPECT_EQ(message.ThreadRoot(), "own@x");
    message.in_reply_to = "parent@x";
    EXPECT_EQ(message.ThreadRoot(), "parent@x");
    message.references = {"root@x", "parent@x"};
    EXPECT_EQ(message.ThreadRoot(), "root@x");
}

TEST(MailParse, BounceKeepsItsHumanPartAndRecordsTheReportParts) {
    const auto parsed = ParseMail(Fixture("bounce.eml"));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->new_text, "This is the mail system. Your message could not be delivered.");
    ASSERT_EQ(parsed->attachments.size(), 2U);
    EXPECT_EQ(parsed->attachments[0].content_type, "message/delivery-status");
    EXPECT_EQ(parsed->attachments[1].content_type, "message/rfc822");
    EXPECT_EQ(parsed->from_address, "MAILER-DAEMON@example.org");
}

TEST(MailParse, MalformedStructureAndUnknownCharsetStillGiveValidUtf8) {
    const auto parsed = ParseMail(Fixture("malformed.eml"));
    ASSERT_TRUE(parsed);
    EXPECT_TRUE(parsed->message_id.empty());
    EXPECT_EQ(parsed->subject, "Broken structure");
    EXPECT_TRUE(IsValidUtf8(parsed->new_text));
    EXPECT_NE(parsed->new_text.find("The wait was 5 hours"), std::string::npos);
}

TEST(MailParse, BytesWithoutAHeaderBlockAreNotAMessage) {
    EXPECT_FALSE(ParseMail(""));
    EXPECT_FALSE(ParseMail("\r\n\r\njust a body"));
}

TEST(MailParse, RawMessageIdIsAStableSha256) {
    EXPECT_EQ(RawMessageId("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(QuoteSplit, OutlookOriginalMessageBlockIsQuoted) {
    const auto split = SplitQuoted(
        "Still waiting for an answer.\n\nFrom: Hospital <f@h.example>\nSent: Monday\nTo: me\nSubject: x\n\nOld text\n");
    EXPECT_EQ(split.new_text, "Still waiting for an answer.");
    EXPECT_EQ(split.quoted_text, "From: Hospital <f@h.example>\nSent: Monday\nTo: me\nSubject: x\n\nOld text");
}

TEST(QuoteSplit, InlineRepliesKeepTheirNewLines) {
    const auto split = SplitQuoted("> Was the room clean?\nNo, it was not.\n> And the food?\nCold.\n");
    EXPECT_EQ(split.new_text, "No, it was not.\nCold.");
    EXPECT_EQ(split.quoted_text, "> Was the room clean?\n> And the food?");
}

TEST(QuoteSplit, GermanAttributionAndSeparatorAreRecognized) {
    EXPECT_EQ(SplitQuoted("Danke.\nAm 02.11.2026 um 10:00 schrieb Klinik <k@x.de>:\n> Hallo\n").new_text, "Danke.");
    EXPECT_EQ(SplitQuoted("Neu.\n-----Urspr\xC3\xBCngliche Nachricht-----\nAlt\n").new_text, "Neu.");
}

TEST(QuoteSplit, AWroteWithoutAQuoteBelowIsNotAnAttribution) {
    EXPECT_EQ(SplitQuoted("My daughter wrote:\nthe nurse was kind").new_text, "My daughter wrote:\nthe nurse was kind");
}

}  // namespace
}  // namespace carelisten::connectors::mail
