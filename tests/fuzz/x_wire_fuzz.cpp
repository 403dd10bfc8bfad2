// libFuzzer target: the X recent-search page parser on arbitrary bytes. Every accepted post must satisfy
// the RawItem invariants, every bad record must respect the quarantine cap, and a bad record's raw must
// replay without crashing.
#include <connectors/x/x_wire.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carelisten::connectors;
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const auto parsed = x::ParseSearchPage(body, "fuzz");
    if (const auto* page = std::get_if<x::SearchPage>(&parsed)) {
        for (const auto& item : page->items) {
            if (ValidateRawItem(item)) {
                std::abort();
            }
        }
        for (const auto& bad : page->bad_records) {
            if (bad.locator.empty() || bad.raw.size() > x::kMaxQuarantineBytes) {
                std::abort();
            }
            (void)x::ParseQuarantinedRecord(bad.raw, "fuzz", bad.locator);
        }
    }
    (void)x::ParseApiProblem(body);
    (void)x::DecodeEntities(body);
    return 0;
}
