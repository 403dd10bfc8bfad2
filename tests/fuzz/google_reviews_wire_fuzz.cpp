// libFuzzer target: the Google Business Profile reviews page, error and token parsers on arbitrary bytes.
// Every accepted review must satisfy the RawItem invariants; quarantined JSON stays within its cap.
#include <connectors/google_reviews/google_reviews_wire.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carelisten::connectors;
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const auto parsed = google_reviews::ParseReviewsPage(body, "fuzz", "accounts/1/locations/2");
    if (const auto* page = std::get_if<google_reviews::ReviewsPage>(&parsed)) {
        for (const auto& entry : page->entries) {
            if (const auto* item = std::get_if<RawItem>(&entry.record); item != nullptr && ValidateRawItem(*item)) {
                std::abort();
            }
            if (const auto* bad = std::get_if<BadRecord>(&entry.record);
                bad != nullptr && bad->raw.size() > google_reviews::kMaxRawBytes) {
                std::abort();
            }
        }
    }
    (void)google_reviews::ParseApiError(body);
    (void)google_reviews::ParseTokenResponse(body);
    return 0;
}
