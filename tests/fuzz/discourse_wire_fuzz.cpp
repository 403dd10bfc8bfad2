// libFuzzer target: the Discourse wire parser (posts pages, single posts), the webhook parser and the
// signature check on arbitrary bytes. Every accepted post must satisfy the RawItem invariants.
#include <connectors/discourse/discourse_webhook.hpp>
#include <connectors/discourse/discourse_wire.hpp>
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
    const discourse::ItemOptions options{
        .source = "fuzz", .base_url = "https://forum.example", .communities = {{12, "diabetes"}}};
    if (const auto parsed = discourse::ParsePostsPage(body, options);
        std::holds_alternative<discourse::PostPage>(parsed)) {
        for (const auto& entry : std::get<discourse::PostPage>(parsed).entries) {
            if (entry.item) {
                Check(*entry.item);
            }
            if (entry.item && entry.bad) {
                std::abort();
            }
        }
    }
    if (const auto post = discourse::ParsePostRecord(body, options); std::holds_alternative<RawItem>(post)) {
        Check(std::get<RawItem>(post));
    }
    const std::vector<std::pair<std::string, std::string>> headers = {{"x-discourse-event", "post_created"},
                                                                      {"x-discourse-event-type", "post"}};
    if (const auto pushed = discourse::ParseDiscourseWebhook(headers, body, options);
        std::holds_alternative<RawItem>(pushed)) {
        Check(std::get<RawItem>(pushed));
    }
    // A random header never verifies against a fixed secret (a 2^-256 event aside).
    if (discourse::VerifyDiscourseSignature("fuzz-secret", "{}", body)) {
        std::abort();
    }
    (void)discourse::ParseRateLimitWaitSeconds(body);
    return 0;
}
