/// @file
/// @brief Which PostgreSQL the daemon and CLI use: `database.url`, or the embedded cluster.
#pragma once

#include <daemon/config.hpp>
#include <daemon/embedded_postgres.hpp>
#include <daemon/secrets.hpp>
#include <memory>
#include <string>

namespace carelisten::daemon {

/// Lifecycle: Open() reads the password (from a file or credential) or starts the embedded cluster;
/// Close() (or the destructor) stops the embedded cluster if this object started it.
class DatabaseTarget {
public:
    explicit DatabaseTarget(const Config& config);
    ~DatabaseTarget();

    /// Throws std::runtime_error with what to fix.
    void Open();
    void Close();

    const std::string& Conninfo() const { return conninfo_; }
    const std::string& Password() const { return password_.Reveal(); }
    bool Embedded() const { return embedded_ != nullptr; }

private:
    Settings database_;
    std::string state_dir_;
    std::unique_ptr<EmbeddedPostgres> embedded_;
    std::string conninfo_;
    Secret password_;
};

}  // namespace carelisten::daemon
