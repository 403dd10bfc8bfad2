/// @file
/// @brief An SMTP sink on 127.0.0.1:0 for the pg and e2e tiers: accepts any number of sessions (one at a time,
/// any command answered 250) and keeps every message's DATA, dot-unstuffed, with CRLF line ends.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace carelisten::testing {

/// Lifecycle: listens from construction to destruction. Thread-safety: Messages() from any thread.
class SmtpSink {
public:
    SmtpSink() {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
            ::listen(listener_, 8) != 0) {
            throw std::runtime_error("sink bind/listen failed");
        }
        socklen_t length = sizeof(address);
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] {
            while (true) {
                const int client = ::accept(listener_, nullptr, nullptr);
                if (client < 0) {
                    return;
                }
                Session(client);
            }
        });
    }
    ~SmtpSink() {
        ::shutdown(listener_, SHUT_RDWR);
        ::close(listener_);
        thread_.join();
    }
    SmtpSink(const SmtpSink&) = delete;
    SmtpSink& operator=(const SmtpSink&) = delete;

    std::string Url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
    std::vector<std::string> Messages() {
        const std::lock_guard lock(mutex_);
        return messages_;
    }

private:
    void Session(int client) {
        std::string buffer;
        const auto send = [&](const std::string& line) {
            const std::string wire = line + "\r\n";
            (void)!::write(client, wire.data(), wire.size());
        };
        const auto read_line = [&](std::string& line) {
            while (true) {
                if (const auto end = buffer.find("\r\n"); end != std::string::npos) {
                    line = buffer.substr(0, end);
                    buffer.erase(0, end + 2);
                    return true;
                }
                char chunk[4096];
                const auto got = ::read(client, chunk, sizeof(chunk));
                if (got <= 0) {
                    return false;
                }
                buffer.append(chunk, static_cast<std::size_t>(got));
            }
        };
        send("220 sink ESMTP");
        std::string line;
        while (read_line(line)) {
            if (line.starts_with("EHLO") || line.starts_with("HELO")) {
                send("250 sink");
            } else if (line == "DATA") {
                send("354 go ahead");
                std::string data;
                while (read_line(line) && line != ".") {
                    data += (line.starts_with("..") ? line.substr(1) : line) + "\r\n";
                }
                {
                    const std::lock_guard lock(mutex_);
                    messages_.push_back(std::move(data));
                }
                send("250 queued");
            } else if (line == "QUIT") {
                send("221 bye");
                break;
            } else {
                send("250 OK");
            }
        }
        ::close(client);
    }

    int listener_ = -1;
    unsigned short port_ = 0;
    std::thread thread_;
    std::mutex mutex_;
    std::vector<std::string> messages_;
};

}  // namespace carelisten::testing
