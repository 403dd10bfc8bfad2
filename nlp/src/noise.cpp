#include <algorithm>
#include <nlp/noise.hpp>

namespace carelisten::nlp {
namespace {

std::string Lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

std::string_view Trim(std::string_view text) {
    const std::size_t begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) {
        return {};
    }
    const std::size_t end = text.find_last_not_of(" \t\r\n");
    return text.substr(begin, end - begin + 1);
}

/// "Auto-Generated; foo=bar" → "auto-generated".
std::string Keyword(std::string_view value) {
    return Lower(Trim(value.substr(0, value.find(';'))));
}

/// The local part of the address in a From value: "Mail Delivery <MAILER-DAEMON@x.org>" → "mailer-daemon".
std::string LocalPart(std::string_view from) {
    const std::size_t open = from.rfind('<');
    if (open != std::string_view::npos) {
        const std::size_t close = from.find('>', open);
        from = from.substr(open + 1, close == std::string_view::npos ? std::string_view::npos : close - open - 1);
    }
    from = Trim(from);
    return Lower(from.substr(0, from.find('@')));
}

}  // namespace

std::vector<std::string> AutomatedMailReasons(const std::vector<MailHeader>& headers) {
    bool auto_reply = false;
    bool bounce = false;
    bool bulk = false;
    for (const MailHeader& header : headers) {
        const std::string name = Lower(Trim(header.name));
        const std::string value = Keyword(header.value);
        if (name == "auto-submitted") {
            auto_reply = auto_reply || value != "no";  // RFC 3834 §5: anything but "no" is automatic
        } else if (name == "x-autoreply" || name == "x-autorespond") {
            auto_reply = auto_reply || (value != "no" && value != "false" && value != "0");
        } else if (name == "precedence") {
            bulk = bulk || value == "bulk" || value == "junk" || value == "list";
            auto_reply = auto_reply || value == "auto_reply";
        } else if (name == "list-id" || name == "list-unsubscribe") {
            bulk = bulk || !value.empty() || !Trim(header.value).empty();
        } else if (name == "content-type") {
            bounce = bounce || value == "multipart/report";
        } else if (name == "from") {
            const std::string local = LocalPart(header.value);
            bounce = bounce || local == "mailer-daemon" || local == "postmaster";
        }
    }
    std::vector<std::string> reasons;
    if (auto_reply) {
        reasons.emplace_back(kNoiseAutoReply);
    }
    if (bounce) {
        reasons.emplace_back(kNoiseBounce);
    }
    if (bulk) {
        reasons.emplace_back(kNoiseBulk);
    }
    return reasons;
}

bool SpamModelApplies(Channel channel) {
    return channel == Channel::kSms || channel == Channel::kEmail || channel == Channel::kUnknown;
}

NoiseVerdict DetectNoise(const Lexicon& lexicon, const NormalizedText& text, Channel /*channel*/) {
    const bool has_content = std::any_of(text.tokens.begin(), text.tokens.end(), [&](const Token& token) {
        return token.kind != TokenKind::kSymbol || lexicon.Contains(token.text) ||
               std::any_of(token.text.begin(), token.text.end(), [](char c) {
                   return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');  // "n/a", "1)"
               });
    });
    NoiseVerdict verdict;
    if (!has_content) {
        verdict.is_noise = true;
        verdict.reasons.emplace_back(kNoiseEmpty);
    }
    return verdict;
}

NoiseVerdict DetectNoise(const Lexicon& lexicon, const NormalizedText& text, Channel channel,
                         const std::vector<MailHeader>& headers) {
    NoiseVerdict verdict = DetectNoise(lexicon, text, channel);
    for (std::string& reason : AutomatedMailReasons(headers)) {
        verdict.is_noise = true;
        verdict.reasons.push_back(std::move(reason));
    }
    return verdict;
}

}  // namespace carelisten::nlp
