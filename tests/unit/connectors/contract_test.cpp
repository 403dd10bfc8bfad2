// One contract over every registered connector type: its settings table is well formed and
// documented in the example configuration.
#include <gtest/gtest.h>

#include <connectors/registry.hpp>
#include <fstream>
#include <set>
#include <sstream>

namespace carelisten::connectors {
namespace {

class ConnectorContract : public ::testing::TestWithParam<const ConnectorFactory*> {};

TEST_P(ConnectorContract, SettingsTableIsWellFormed) {
    const auto& factory = *GetParam();
    EXPECT_FALSE(factory.type.empty());
    EXPECT_FALSE(factory.description.empty());
    EXPECT_NE(factory.create, nullptr);
    std::set<std::string_view> keys;
    for (const auto& spec : factory.settings.specs) {
        EXPECT_TRUE(keys.insert(spec.key).second) << "duplicate key " << spec.key;
        EXPECT_FALSE(spec.description.empty()) << spec.key;
        EXPECT_NE(spec.key, "type") << "'type' is a common source key";
        EXPECT_NE(spec.key, "enabled") << "'enabled' is a common source key";
        if (spec.min && spec.max) {
            EXPECT_LE(*spec.min, *spec.max) << spec.key;
        }
    }
}

TEST_P(ConnectorContract, EveryKeyIsDocumentedInTheExampleConfig) {
    const char* source_dir = std::getenv("CARELISTEN_SOURCE_DIR");
    ASSERT_NE(source_dir, nullptr);
    std::ifstream in(std::string(source_dir) + "/config/carelistend.toml.example");
    ASSERT_TRUE(in);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find("type = \"" + std::string(GetParam()->type) + "\""), std::string::npos);
    for (const auto& spec : GetParam()->settings.specs) {
        EXPECT_NE(text.str().find(std::string(spec.key) + " ="), std::string::npos)
            << GetParam()->type << "." << spec.key << " is missing from config/carelistend.toml.example";
    }
}

INSTANTIATE_TEST_SUITE_P(AllConnectors, ConnectorContract,
                         ::testing::ValuesIn(AllConnectorFactories().begin(), AllConnectorFactories().end()),
                         [](const auto& param_info) { return std::string(param_info.param->type); });

}  // namespace
}  // namespace carelisten::connectors
