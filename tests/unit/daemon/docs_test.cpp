// Code, example configuration and documentation cannot drift: every key of every settings table
// appears in config/carelistend.toml.example, with its default, under its table.
#include <gtest/gtest.h>

#include <connectors/registry.hpp>
#include <daemon/config.hpp>
#include <fstream>
#include <sstream>

namespace carelisten::daemon {
namespace {

std::string ReadSourceFile(const std::string& relative) {
    const char* source_dir = std::getenv("CARELISTEN_SOURCE_DIR");
    EXPECT_NE(source_dir, nullptr);
    std::ifstream in(std::string(source_dir ? source_dir : ".") + "/" + relative);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(Docs, EveryTopLevelKeyIsInTheExampleWithItsDefault) {
    const std::string example = ReadSourceFile("config/carelistend.toml.example");
    ASSERT_FALSE(example.empty());
    const auto config = LoadConfigText(example, "carelistend.toml.example");  // the example itself is valid
    for (const auto* table : TopLevelSettingsTables()) {
        const auto section = example.find("[" + std::string(table->name) + "]");
        ASSERT_NE(section, std::string::npos) << table->name;
        for (const auto& spec : table->specs) {
            EXPECT_NE(example.find("\n" + std::string(spec.key) + " = ", section), std::string::npos)
                << table->name << "." << spec.key << " is missing from config/carelistend.toml.example";
        }
    }
    // The example shows the defaults: loading it gives the same values as an empty file.
    const auto defaults = LoadConfigText("", "empty.toml");
    EXPECT_EQ(config.daemon, defaults.daemon);
    EXPECT_EQ(config.database, defaults.database);
    EXPECT_EQ(config.http, defaults.http);
    EXPECT_EQ(config.analysis, defaults.analysis);
}

TEST(Docs, CommonSourceKeysAreInTheExample) {
    const std::string example = ReadSourceFile("config/carelistend.toml.example");
    for (const auto& spec : SourceCommonSettingsTable().specs) {
        EXPECT_NE(example.find("\n" + std::string(spec.key) + " = "), std::string::npos) << spec.key;
    }
}

TEST(Docs, EveryConnectorTypeHasAReadme) {
    for (const auto* factory : connectors::AllConnectorFactories()) {
        EXPECT_FALSE(ReadSourceFile("connectors/" + std::string(factory->type) + "/README.md").empty())
            << factory->type;
    }
}

TEST(Docs, DemoConfigurationIsValid) {
    EXPECT_NO_THROW(LoadConfigText(ReadSourceFile("config/demo.toml"), "demo.toml"));
}

}  // namespace
}  // namespace carelisten::daemon
