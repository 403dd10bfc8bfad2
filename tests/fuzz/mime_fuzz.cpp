// libFuzzer target: the MIME path of the IMAP connector (GMime in loose mode, quote splitting, charsets) and the
// IMAP untagged-response parsers, on arbitrary bytes. Every item must satisfy the RawItem invariants (valid
// UTF-8 everywhere, whatever the declared charsets); the new text and the quoted text come from the body.
#include <connectors/imap/imap_connector.hpp>
#include <connectors/mail/mail_wire.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carelisten::connectors;
    const std::string_view raw(reinterpret_cast<const char*>(data), size);
    const auto record = imap::MessageToItem("fuzz", raw, "INBOX;UIDVALIDITY=1;UID=1");
    if (const auto* item = std::get_if<RawItem>(&record)) {
        if (ValidateRawItem(*item)) {
            std::abort();
        }
        for (const auto& [name, value] : item->mail_headers) {
            if (!IsValidUtf8(name) || !IsValidUtf8(value)) {
                std::abort();
            }
        }
    }
    if (const auto parsed = mail::ParseMail(raw)) {
        if (!IsValidUtf8(parsed->quoted_text) || !IsValidUtf8(parsed->subject)) {
            std::abort();
        }
    }
    if (IsValidUtf8(raw)) {
        const auto split = mail::SplitQuoted(raw);
        if (!IsValidUtf8(split.new_text) || !IsValidUtf8(split.quoted_text) ||
            split.new_text.size() + split.quoted_text.size() > raw.size()) {
            std::abort();
        }
    }
    (void)imap::ParseSearch(raw);
    (void)imap::ParseStatus(raw);
    (void)imap::ParseSizes(raw);
    (void)imap::DecodeCursor(raw);
    return 0;
}
