// Code, example configuration and documentation cannot drift: every key of every settings table
// appears in config/carelistend.toml.example, with its default, under its table.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <connectors/registry.hpp>
#include <daemon/config.hpp>
#include <daemon/metrics.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
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

// Every metric family /metrics can show (one source registered so the per-source families appear).
std::set<std::string> ExportedFamilies() {
    Metrics metrics;
    metrics.Source("drop");
    std::set<std::string> names;
    std::istringstream text(metrics.RenderPrometheus());
    std::string line;
    while (std::getline(text, line)) {
        if (line.rfind("# TYPE ", 0) == 0) {
            const auto name = line.substr(7, line.find(' ', 7) - 7);
            names.insert(name);
            if (line.find(" histogram") != std::string::npos) {
                for (const char* suffix : {"_bucket", "_sum", "_count"}) {
                    names.insert(name + suffix);
                }
            }
        }
    }
    return names;
}

std::set<std::string> MetricNamesIn(const std::string& text) {
    static const std::regex kName(R"(\b(?:carelisten|process)_[a-z_]+\b)");
    std::set<std::string> names;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), kName); it != std::sregex_iterator(); ++it) {
        names.insert(it->str());
    }
    return names;
}

TEST(Docs, GrafanaDashboardIsValidJsonUsingOnlyExportedMetrics) {
    const std::string text = ReadSourceFile("docs/grafana/carelisten.json");
    rapidjson::Document dashboard;
    dashboard.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
    ASSERT_FALSE(dashboard.HasParseError()) << "docs/grafana/carelisten.json is not valid JSON";
    ASSERT_TRUE(dashboard.IsObject() && dashboard.HasMember("panels") && dashboard["panels"].IsArray());
    const auto exported = ExportedFamilies();
    std::size_t expressions = 0;
    for (const auto& panel : dashboard["panels"].GetArray()) {
        ASSERT_TRUE(panel.HasMember("targets") && panel["targets"].IsArray()) << "a panel without queries";
        for (const auto& target : panel["targets"].GetArray()) {
            const std::string expr = target["expr"].GetString();
            ++expressions;
            const auto names = MetricNamesIn(expr);
            EXPECT_FALSE(names.empty()) << expr;
            for (const auto& name : names) {
                EXPECT_TRUE(exported.count(name)) << name << " (in the dashboard) is not exported at /metrics";
            }
        }
    }
    EXPECT_GE(expressions, 10u);
}

TEST(Docs, AlertRulesUseOnlyExportedMetrics) {
    const auto exported = ExportedFamilies();
    const auto names = MetricNamesIn(ReadSourceFile("docs/prometheus/alerts.yml"));
    EXPECT_GE(names.size(), 10u);
    for (const auto& name : names) {
        EXPECT_TRUE(exported.count(name)) << name << " (in alerts.yml) is not exported at /metrics";
    }
}

TEST(Docs, DemoConfigurationIsValid) {
    EXPECT_NO_THROW(LoadConfigText(ReadSourceFile("config/demo.toml"), "demo.toml"));
}

}  // namespace
}  // namespace carelisten::daemon
