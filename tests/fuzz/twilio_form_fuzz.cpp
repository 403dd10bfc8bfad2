// libFuzzer target: Twilio's webhook form parser (with the signature check and the item it builds) and the
// Messages list page parser, on arbitrary bytes. Every accepted item must satisfy the RawItem invariants, and
// a parsed form must survive an encode/parse round trip unchanged.
#include <connectors/twilio/twilio_wire.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void Check(const carelisten::connectors::RawItem& item) {
    if (carelisten::connectors::ValidateRawItem(item) || item.channel != "sms") {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carelisten::connectors;
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const twilio::ItemOptions options{.source = "fuzz", .default_region = "IN"};
    if (const auto params = twilio::ParseForm(body)) {
        (void)twilio::VerifySignature("12345", "https://listen.example/webhooks/sms", *params, "AAAA");
        if (const auto item = twilio::InboundFormToItem(*params, options); std::holds_alternative<RawItem>(item)) {
            Check(std::get<RawItem>(item));
        }
        std::string encoded;
        for (const auto& [name, value] : *params) {
            encoded += (encoded.empty() ? "" : "&") + twilio::FormEncode(name) + "=" + twilio::FormEncode(value);
        }
        const auto again = twilio::ParseForm(encoded);
        if (!again || *again != *params) {
            std::abort();
        }
        if (const auto* text = twilio::FindParam(*params, "Body")) {
            (void)twilio::ClassifyKeyword(*text);
        }
    }
    if (const auto page = twilio::ParseMessagesPage(body, options);
        std::holds_alternative<twilio::MessagesPage>(page)) {
        for (const auto& item : std::get<twilio::MessagesPage>(page).items) {
            Check(item);
        }
    }
    (void)twilio::ParseRfc2822(body);
    return 0;
}
