/// @file
/// @brief Secrets from files or systemd credentials, never from the configuration text.
#pragma once

#include <string>

namespace carelisten::daemon {

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

}  // namespace carelisten::daemon
