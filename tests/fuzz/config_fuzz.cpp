// libFuzzer target: the carelistend.toml loader on arbitrary bytes. A file is either a Config or a ConfigError
// listing its problems (each "file:line:column: ..."); any other exception, a crash or a hang is a bug. A file
// that loads must load again to the same values (the loader is deterministic).
#include <cstdint>
#include <cstdlib>
#include <daemon/config.hpp>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carelisten::daemon;
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const Config config = LoadConfigText(text, "fuzz.toml");
        const Config again = LoadConfigText(text, "fuzz.toml");
        if (!(config.daemon == again.daemon) || !(config.console == again.console) ||
            config.sources.size() != again.sources.size()) {
            std::abort();
        }
        (void)PlanReload(config, again);
    } catch (const ConfigError& error) {
        if (error.Problems().empty()) {
            std::abort();  // a refusal always says why
        }
    }
    return 0;
}
