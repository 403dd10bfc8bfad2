// The SMTP sender against an in-process SMTP sink on 127.0.0.1:0 that speaks the real protocol (RFC 5321
// replies, dot-terminated DATA); the message it receives is read back with the MIME parser.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <connectors/errc.hpp>
#include <connectors/mail/mail_wire.hpp>
#include <connectors/smtp/smtp_sender.hpp>
#include <string>
#include <thread>

namespace carelisten::connectors::smtp {
namespace {

/// Accepts one session; `rcpt_reply` is what RCPT TO gets (e.g. "250 OK", "550 no such user").
class SmtpSink {
public:
    explicit SmtpSink(std::string rcpt_reply = "250 2.1.5 OK") : rcpt_reply_(std::move(rcpt_reply)) {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
            ::listen(listener_, 1) != 0) {
            throw std::runtime_error("sink bind/listen failed");
        }
        socklen_t length = sizeof(address);
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { Serve(); });
    }
    ~SmtpSink() {
        ::shutdown(listener_, SHUT_RDWR);
        ::close(listener_);
        if (thread_.joinable()) {
            thread_.join();
        }
    }
    SmtpSink(const SmtpSink&) = delete;
    SmtpSink& operator=(const SmtpSink&) = delete;

    std::string Url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
    void Join() { thread_.join(); }

    std::string mail_from;
    std::string rcpt_to;
    std::string data;

private:
    void Serve() {
        const int client = ::accept(listener_, nullptr, nullptr);
        if (client < 0) {
            return;
        }
        std::string buffer;
        const auto send = [&](const std::string& line) {
            const std::string wire = line + "\r\n";
            (void)!::write(client, wire.data(), wire.size());
        };
        const auto read_line = [&](std::string& line) {
            while (true) {
                const auto end = buffer.find("\r\n");
                if (end != std::string::npos) {
                    line = buffer.substr(0, end);
                    buffer.erase(0, end + 2);
                    return true;
                }
                char chunk[4096];
                const auto got = ::read(client, chunk, sizeof(chunk));
                if (got <= 0) {
                    return false;
                }
                buffer.append(chunk, static_cast<std::size_t>(got));
            }
        };
        send("220 sink.test ESMTP");
        std::string line;
        while (read_line(line)) {
            if (line.starts_with("EHLO") || line.starts_with("HELO")) {
                send("250-sink.test");
                send("250 8BITMIME");
            } else if (line.starts_with("MAIL FROM:")) {
                mail_from = line.substr(10);
                send("250 2.1.0 OK");
            } else if (line.starts_with("RCPT TO:")) {
                rcpt_to = line.substr(8);
                send(rcpt_reply_);
            } else if (line == "DATA") {
                send("354 End data with <CR><LF>.<CR><LF>");
                while (read_line(line) && line != ".") {
                    data += (line.starts_with("..") ? line.substr(1) : line) + "\r\n";
                }
                send("250 2.0.0 queued");
            } else if (line == "QUIT") {
                send("221 2.0.0 bye");
                break;
            } else if (line == "RSET" || line == "NOOP") {
                send("250 OK");
            } else {
                send("502 5.5.2 not implemented");
            }
        }
        ::close(client);
    }

    std::string rcpt_reply_;
    int listener_ = -1;
    unsigned short port_ = 0;
    std::thread thread_;
};

SmtpSettings SinkSettings(const SmtpSink& sink) {
    SmtpSettings settings;
    settings.url = sink.Url();
    settings.allow_plaintext_loopback = true;
    settings.from_address = "feedback@hospital.example";
    settings.from_name = "Patient Relations";
    settings.timeout = std::chrono::milliseconds(5000);
    return settings;
}

TEST(SmtpSender, SendsAUtf8ReplyWithThreadingAndAutoSubmittedHeaders) {
    SmtpSink sink;
    SmtpSender sender(SinkSettings(sink));
    OutgoingMail mail;
    mail.to = "anna@example.org";
    mail.subject =
        "Re: Zimmer f\xC3\xBCr Gro\xC3\x9F"
        "vater";
    mail.text = "Danke f\xC3\xBCr Ihre Nachricht. Referenz: CL-000042\n\n\xE7\x97\x85\xE9\x99\xA2";
    mail.in_reply_to = "reply-2@example.org";
    mail.references = {"plain-1@example.org", "reply-2@example.org"};
    mail.auto_submitted = "auto-replied";
    const auto sent = sender.Send(mail);
    ASSERT_TRUE(sent) << sent.error().message();
    sink.Join();
    EXPECT_EQ(sink.mail_from.substr(0, 27), "<feedback@hospital.example>");
    EXPECT_EQ(sink.rcpt_to, "<anna@example.org>");
    const auto parsed = mail::ParseMail(sink.data);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->message_id, sent.value());
    EXPECT_NE(sent.value().find("@hospital.example"), std::string::npos);
    EXPECT_EQ(parsed->subject, mail.subject);
    EXPECT_EQ(parsed->new_text, "Danke f\xC3\xBCr Ihre Nachricht. Referenz: CL-000042\n\n\xE7\x97\x85\xE9\x99\xA2");
    EXPECT_EQ(parsed->in_reply_to, "reply-2@example.org");
    EXPECT_EQ(parsed->references, mail.references);
    EXPECT_EQ(parsed->ThreadRoot(), "plain-1@example.org");
    EXPECT_EQ(parsed->from_address, "feedback@hospital.example");
    bool auto_submitted = false;
    for (const auto& header : parsed->headers) {
        auto_submitted = auto_submitted || (header.name == "Auto-Submitted" && header.value == "auto-replied");
    }
    EXPECT_TRUE(auto_submitted);
    // 7-bit on the wire: the UTF-8 travels encoded (RFC 2047 subject, quoted-printable body).
    for (const unsigned char c : sink.data) {
        ASSERT_LT(c, 0x80);
    }
}

TEST(SmtpSender, RefusedRecipientIsPermanentAndBusyServerIsRetryLater) {
    {
        SmtpSink sink("550 5.1.1 no such user");
        SmtpSender sender(SinkSettings(sink));
        const auto sent = sender.Send({.to = "gone@example.org", .subject = "x", .text = "y"});
        ASSERT_FALSE(sent);
        EXPECT_EQ(sent.error(), ConnectorErrc::kPermanent);
        EXPECT_TRUE(sink.data.empty());
    }
    {
        SmtpSink sink("451 4.3.0 try again later");
        SmtpSender sender(SinkSettings(sink));
        const auto sent = sender.Send({.to = "busy@example.org", .subject = "x", .text = "y"});
        ASSERT_FALSE(sent);
        EXPECT_EQ(sent.error(), ConnectorErrc::kRetryLater);
    }
}

TEST(SmtpSender, RecipientThatCouldInjectCommandsOrHeadersIsRefused) {
    SmtpSink sink;
    SmtpSender sender(SinkSettings(sink));
    const auto sent = sender.Send({.to = "a@example.org>\r\nRCPT TO:<b@example.org", .subject = "x", .text = "y"});
    ASSERT_FALSE(sent);
    EXPECT_EQ(sent.error(), ConnectorErrc::kPermanent);
}

TEST(SmtpSender, PlaintextToARemoteHostIsNeverUsed) {
    SmtpSettings settings;
    settings.from_address = "feedback@hospital.example";
    settings.url = "ftp://mail.example.org";
    EXPECT_THROW(SmtpSender{settings}, std::invalid_argument);
    settings.url = "smtp://mail.example.org:587";
    settings.allow_plaintext_loopback = true;  // not loopback: STARTTLS stays mandatory
    EXPECT_NO_THROW(SmtpSender{settings});
    // A loopback sink that offers no STARTTLS is refused unless plaintext is allowed for loopback.
    SmtpSink sink;
    SmtpSettings strict = SinkSettings(sink);
    strict.allow_plaintext_loopback = false;
    const auto sent = SmtpSender(strict).Send({.to = "anna@example.org", .subject = "x", .text = "y"});
    ASSERT_FALSE(sent);
    EXPECT_EQ(sent.error(), ConnectorErrc::kPermanent);
    EXPECT_TRUE(sink.data.empty());
}

}  // namespace
}  // namespace carelisten::connectors::smtp
