// libFuzzer target: the Facebook Graph feed/comments, error and usage-header parsers on arbitrary bytes.
// Every accepted post or comment must satisfy the RawItem invariants; quarantined JSON stays within its cap.
#include <connectors/facebook_page/facebook_page_wire.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void Check(const std::variant<carelisten::connectors::facebook_page::FeedPage, std::string>& parsed) {
    using namespace carelisten::connectors;
    if (const auto* page = std::get_if<facebook_page::FeedPage>(&parsed)) {
        for (const auto& entry : page->entries) {
            if (const auto* item = std::get_if<RawItem>(&entry.record); item != nullptr && ValidateRawItem(*item)) {
                std::abort();
            }
            if (const auto* bad = std::get_if<BadRecord>(&entry.record);
                bad != nullptr && bad->raw.size() > facebook_page::kMaxRawBytes) {
                std::abort();
            }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carelisten::connectors;
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    Check(facebook_page::ParseFeedPage(body, "fuzz"));
    Check(facebook_page::ParseCommentsPage(body, "fuzz", "1_2"));
    (void)facebook_page::ParseGraphError(body);
    (void)facebook_page::ParseUsageHeader(body);
    (void)facebook_page::ParseGraphTime(body.substr(0, 64));
    return 0;
}
