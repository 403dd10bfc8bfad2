// The connector contract, over every registered connector type, from the daemon's side: each type appears in
// the demo configuration (so `make demo` shows every source), builds from it through the same wiring the
// daemon uses, and re-parsing hostile quarantined bytes yields a BadRecord with a reason, never a crash and
// never an item that breaks the RawItem invariants.
#include <gtest/gtest.h>

#include <connectors/registry.hpp>
#include <daemon/config.hpp>
#include <daemon/wiring.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <variant>

namespace carelisten::daemon {
namespace {

Config DemoConfig() {
    const char* source_dir = std::getenv("CARELISTEN_SOURCE_DIR");
    EXPECT_NE(source_dir, nullptr);
    std::ifstream in(std::string(source_dir ? source_dir : ".") + "/config/demo.toml");
    std::stringstream text;
    text << in.rdbuf();
    return LoadConfigText(text.str(), "demo.toml");
}

TEST(ConnectorContract, EveryRegisteredTypeIsInTheDemoAndBuildsFromIt) {
    const auto config = DemoConfig();
    std::set<std::string> demo_types;
    for (const auto& source : config.sources) {
        demo_types.insert(source.type);
    }
    for (const auto* factory : connectors::AllConnectorFactories()) {
        EXPECT_TRUE(demo_types.count(std::string(factory->type))) << factory->type << " is not in config/demo.toml";
    }
    // No HTTP runtime: building a connector must not touch the network (the CLI builds them to re-parse).
    const auto built = MakeConnectors(config, connectors::ConnectorContext{});
    ASSERT_EQ(built.size(), config.sources.size());
    for (std::size_t i = 0; i < built.size(); ++i) {
        ASSERT_NE(built[i], nullptr);
        EXPECT_EQ(built[i]->Name(), config.sources[i].name);
    }
}

TEST(ConnectorContract, ReparsingHostileBytesNeverCrashesNorYieldsAnInvalidItem) {
    const auto config = DemoConfig();
    const auto built = MakeConnectors(config, connectors::ConnectorContext{});
    const std::string deep(100000, '[');
    const std::vector<std::string> hostile = {"",
                                              "{",
                                              "null",
                                              "[]",
                                              "{\"id\":123}",
                                              "\xff\xfe\x00garbage",
                                              deep,
                                              "<rss><channel><item>",
                                              "{\"id\":\"1\",\"text\":\"\xc3\x28\"}",
                                              std::string(70000, 'a')};
    for (const auto& connector : built) {
        for (const auto& raw : hostile) {
            const auto parsed = connector->ParseRecord(raw, "contract-test");
            if (const auto* bad = std::get_if<connectors::BadRecord>(&parsed)) {
                EXPECT_FALSE(bad->reason.empty()) << connector->Name();
            } else {
                const auto& item = std::get<connectors::RawItem>(parsed);
                EXPECT_EQ(connectors::ValidateRawItem(item), std::nullopt) << connector->Name();
            }
        }
    }
}

}  // namespace
}  // namespace carelisten::daemon
