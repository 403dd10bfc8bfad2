// libFuzzer target: the Mastodon wire parser (timeline and search pages, single statuses) and HTML to text
// on arbitrary bytes. Every accepted status must satisfy the RawItem invariants (non-empty ids, valid UTF-8).
#include <connectors/html_text/html_text.hpp>
#include <connectors/mastodon/mastodon_wire.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void Check(const carelisten::connectors::RawItem& item) {
    if (carelisten::connectors::ValidateRawItem(item)) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carelisten::connectors;
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const mastodon::WireOptions options{.source = "fuzz", .instance_host = "mastodon.example"};
    for (const auto& parsed : {mastodon::ParseTimelinePage(body, options), mastodon::ParseSearchPage(body, options)}) {
        if (const auto* page = std::get_if<mastodon::StatusPage>(&parsed)) {
            for (const auto& item : page->items) {
                Check(item);
            }
            if (page->items.size() + page->bad_records.size() != page->statuses) {
                std::abort();
            }
        }
    }
    if (const auto status = mastodon::ParseStatusRecord(body, options); std::holds_alternative<RawItem>(status)) {
        Check(std::get<RawItem>(status));
    }
    if (!IsValidUtf8(html_text::HtmlToText(body))) {
        std::abort();
    }
    return 0;
}
