#include "channel_clients.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <stdexcept>

#include "daemon_process.hpp"

namespace carelisten::e2e {

namespace fs = std::filesystem;
namespace twilio = connectors::twilio;

std::string TrimmedFile(const fs::path& path) {
    auto text = ReadWholeFile(path);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
        text.pop_back();
    }
    return text;
}

int StatusOf(const std::string& answer) {
    return answer.size() > 12 && answer.starts_with("HTTP/") ? std::atoi(answer.substr(9, 3).c_str()) : 0;
}

std::string PostTwilioForm(const std::string& address, const std::string& target, const twilio::FormParams& params,
                           std::string_view token, std::string_view public_base) {
    std::string body;
    for (const auto& [name, value] : params) {
        body += (body.empty() ? "" : "&") + twilio::FormEncode(name) + "=" + twilio::FormEncode(value);
    }
    std::string request =
        "POST " + target + " HTTP/1.1\r\nHost: " + address + "\r\nContent-Type: application/x-www-form-urlencoded\r\n";
    if (!token.empty()) {
        request += "X-Twilio-Signature: " + twilio::ComputeSignature(token, std::string(public_base) + target, params) +
                   "\r\n";
    }
    request += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    return HttpExchange(address, request);
}

twilio::FormParams TwilioInbound(std::string_view account, const std::string& sid, const std::string& from,
                                 const std::string& body) {
    return {{"ToCountry", "IN"},
            {"SmsMessageSid", sid},
            {"NumMedia", "0"},
            {"Body", body},
            {"SmsSid", sid},
            {"From", from},
            {"To", "+912240001234"},
            {"NumSegments", "1"},
            {"MessageSid", sid},
            {"AccountSid", std::string(account)},
            {"ApiVersion", "2010-04-01"}};
}

std::string Hl7Time(std::time_t seconds) {
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y%m%d%H%M%S+0000", &utc);
    return text;
}

std::string Hl7Discharge(const std::string& control_id, const std::string& mrn, const std::string& family_name,
                         const std::string& email, int days_ago) {
    const std::string discharged = Hl7Time(std::time(nullptr) - static_cast<std::time_t>(days_ago) * 86400);
    return "MSH|^~\\&|EPICADT|CITYHOSP|CARELISTEN|CITYHOSP|" + discharged + "||ADT^A03^ADT_A03|" + control_id +
           "|P|2.5\rEVN|A03|" + discharged + "\rPID|1||" + mrn + "^^^CITYHOSP^MR||" + family_name +
           "^RAVI||19700412|M|||||^NET^Internet^" + email +
           "||en\rPV1|1|I|CARD^W12^B04^CITYHOSP|R|||D1001^RAO^ASHA^^^DR|||CAR||||7|||D1001^RAO^ASHA|IP|V-" +
           control_id + "^^^CITYHOSP^VN|||||||||||||||||01||||||||20261101093000+0000|" + discharged + "\r";
}

std::string AnyHourQuestionSet() {
    const auto toml =
        ReadWholeFile(fs::path(std::getenv("CARELISTEN_SOURCE_DIR")) / "surveys/examples/cardiology.toml");
    std::string any_hour = std::regex_replace(toml, std::regex("unit = \"cardiology\""), "unit = \"*\"");
    any_hour = std::regex_replace(any_hour, std::regex("quiet_start = \"[0-9:]+\""), "quiet_start = \"00:00\"");
    return std::regex_replace(any_hour, std::regex("quiet_end = \"[0-9:]+\""), "quiet_end = \"00:00\"");
}

std::vector<std::string> MllpExchange(const std::string& address, const std::vector<std::string>& messages) {
    const auto colon = address.rfind(':');
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    socket.connect({boost::asio::ip::make_address(address.substr(0, colon)),
                    static_cast<unsigned short>(std::stoi(address.substr(colon + 1)))});
    std::vector<std::string> answers;
    std::string buffer;
    for (const auto& message : messages) {
        const std::string frame = "\x0b" + message + "\x1c\r";
        boost::asio::write(socket, boost::asio::buffer(frame));
        const auto end = boost::asio::read_until(socket, boost::asio::dynamic_buffer(buffer), "\x1c\r");
        answers.push_back(buffer.substr(0, end));
        buffer.erase(0, end);
    }
    return answers;
}

fs::path DovecotDir() {
    const char* dir = std::getenv("CARELISTEN_TEST_DOVECOT_DIR");
    return dir != nullptr ? fs::path(dir) : fs::path();
}

namespace {

struct stat ServerOwner() {
    struct stat owner {};
    if (::stat((DovecotDir() / "dovecot.conf").c_str(), &owner) != 0) {
        throw std::runtime_error("no Dovecot fixture at " + DovecotDir().string());
    }
    return owner;
}

fs::path MailboxDir(const std::string& mailbox) {
    return DovecotDir() / "home/patientmail/Maildir" / ("." + mailbox);
}

}  // namespace

void CreateMailbox(const std::string& mailbox) {
    const auto owner = ServerOwner();
    const fs::path home = DovecotDir() / "home/patientmail";
    const fs::path box = MailboxDir(mailbox);
    for (const auto& path : {home, home / "Maildir", box, box / "new", box / "cur", box / "tmp"}) {
        fs::create_directories(path);
        if (::chown(path.c_str(), owner.st_uid, owner.st_gid) != 0) {
            throw std::runtime_error("cannot chown " + path.string());
        }
    }
}

void DeliverMail(const std::string& mailbox, const std::string& name, const std::string& message) {
    CreateMailbox(mailbox);
    const auto owner = ServerOwner();
    const fs::path tmp = MailboxDir(mailbox) / "tmp" / name;
    {
        std::ofstream out(tmp, std::ios::binary);
        out << message;
    }
    if (::chown(tmp.c_str(), owner.st_uid, owner.st_gid) != 0) {
        throw std::runtime_error("cannot chown " + tmp.string());
    }
    fs::rename(tmp, MailboxDir(mailbox) / "new" / name);
}

long long MaildirCount(const std::string& mailbox) {
    long long count = 0;
    for (const char* part : {"new", "cur"}) {
        std::error_code error;
        for (fs::directory_iterator it(MailboxDir(mailbox) / part, error), end; !error && it != end;
             it.increment(error)) {
            ++count;
        }
    }
    return count;
}

}  // namespace carelisten::e2e
