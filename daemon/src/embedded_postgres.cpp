#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <common/log.hpp>
#include <cstring>
#include <daemon/embedded_postgres.hpp>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace carelisten::daemon {
namespace {

constexpr std::string_view kLogModule = "embedded_pg";
constexpr const char* kDatabaseName = "carelisten";
constexpr const char* kSuperuser = "carelisten";
constexpr const char* kPort = "5432";  // names the socket file only: there is no TCP listener
constexpr std::size_t kMaxSocketPath = 107;

namespace fs = std::filesystem;

void ChownTree(const fs::path& root, uid_t uid, gid_t gid) {
    if (::chown(root.c_str(), uid, gid) != 0) {
        throw std::runtime_error("cannot chown " + root.string() + ": " + std::strerror(errno));
    }
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (::lchown(entry.path().c_str(), uid, gid) != 0) {
            throw std::runtime_error("cannot chown " + entry.path().string() + ": " + std::strerror(errno));
        }
    }
}

}  // namespace

std::string FindPostgresBinDir() {
    std::vector<std::pair<int, std::string>> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        const auto bin = entry.path() / "bin";
        if (fs::exists(bin / "pg_ctl", ec)) {
            try {
                found.emplace_back(std::stoi(entry.path().filename().string()), bin.string());
            } catch (const std::exception&) {
            }
        }
    }
    if (found.empty()) {
        return {};
    }
    return std::max_element(found.begin(), found.end())->second;
}

EmbeddedPostgres::EmbeddedPostgres(Options options) : options_(std::move(options)) {
    bin_dir_ = options_.bin_dir.empty() ? FindPostgresBinDir() : options_.bin_dir;
    root_dir_ = (fs::absolute(options_.state_dir) / "pg").string();
    data_dir_ = root_dir_ + "/data";
    socket_dir_ = root_dir_ + "/socket";
}

EmbeddedPostgres::~EmbeddedPostgres() {
    try {
        Stop();
    } catch (const std::exception& error) {
        log::Error(kLogModule, "stopping the embedded cluster failed: ", error.what());
    }
}

int EmbeddedPostgres::Run(const std::vector<std::string>& argv, const std::string& output_file,
                          bool new_session) const {
    std::vector<char*> args;
    for (const auto& arg : argv) {
        args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    // The cluster must not speak to systemd for the daemon: PostgreSQL built with systemd support sends
    // READY=1/STOPPING=1 to $NOTIFY_SOCKET (NotifyAccess=main makes systemd ignore it, with a warning per
    // message). Built before fork: the child may only make async-signal-safe calls.
    std::vector<char*> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view name(*entry);
        if (name.rfind("NOTIFY_SOCKET=", 0) != 0 && name.rfind("WATCHDOG_", 0) != 0) {
            env.push_back(*entry);
        }
    }
    env.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
    }
    if (pid == 0) {
        // Child: only async-signal-safe calls until exec.
        if (new_session) {
            ::setsid();  // a Ctrl-C in the daemon's terminal must not reach the postmaster
        }
        const int out = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (out >= 0) {
            ::dup2(out, STDOUT_FILENO);
            ::dup2(out, STDERR_FILENO);
        }
        const int null_in = ::open("/dev/null", O_RDONLY);
        if (null_in >= 0) {
            ::dup2(null_in, STDIN_FILENO);
        }
        if (gid_ && uid_) {
            if (::setgroups(0, nullptr) != 0 || ::setgid(*gid_) != 0 || ::setuid(*uid_) != 0) {
                ::_exit(126);
            }
        }
        if (::chdir(root_dir_.c_str()) != 0) {
            ::_exit(126);
        }
        ::execve(args[0], args.data(), env.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            throw std::runtime_error(std::string("waitpid failed: ") + std::strerror(errno));
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool EmbeddedPostgres::Running() const {
    if (bin_dir_.empty() || !fs::exists(data_dir_ + "/PG_VERSION")) {
        return false;
    }
    return Run({bin_dir_ + "/pg_ctl", "status", "-D", data_dir_}, root_dir_ + "/pg_ctl.log", false) == 0;
}

void EmbeddedPostgres::Start() {
    if (bin_dir_.empty() || !fs::exists(bin_dir_ + "/pg_ctl")) {
        throw std::runtime_error(
            "no PostgreSQL server binaries found (install postgresql-15, or set database.embedded_bin_dir, or set "
            "database.url to use an existing server)");
    }
    if (socket_dir_.size() + std::strlen("/.s.PGSQL.") + std::strlen(kPort) > kMaxSocketPath) {
        throw std::runtime_error("state_dir path is too long for a Unix socket (at most about 80 characters): " +
                                 options_.state_dir);
    }
    fs::create_directories(socket_dir_);
    fs::create_directories(data_dir_);
    ::chmod(root_dir_.c_str(), 0700);
    ::chmod(socket_dir_.c_str(), 0700);
    ::chmod(data_dir_.c_str(), 0700);
    if (::geteuid() == 0) {
        // PostgreSQL refuses to run as root: run it as an unprivileged user that owns the cluster.
        const passwd* user = ::getpwnam(options_.run_as.c_str());
        if (user == nullptr) {
            throw std::runtime_error("user '" + options_.run_as +
                                     "' (database.embedded_run_as) does not exist; create it or choose another");
        }
        uid_ = user->pw_uid;
        gid_ = user->pw_gid;
        ChownTree(root_dir_, *uid_, *gid_);
    }

    const std::string log_file = root_dir_ + "/postgresql.log";
    if (!fs::exists(data_dir_ + "/PG_VERSION")) {
        log::Notice(kLogModule, "creating the embedded PostgreSQL cluster in ", data_dir_);
        const int rc = Run({bin_dir_ + "/initdb", "-D", data_dir_, "-U", kSuperuser, "-E", "UTF8", "--no-locale",
                            "--auth-local=trust", "--auth-host=reject"},
                           root_dir_ + "/initdb.log", false);
        if (rc != 0) {
            fs::remove_all(data_dir_);
            throw std::runtime_error("initdb failed (exit " + std::to_string(rc) + "); see " + root_dir_ +
                                     "/initdb.log");
        }
        std::ofstream conf(data_dir_ + "/postgresql.conf", std::ios::app);
        conf << "\n# carelistend: embedded cluster, Unix socket only\n"
             << "listen_addresses = ''\n"
             << "unix_socket_directories = '" << socket_dir_ << "'\n"
             << "unix_socket_permissions = 0700\n"
             << "port = " << kPort << "\n"
             << "max_connections = 30\n"
             // The unit's MemoryDenyWriteExecute=yes forbids the executable memory LLVM JIT needs.
             << "jit = off\n";
    }
    if (Running()) {
        if (!options_.stop_adopted) {
            EnsureDatabase();
            return;  // started_ stays false: someone else's cluster, not ours to stop
        }
        log::Notice(kLogModule, "adopting the embedded cluster left running by an earlier process");
    } else {
        // A postmaster.pid left by a killed cluster is handled by pg_ctl itself.
        const int rc = Run({bin_dir_ + "/pg_ctl", "start", "-w", "-t", "120", "-D", data_dir_, "-l", log_file},
                           root_dir_ + "/pg_ctl.log", true);
        if (rc != 0) {
            throw std::runtime_error("the embedded PostgreSQL cluster did not start (exit " + std::to_string(rc) +
                                     "); see " + log_file);
        }
        log::Info(kLogModule, "embedded cluster started");
    }
    started_ = true;
    EnsureDatabase();
}

void EmbeddedPostgres::EnsureDatabase() {
    const std::string marker = root_dir_ + "/database-created";
    if (fs::exists(marker)) {
        return;
    }
    const int rc = Run({bin_dir_ + "/createdb", "-h", socket_dir_, "-p", kPort, "-U", kSuperuser, kDatabaseName},
                       root_dir_ + "/createdb.log", false);
    // Exit 1 also when it exists already (a crash between createdb and the marker): check the log.
    if (rc != 0) {
        std::ifstream in(root_dir_ + "/createdb.log");
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (text.find("already exists") == std::string::npos) {
            throw std::runtime_error("createdb failed; see " + root_dir_ + "/createdb.log");
        }
    }
    std::ofstream(marker) << "1\n";
}

void EmbeddedPostgres::Stop() {
    if (!started_) {
        return;
    }
    started_ = false;
    const int rc = Run({bin_dir_ + "/pg_ctl", "stop", "-w", "-t", "60", "-m", "fast", "-D", data_dir_},
                       root_dir_ + "/pg_ctl.log", false);
    if (rc != 0) {
        log::Warning(kLogModule, "pg_ctl stop exited ", rc, "; see ", root_dir_, "/pg_ctl.log");
    } else {
        log::Info(kLogModule, "embedded cluster stopped");
    }
}

std::string EmbeddedPostgres::Conninfo() const {
    return std::string("host=") + socket_dir_ + " port=" + kPort + " dbname=" + kDatabaseName + " user=" + kSuperuser +
           " application_name=carelistend";
}

}  // namespace carelisten::daemon
