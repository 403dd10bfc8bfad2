/// @file
/// @brief Secrets from files or systemd credentials, never from the configuration text.
///
/// Used by the database target and by every connector that needs a token. Secrets are read when they are
/// needed (not cached for the life of the process), so an operator rotates a credential by replacing the
/// file; SIGHUP is not even required.
#pragma once

#include <string>

namespace carelisten {

/// A secret value that cannot be streamed or formatted by accident: read it with Reveal() where a
/// library needs it, and nowhere else.
class Secret {
public:
    Secret() = default;
    explicit Secret(std::string value) : value_(std::move(value)) {}
    const std::string& Reveal() const { return value_; }
    bool Empty() const { return value_.empty(); }

private:
    std::string value_;
};

/// Reads the first line of `path` (a trailing newline is not part of the secret). Throws
/// std::runtime_error naming the file, never its content.
Secret ReadSecretFile(const std::string& path);

/// Reads `$CREDENTIALS_DIRECTORY/<name>` (systemd LoadCredential=/SetCredential=).
Secret ReadCredential(const std::string& name);

/// Where one secret lives: a file, or a systemd credential name. Exactly one is set in a valid config.
struct SecretSource {
    std::string file;
    std::string credential;

    bool Configured() const { return !file.empty() || !credential.empty(); }
    /// Reads it (file first); throws std::runtime_error naming the file or credential, never the value.
    Secret Read() const;
    /// For messages: "file /etc/x" or "credential x-token", never the value.
    std::string Describe() const;
};

}  // namespace carelisten
