#include "daemon_process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace carelisten::e2e {
namespace {

std::vector<char*> Pointers(std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    for (auto& value : strings) {
        pointers.push_back(value.data());
    }
    pointers.push_back(nullptr);
    return pointers;
}

std::vector<std::string> Environment(const std::vector<std::string>& extra) {
    std::vector<std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        env.emplace_back(*entry);
    }
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

}  // namespace

std::filesystem::path BinaryDir() {
    const char* dir = std::getenv("CARELISTEN_BINARY_DIR");
    if (dir == nullptr) {
        throw std::runtime_error("CARELISTEN_BINARY_DIR is not set: run through ctest");
    }
    return dir;
}

std::string ReadWholeFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::size_t CountDirectoryEntries(const std::filesystem::path& directory) {
    std::error_code error;
    std::size_t count = 0;
    for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
        ++count;
    }
    return count;
}

DaemonProcess::DaemonProcess(std::filesystem::path config, std::filesystem::path log_path,
                             std::vector<std::string> extra_env)
    : config_(std::move(config)), log_path_(std::move(log_path)), extra_env_(std::move(extra_env)) {}

DaemonProcess::~DaemonProcess() {
    if (pid_ > 0 && Running()) {
        Signal(SIGKILL);
        Wait(std::chrono::seconds(10));
    }
}

void DaemonProcess::Start() {
    std::vector<std::string> argv = {(BinaryDir() / "daemon" / "carelistend").string(), "--config", config_.string()};
    auto env = Environment(extra_env_);
    auto argv_pointers = Pointers(argv);
    auto env_pointers = Pointers(env);
    const pid_t pid = ::fork();
    if (pid < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        const int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        ::dup2(log, STDERR_FILENO);
        ::dup2(log, STDOUT_FILENO);
        ::execve(argv_pointers[0], argv_pointers.data(), env_pointers.data());
        ::_exit(127);
    }
    pid_ = pid;
}

void DaemonProcess::Signal(int signal_number) {
    if (pid_ > 0) {
        ::kill(pid_, signal_number);
    }
}

std::optional<int> DaemonProcess::Wait(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) {
        return std::nullopt;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        int status = 0;
        const pid_t done = ::waitpid(pid_, &status, WNOHANG);
        if (done == pid_) {
            pid_ = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

bool DaemonProcess::Running() {
    return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0;
}

CommandResult RunCommand(const std::vector<std::string>& argv_in, const std::string& input,
                         const std::vector<std::string>& extra_env) {
    std::vector<std::string> argv = argv_in;
    auto env = Environment(extra_env);
    auto argv_pointers = Pointers(argv);
    auto env_pointers = Pointers(env);
    char out_path[] = "/tmp/carelisten-cmd-out-XXXXXX";
    char err_path[] = "/tmp/carelisten-cmd-err-XXXXXX";
    char in_path[] = "/tmp/carelisten-cmd-in-XXXXXX";
    const int out_fd = ::mkstemp(out_path);
    const int err_fd = ::mkstemp(err_path);
    const int in_fd = ::mkstemp(in_path);
    if (::write(in_fd, input.data(), input.size()) != static_cast<ssize_t>(input.size())) {
        throw std::runtime_error("cannot write command input");
    }
    ::lseek(in_fd, 0, SEEK_SET);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(in_fd, STDIN_FILENO);
        ::dup2(out_fd, STDOUT_FILENO);
        ::dup2(err_fd, STDERR_FILENO);
        ::execve(argv_pointers[0], argv_pointers.data(), env_pointers.data());
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(out_fd);
    ::close(err_fd);
    ::close(in_fd);
    CommandResult result{WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), ReadWholeFile(out_path),
                         ReadWholeFile(err_path)};
    ::unlink(out_path);
    ::unlink(err_path);
    ::unlink(in_path);
    return result;
}

HttpResult HttpGet(const std::string& address, const std::string& path) {
    const auto colon = address.rfind(':');
    try {
        boost::asio::io_context io;
        boost::asio::ip::tcp::socket socket(io);
        socket.connect({boost::asio::ip::make_address(address.substr(0, colon)),
                        static_cast<unsigned short>(std::stoi(address.substr(colon + 1)))});
        const std::string request = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        boost::asio::write(socket, boost::asio::buffer(request));
        std::string response;
        boost::system::error_code ec;
        boost::asio::read(socket, boost::asio::dynamic_buffer(response), ec);
        if (response.size() < 12) {
            return {};
        }
        const auto body = response.find("\r\n\r\n");
        return {std::stoi(response.substr(9, 3)), body == std::string::npos ? "" : response.substr(body + 4)};
    } catch (const std::exception&) {
        return {};
    }
}

std::string HttpExchange(const std::string& address, const std::string& request) {
    const auto colon = address.rfind(':');
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect({boost::asio::ip::make_address(address.substr(0, colon)),
                    static_cast<unsigned short>(std::stoi(address.substr(colon + 1)))},
                   ec);
    if (ec) {
        return {};
    }
    boost::asio::write(socket, boost::asio::buffer(request), ec);
    std::string answer;
    boost::asio::read(socket, boost::asio::dynamic_buffer(answer), ec);
    return answer;
}

}  // namespace carelisten::e2e
