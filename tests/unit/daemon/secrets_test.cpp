#include <common/secret.hpp>

#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <support/temp_dir.hpp>

namespace carelisten::daemon {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Secrets, ReadsTheFirstLineOfAFile) {
    testing::TempDir dir;
    testing::WriteFile(dir.Path() / "pw", "s3cret value\r\nsecond line\n");
    EXPECT_EQ(ReadSecretFile((dir.Path() / "pw").string()).Reveal(), "s3cret value");
}

TEST(Secrets, ErrorsNameTheFileNeverTheContent) {
    testing::TempDir dir;
    testing::WriteFile(dir.Path() / "empty", "\n");
    try {
        ReadSecretFile((dir.Path() / "empty").string());
        FAIL() << "an empty secret must be refused";
    } catch (const std::runtime_error& error) {
        EXPECT_THAT(error.what(), HasSubstr("is empty"));
    }
    try {
        ReadSecretFile((dir.Path() / "missing").string());
        FAIL() << "a missing file must be refused";
    } catch (const std::runtime_error& error) {
        EXPECT_THAT(error.what(), HasSubstr("cannot read secret file"));
    }
}

TEST(Secrets, ReadsSystemdCredentials) {
    testing::TempDir dir;
    testing::WriteFile(dir.Path() / "db-password", "from-credential\n");
    ::setenv("CREDENTIALS_DIRECTORY", dir.Path().c_str(), 1);
    EXPECT_EQ(ReadCredential("db-password").Reveal(), "from-credential");
    EXPECT_THROW(ReadCredential("../etc/passwd"), std::runtime_error);
    ::unsetenv("CREDENTIALS_DIRECTORY");
    try {
        ReadCredential("db-password");
        FAIL() << "no credentials directory";
    } catch (const std::runtime_error& error) {
        EXPECT_THAT(error.what(), HasSubstr("LoadCredential="));
        EXPECT_THAT(error.what(), Not(HasSubstr("from-credential")));
    }
}

}  // namespace
}  // namespace carelisten::daemon
