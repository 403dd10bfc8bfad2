// Code, example configuration and documentation cannot drift: every key of every settings table
// appears in config/carelistend.toml.example, with its default, under its table.
#include <gtest/gtest.h>

#include <connectors/registry.hpp>
#include <daemon/config.hpp>
#include <filesystem>
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

// A connector's folder is named after its type (connectors/reddit) or its upstream when the type says more
// (connectors/x holds x_recent_search): then the README's title names the type in backticks.
bool HasReadme(std::string_view type) {
    if (!ReadSourceFile("connectors/" + std::string(type) + "/README.md").empty()) {
        return true;
    }
    const char* source_dir = std::getenv("CARELISTEN_SOURCE_DIR");
    for (const auto& entry :
         std::filesystem::directory_iterator(std::string(source_dir ? source_dir : ".") + "/connectors")) {
        std::ifstream in(entry.path() / "README.md");
        std::string title;
        if (std::getline(in, title) && title.starts_with("# ") &&
            title.find("`" + std::string(type) + "`") != std::string::npos) {
            return true;
        }
    }
    return false;
}

TEST(Docs, EveryConnectorTypeHasAReadme) {
    for (const auto* factory : connectors::AllConnectorFactories()) {
        EXPECT_TRUE(HasReadme(factory->type)) << factory->type;
    }
}

TEST(Docs, DemoConfigurationIsValid) {
    EXPECT_NO_THROW(LoadConfigText(ReadSourceFile("config/demo.toml"), "demo.toml"));
}

}  // namespace
}  // namespace carelisten::daemon
