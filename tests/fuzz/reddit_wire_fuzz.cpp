// libFuzzer target: the Reddit Listing and token parsers on arbitrary bytes. Every accepted child must
// satisfy the RawItem invariants, every bad record must respect the quarantine cap and replay without
// crashing.
#include <connectors/reddit/reddit_wire.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carelisten::connectors;
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const auto parsed = reddit::ParseListing(body, "fuzz");
    if (const auto* page = std::get_if<reddit::ListingPage>(&parsed)) {
        for (const auto& item : page->items) {
            if (ValidateRawItem(item)) {
                std::abort();
            }
        }
        for (const auto& bad : page->bad_records) {
            if (bad.locator.empty() || bad.raw.size() > reddit::kMaxQuarantineBytes) {
                std::abort();
            }
            (void)reddit::ParseQuarantinedRecord(bad.raw, "fuzz", bad.locator);
        }
    }
    (void)reddit::ParseTokenResponse(body);
    (void)reddit::DecodeEntities(body);
    return 0;
}
