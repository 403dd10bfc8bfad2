/// @file
/// @brief Which PostgreSQL the daemon and CLI use: `database.url`, or the embedded cluster.
#pragma once

#include <common/secret.hpp>
#include <daemon/config.hpp>
#include <daemon/embedded_postgres.hpp>
#include <memory>
#include <string>

namespace carelisten::daemon {

/// Lifecycle: Open() reads the password (from a file or credential) or starts the embedded cluster;
/// Close() (or the destructor) stops the embedded cluster if this object started it.
class DatabaseTarget {
public:
    /// `stop_adopted_cluster`: see EmbeddedPostgres::Options::stop_adopted (true for the daemon).
    explicit DatabaseTarget(const Config& config, bool stop_adopted_cluster = true);
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
    bool stop_adopted_cluster_;
    std::unique_ptr<EmbeddedPostgres> embedded_;
    std::string conninfo_;
    Secret password_;
};

}  // namespace carelisten::daemon
