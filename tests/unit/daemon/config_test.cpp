#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <daemon/config.hpp>

namespace carelisten::daemon {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;

std::vector<std::string> ProblemsOf(const std::string& text) {
    try {
        LoadConfigText(text, "test.toml");
    } catch (const ConfigError& error) {
        return error.Problems();
    }
    return {};
}

TEST(Config, EmptyFileGivesEveryDefault) {
    const auto config = LoadConfigText("", "test.toml");
    EXPECT_EQ(config.daemon.GetString("state_dir"), "/var/lib/carelisten");
    EXPECT_EQ(config.daemon.GetInt("batch_size"), 500);
    EXPECT_EQ(config.database.GetString("url"), "");
    EXPECT_EQ(config.http.GetInt("listen_port"), 8470);
    EXPECT_DOUBLE_EQ(config.analysis.GetDouble("flag_negative_below"), -0.3);
    EXPECT_TRUE(config.sources.empty());
}

TEST(Config, ReadsASource) {
    const auto config = LoadConfigText(R"(
[sources.drop]
type = "jsonl_drop"
directory = "/srv/drop"
max_record_bytes = 2048
)",
                                       "test.toml");
    ASSERT_EQ(config.sources.size(), 1u);
    EXPECT_EQ(config.sources[0].name, "drop");
    EXPECT_TRUE(config.sources[0].common.GetBool("enabled"));
    EXPECT_EQ(config.sources[0].specific.GetString("directory"), "/srv/drop");
    EXPECT_EQ(config.sources[0].specific.GetInt("max_record_bytes"), 2048);
}

TEST(Config, ReportsEveryProblemWithFileAndLine) {
    const auto problems = ProblemsOf(R"([daemon]
batch_size = "many"
poll_interval_ms = 1
colour = "blue"
log_level = "chatty"

[database]
password = "hunter2"

[sources.drop]
type = "jsonl_drop"

[sources.fax]
type = "fax_machine"
)");
    EXPECT_THAT(problems, Contains(AllOf(HasSubstr("test.toml:2:"), HasSubstr("'daemon.batch_size' must be integer"))));
    EXPECT_THAT(problems,
                Contains(AllOf(HasSubstr("test.toml:3:"), HasSubstr("'daemon.poll_interval_ms' is out of range"))));
    EXPECT_THAT(problems, Contains(AllOf(HasSubstr("test.toml:4:"), HasSubstr("unknown key 'daemon.colour'"))));
    EXPECT_THAT(problems, Contains(AllOf(HasSubstr("test.toml:5:"), HasSubstr("must be one of error,warning"))));
    EXPECT_THAT(problems, Contains(AllOf(HasSubstr("test.toml:8:"), HasSubstr("unknown key 'database.password'"),
                                         HasSubstr("secrets are never written in the configuration"))));
    EXPECT_THAT(problems, Contains(HasSubstr("missing required key 'sources.drop.directory'")));
    EXPECT_THAT(problems,
                Contains(AllOf(HasSubstr("test.toml:14:"), HasSubstr("unknown connector type 'fax_machine'"))));
    EXPECT_EQ(problems.size(), 7u);
    for (const auto& problem : problems) {
        EXPECT_THAT(problem, ::testing::Not(HasSubstr("hunter2"))) << "a secret value was echoed";
    }
}

TEST(Config, ReportsSyntaxErrorsWithLine) {
    const auto problems = ProblemsOf("[daemon]\nbatch_size = \n");
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_THAT(problems[0], HasSubstr("test.toml:2:"));
}

TEST(Config, RefusesPasswordsInTheDatabaseUrl) {
    EXPECT_THAT(ProblemsOf("[database]\nurl = \"postgresql://crm:secret@db/crm\"\n"),
                Contains(HasSubstr("must not contain a password")));
    EXPECT_THAT(ProblemsOf("[database]\nurl = \"host=db password=secret\"\n"),
                Contains(HasSubstr("must not contain a password")));
    EXPECT_TRUE(ProblemsOf("[database]\nurl = \"postgresql://crm@db/crm?sslmode=verify-full\"\n").empty());
    EXPECT_THAT(ProblemsOf("[database]\npassword_file = \"/a\"\npassword_credential = \"b\"\n"),
                Contains(HasSubstr("not both")));
}

TEST(Config, RefusesBadSourceNames) {
    EXPECT_THAT(ProblemsOf("[sources.\"Bad Name\"]\ntype = \"jsonl_drop\"\ndirectory = \"/x\"\n"),
                Contains(HasSubstr("source name 'Bad Name'")));
    EXPECT_THAT(ProblemsOf("[sources.drop]\ndirectory = \"/x\"\n"),
                Contains(HasSubstr("'sources.drop.type' is required")));
}

TEST(Config, ReloadPlanSeparatesReloadableFromRestartOnly) {
    const auto running = LoadConfigText(R"(
[daemon]
state_dir = "/a"
batch_size = 100
[sources.drop]
type = "jsonl_drop"
directory = "/d"
)",
                                        "a.toml");
    const auto next = LoadConfigText(R"(
[daemon]
state_dir = "/b"
batch_size = 200
[sources.drop]
type = "jsonl_drop"
directory = "/e"
enabled = false
[sources.more]
type = "jsonl_drop"
directory = "/m"
)",
                                     "b.toml");
    const auto plan = PlanReload(running, next);
    EXPECT_THAT(plan.changed_reloadable, ::testing::UnorderedElementsAre("daemon.batch_size", "sources.drop.enabled"));
    EXPECT_THAT(plan.changed_restart_only,
                ::testing::UnorderedElementsAre("daemon.state_dir", "sources.drop.directory", "sources.more"));
}

}  // namespace
}  // namespace carelisten::daemon
