// libFuzzer target: the RSS/Atom parser (libxml2 with safe options), the RFC 822 date parser and HTML to
// text on arbitrary bytes. Every accepted item must satisfy the RawItem invariants; HTML to text must keep
// valid UTF-8 valid.
#include <connectors/rss/rss_wire.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carelisten::connectors;
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const rss::FeedContext context{"fuzz", "https://feeds.example.org/fuzz.xml", "social"};
    const auto parsed = rss::ParseFeed(body, context);
    if (const auto* feed = std::get_if<rss::Feed>(&parsed)) {
        for (const auto& entry : feed->entries) {
            if (const auto* item = std::get_if<RawItem>(&entry.record); item != nullptr && ValidateRawItem(*item)) {
                std::abort();
            }
            if (const auto* bad = std::get_if<BadRecord>(&entry.record);
                bad != nullptr && bad->raw.size() > rss::kMaxRawBytes) {
                std::abort();
            }
        }
    }
    (void)rss::ParseEntryXml(body, context);
    (void)rss::ParseRfc822Date(body.substr(0, 64));
    if (IsValidUtf8(body) && !IsValidUtf8(rss::HtmlToText(body))) {
        std::abort();
    }
    return 0;
}
