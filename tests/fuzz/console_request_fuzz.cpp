// libFuzzer target: what the staff console reads from a request before any database work: the query string and
// form body (percent-encoding, UTF-8, repeated keys), the Cookie header, and an API call's JSON body. The input
// is split at its first two 0x00 bytes into query, cookie header and body. Accepted fields are always valid
// UTF-8 without NUL (what the pages and the database then rely on).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

// The console's request readers are internal to the module (console/src); the fuzz build adds that directory.
#include "console_context.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carelisten::console;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto first = input.find('\0');
    const std::string_view query = input.substr(0, first);
    std::string_view rest = first == std::string_view::npos ? std::string_view{} : input.substr(first + 1);
    const auto second = rest.find('\0');
    const std::string_view cookie = rest.substr(0, second);
    const std::string_view body = second == std::string_view::npos ? std::string_view{} : rest.substr(second + 1);

    if (const auto fields = detail::ParseUrlEncoded(query)) {
        for (const auto& [key, value] : *fields) {
            if (!detail::IsValidUtf8(key) || !detail::IsValidUtf8(value) || key.find('\0') != std::string::npos ||
                value.find('\0') != std::string::npos) {
                std::abort();
            }
        }
        const detail::Fields read(*fields);
        if (!fields->empty() && read.Get(fields->front().first) != fields->front().second) {
            std::abort();  // Get returns the first value of a key
        }
    }
    ConsoleRequest request;
    request.headers.emplace_back("cookie", std::string(cookie));
    (void)detail::Cookie(request, "carelisten_session");
    (void)detail::Cookie(request, "carelisten_login");
    if (const auto json = detail::ReadJsonFields(body)) {
        (void)json->All("category");
        (void)json->Optional("sentiment");
    }
    return 0;
}
