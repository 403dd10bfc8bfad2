/// @file
/// @brief An in-process fake upstream for connector and runtime tests: a Boost.Beast HTTP/1.1 server on
/// 127.0.0.1 port 0 with scripted routes, speaking each upstream's real wire format (status codes,
/// headers such as Retry-After and X-RateLimit-*, error payloads), and able to misbehave on purpose.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace carelisten::testing {

/// A request as the fake received it.
struct RecordedRequest {
    std::string method;
    std::string target;  ///< path and query, as sent ("/2/tweets/search/recent?query=...")
    std::string path;    ///< without the query
    std::string query;   ///< without the '?'
    std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased
    std::string body;
    std::uint64_t connection = 0;  ///< which TCP connection carried it (1, 2, ... in accept order): shows reuse

    /// The value of a header (lower-case name) or "" when absent.
    std::string Header(std::string_view lower_case_name) const;
    /// The decoded value of a query parameter, or "" when absent.
    std::string QueryParam(std::string_view name) const;
};

/// What to answer. Misbehaviour flags make the fake act like a broken upstream.
struct FakeResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;  ///< e.g. {"Retry-After", "2"}
    std::string body;
    std::string content_type = "application/json; charset=utf-8";
    std::chrono::milliseconds delay{0};  ///< wait before answering (slow upstream)
    bool stall = false;                  ///< send the status line and headers, then nothing until the client gives up
    bool truncate = false;               ///< announce the full Content-Length, send half the body, close
    bool reset = false;                  ///< close the connection without answering
    bool gzip = false;                   ///< send the body gzip-encoded with Content-Encoding: gzip

    static FakeResponse Json(std::string body, int status = 200);
};

/// Lifecycle: the constructor binds 127.0.0.1:0 and starts one server thread; the destructor stops it.
/// Routes may be added or replaced at any time (thread-safe). A request no route matches gets 404.
class FakeUpstream {
public:
    using Handler = std::function<FakeResponse(const RecordedRequest&)>;

    FakeUpstream();
    ~FakeUpstream();
    FakeUpstream(const FakeUpstream&) = delete;
    FakeUpstream& operator=(const FakeUpstream&) = delete;

    /// "http://127.0.0.1:<port>"
    std::string BaseUrl() const;
    unsigned short Port() const;

    /// Answers `method` requests whose path starts with `path_prefix` (longest prefix wins).
    void Route(std::string method, std::string path_prefix, Handler handler);

    /// Every request received so far, in order.
    std::vector<RecordedRequest> Requests() const;
    std::size_t RequestCount(std::string_view path_prefix = "") const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace carelisten::testing
