// libFuzzer target: the RFC 8288 Link header parser (Mastodon, GitHub-style paging) on arbitrary bytes.
// Every link it returns has a URL without whitespace and a non-empty lower-case relation that FindLink
// finds again; malformed input is skipped, never thrown on.
#include <cctype>
#include <connectors/http/rate_limit.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carelisten::connectors::http;
    const std::string_view value(reinterpret_cast<const char*>(data), size);
    const auto links = ParseLinkHeader(value);
    for (const auto& link : links) {
        if (link.url.empty() || link.rel.empty() || link.url.find_first_of(" \t\r\n") != std::string::npos) {
            std::abort();
        }
        for (const char c : link.rel) {
            if (std::isupper(static_cast<unsigned char>(c)) != 0)
                std::abort();
        }
        if (!FindLink(links, link.rel))
            std::abort();
    }
    return 0;
}
