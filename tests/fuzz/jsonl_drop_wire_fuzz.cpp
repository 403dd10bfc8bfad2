// libFuzzer target: the jsonl_drop line parser on arbitrary bytes. Every accepted line must satisfy the
// RawItem invariants (non-empty ids, valid UTF-8).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <connectors/jsonl_drop/jsonl_drop_wire.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carelisten::connectors;
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    const auto parsed = jsonl_drop::ParseLine(line, "fuzz", "unknown");
    if (const auto* item = std::get_if<RawItem>(&parsed); item != nullptr && ValidateRawItem(*item)) {
        std::abort();
    }
    return 0;
}
