/// @file
/// @brief The embedded default database: a private PostgreSQL cluster in the daemon's state directory.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace carelisten::daemon {

/// Lifecycle: Start() runs initdb on first use, then starts the cluster (or adopts one left running
/// by a daemon that was killed); Stop() stops it if Start() started or adopted it. Unix socket only
/// (listen_addresses=''), in a 0700 directory, so only the cluster's owner (and root) can connect.
/// When the daemon runs as root, the cluster runs as `run_as`, an unprivileged user.
/// Thread-safety: none; used by the Application and CLI start-up code only.
class EmbeddedPostgres {
public:
    struct Options {
        std::string state_dir;
        std::string run_as = "postgres";
        std::string bin_dir;  ///< empty: newest /usr/lib/postgresql/<version>/bin
        /// Stop a cluster found running at Start() when this object stops. The daemon sets it (it
        /// adopts what a killed daemon left); the CLI does not (the cluster is the running daemon's).
        bool stop_adopted = true;
    };

    explicit EmbeddedPostgres(Options options);
    ~EmbeddedPostgres();
    EmbeddedPostgres(const EmbeddedPostgres&) = delete;
    EmbeddedPostgres& operator=(const EmbeddedPostgres&) = delete;

    /// Throws std::runtime_error saying what failed and where its log is.
    void Start();
    void Stop();
    bool Running() const;

    /// libpq key=value connection string for the cluster's `carelisten` database.
    std::string Conninfo() const;

private:
    int Run(const std::vector<std::string>& argv, const std::string& output_file, bool new_session) const;
    void EnsureDatabase();

    Options options_;
    std::string bin_dir_;
    std::string root_dir_;
    std::string data_dir_;
    std::string socket_dir_;
    std::optional<uid_t> uid_;
    std::optional<gid_t> gid_;
    bool started_ = false;
};

/// The newest /usr/lib/postgresql/<version>/bin that has pg_ctl, or empty.
std::string FindPostgresBinDir();

}  // namespace carelisten::daemon
