// The HTTP runtime: one CURLM driven by the fetch loop's io_context (curl's multi-socket API).
//
// How the traps of REFERENCE.md C1-C2 are avoided:
//  - curl's fd is wrapped in a posix::stream_descriptor that is release()d (never closed) when curl
//    forgets the socket; per-socket state is a shared_ptr owned by `sockets_`, handlers hold a weak_ptr,
//    so a socket removed inside curl_multi_socket_action never leaves a dangling pointer behind;
//  - CURL_POLL_REMOVE only drops our watch; a reused fd number gets fresh state (CLOSESOCKETFUNCTION
//    tells us about closes that come without a REMOVE);
//  - the timer callback never calls libcurl: it only (re)arms an asio timer, whose handler does;
//  - completions are posted, never run inside a curl callback or inside Submit;
//  - every handler checks a weak "alive" token first: the Client may be destroyed while handlers are
//    still queued on a loop that keeps running.
#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <connectors/errc.hpp>
#include <connectors/http/client.hpp>
#include <curl_errors.hpp>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace carelisten::connectors::http {

namespace asio = boost::asio;

namespace {

constexpr long kMaxRedirects = 5;

std::string Lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view Trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
        text.remove_suffix(1);
    }
    return text;
}

void GlobalInit() {
    static const bool initialized = [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            throw std::runtime_error("curl_global_init failed");
        }
        return true;
    }();
    (void)initialized;
}

struct ParsedUrl {
    std::string scheme;
    std::string host;
};

// Scheme and host only: both are safe to name in errors (paths and queries may hold tokens).
std::optional<ParsedUrl> ParseUrl(const std::string& url) {
    CURLU* handle = curl_url();
    if (handle == nullptr)
        return std::nullopt;
    std::optional<ParsedUrl> parsed;
    if (curl_url_set(handle, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
        char* scheme = nullptr;
        char* host = nullptr;
        if (curl_url_get(handle, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            curl_url_get(handle, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
            parsed = ParsedUrl{Lower(scheme), Lower(host)};
        }
        curl_free(scheme);
        curl_free(host);
    }
    curl_url_cleanup(handle);
    return parsed;
}

bool IsLoopbackHost(std::string_view host) {
    return host == "127.0.0.1" || host == "[::1]" || host == "::1" || host == "localhost";
}

bool IsLoopbackIp(std::string_view ip) {
    return ip.starts_with("127.") || ip == "::1";
}

TransportError MakeError(ConnectorErrc code, std::string detail) {
    return TransportError{make_error_code(code), std::move(detail)};
}

}  // namespace

const std::string* Response::Header(std::string_view lower_case_name) const {
    for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
        if (it->first == lower_case_name)
            return &it->second;
    }
    return nullptr;
}

struct Client::Impl {
    struct Transfer {
        std::uint64_t id = 0;
        Request request;
        Completion done;
        std::string host;
        bool plain_http_allowed = false;
        CURL* easy = nullptr;
        curl_slist* header_list = nullptr;
        Response response;
        std::size_t max_bytes = 0;
        bool too_large = false;
        std::array<char, CURL_ERROR_SIZE> error_buffer{};
        std::chrono::steady_clock::time_point started{};
        std::unique_ptr<asio::steady_timer> wait_timer;  // while waiting for its rate-limit key
    };

    struct Socket {
        Socket(asio::io_context& loop, curl_socket_t socket_fd) : fd(socket_fd), descriptor(loop) {}
        curl_socket_t fd;
        asio::posix::stream_descriptor descriptor;
        int wanted = 0;  // CURL_POLL_IN / OUT / INOUT
        bool read_armed = false;
        bool write_armed = false;
    };

    Impl(asio::io_context& io, ClientOptions client_options, std::function<Clock::time_point()> clock,
         RateLimiter& limiter)
        : loop(io),
          options(std::move(client_options)),
          now(clock ? std::move(clock) : [] { return Clock::now(); }),
          limits(limiter),
          timer(io) {
        GlobalInit();
        multi = curl_multi_init();
        if (multi == nullptr)
            throw std::runtime_error("curl_multi_init failed");
        curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &Impl::SocketCallback);
        curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
        curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &Impl::TimerCallback);
        curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
        // Enough cached connections for every transfer in flight to find its keep-alive connection again.
        curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS,
                          static_cast<long>(std::max<std::size_t>(options.max_in_flight, 8)));
        if (options.max_in_flight == 0)
            options.max_in_flight = 1;
    }

    ~Impl() {
        *alive = false;
        alive.reset();
        timer.cancel();
        for (auto& [easy, transfer] : active) {
            curl_multi_remove_handle(multi, easy);
            curl_easy_cleanup(easy);
            curl_slist_free_all(transfer->header_list);
        }
        active.clear();
        for (CURL* easy : idle_easy)
            curl_easy_cleanup(easy);
        idle_easy.clear();
        // Closes cached connections: CLOSESOCKETFUNCTION and the socket callback still reach `sockets`.
        curl_multi_cleanup(multi);
        for (auto& [fd, socket] : sockets) {
            Forget(*socket);
        }
        sockets.clear();
    }

    // ---- submission ------------------------------------------------------------------------------

    void Submit(Request request, Completion done) {
        auto transfer = std::make_unique<Transfer>();
        transfer->id = ++next_id;
        transfer->request = std::move(request);
        transfer->done = std::move(done);
        {
            std::lock_guard lock(stats_mutex);
            ++stats.requests;
        }

        const auto parsed = ParseUrl(transfer->request.url);
        if (!parsed) {
            Fail(std::move(transfer),
                 MakeError(ConnectorErrc::kPermanent, "malformed URL (not shown: it may hold a token)"));
            return;
        }
        transfer->host = parsed->host;
        if (parsed->scheme == "http") {
            if (!options.allow_plain_http_loopback || !IsLoopbackHost(parsed->host)) {
                Fail(std::move(transfer),
                     MakeError(ConnectorErrc::kPermanent,
                               "refusing plain http to " + parsed->host + ": only https is allowed"));
                return;
            }
            transfer->plain_http_allowed = true;
        } else if (parsed->scheme != "https") {
            Fail(std::move(transfer), MakeError(ConnectorErrc::kPermanent,
                                                "unsupported URL scheme " + parsed->scheme + " for " + parsed->host));
            return;
        }
        const std::string& method = transfer->request.method;
        if (method != "GET" && method != "POST" && method != "PUT" && method != "PATCH" && method != "DELETE" &&
            method != "HEAD") {
            Fail(std::move(transfer), MakeError(ConnectorErrc::kPermanent, "unsupported HTTP method " + method));
            return;
        }
        Admit(std::move(transfer));
    }

    // Rate limit first: the request waits on an asio timer (never a sleep) until its key allows it.
    void Admit(std::unique_ptr<Transfer> transfer) {
        const std::string& key = transfer->request.rate_limit_key;
        if (!key.empty()) {
            const auto at = now();
            const auto allowed = limits.NextAllowed(key, at);
            if (allowed > at) {
                if (!transfer->wait_timer) {
                    std::lock_guard lock(stats_mutex);
                    ++stats.rate_limit_waits;
                }
                auto* raw = transfer.get();
                raw->wait_timer = std::make_unique<asio::steady_timer>(loop);
                raw->wait_timer->expires_after(
                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(allowed - at));
                raw->wait_timer->async_wait([this, token = std::weak_ptr<bool>(alive), id = raw->id](const auto& ec) {
                    if (token.expired() || ec)
                        return;
                    OnRateLimitWaitOver(id);
                });
                waiting.emplace(raw->id, std::move(transfer));
                return;
            }
            limits.Consume(key, at);
        }
        if (active.size() >= options.max_in_flight) {
            queued.push_back(std::move(transfer));
            return;
        }
        Start(std::move(transfer));
    }

    void OnRateLimitWaitOver(std::uint64_t id) {
        auto it = waiting.find(id);
        if (it == waiting.end())
            return;
        auto transfer = std::move(it->second);
        waiting.erase(it);
        // Another request with the key may have taken the token meanwhile: check again.
        Admit(std::move(transfer));
    }

    void StartQueued() {
        while (!queued.empty() && active.size() < options.max_in_flight) {
            auto transfer = std::move(queued.front());
            queued.pop_front();
            Start(std::move(transfer));
        }
    }

    CURL* TakeEasy() {
        if (!idle_easy.empty()) {
            CURL* easy = idle_easy.back();
            idle_easy.pop_back();
            return easy;
        }
        return curl_easy_init();
    }

    void ReturnEasy(CURL* easy) {
        // A reset handle keeps nothing of the last request; connections stay in the multi's cache.
        curl_easy_reset(easy);
        if (idle_easy.size() < options.max_in_flight) {
            idle_easy.push_back(easy);
        } else {
            curl_easy_cleanup(easy);
        }
    }

    void Start(std::unique_ptr<Transfer> transfer) {
        CURL* easy = TakeEasy();
        if (easy == nullptr) {
            Fail(std::move(transfer), MakeError(ConnectorErrc::kRetryLater, "curl_easy_init failed"));
            return;
        }
        Transfer& t = *transfer;
        t.easy = easy;
        t.started = std::chrono::steady_clock::now();
        t.max_bytes = options.max_response_bytes;
        const char* protocols = t.plain_http_allowed ? "http,https" : "https";

        curl_easy_setopt(easy, CURLOPT_URL, t.request.url.c_str());
        curl_easy_setopt(easy, CURLOPT_PRIVATE, &t);
        curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, protocols);
        curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
        curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(easy, CURLOPT_MAXREDIRS, kMaxRedirects);
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
        curl_easy_setopt(easy, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
        if (!options.ca_file.empty()) {
            curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_file.c_str());
        }
        curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
        const auto total = t.request.timeout.value_or(options.total_timeout);
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(total.count()));
        curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_bytes);
        curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.low_speed_time.count()));
        curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_response_bytes));
        curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
        // "" disables proxies from the environment: behaviour follows the configuration only.
        curl_easy_setopt(easy, CURLOPT_PROXY, options.proxy.c_str());
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str());
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t.error_buffer.data());
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Impl::WriteCallback);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
        curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Impl::HeaderCallback);
        curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
        curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &Impl::CloseSocketCallback);
        curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
        if (t.plain_http_allowed) {
            // Redirects may not take plain http off this machine: checked on the address actually connected.
            curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, &Impl::PrereqCallback);
            curl_easy_setopt(easy, CURLOPT_PREREQDATA, &t);
        }

        bool has_expect = false;
        for (const auto& [name, value] : t.request.headers) {
            has_expect = has_expect || Lower(name) == "expect";
            // "Name;" is curl's way to send a header with an empty value.
            const std::string line = value.empty() ? name + ";" : name + ": " + value;
            t.header_list = curl_slist_append(t.header_list, line.c_str());
        }
        if (!has_expect) {
            // No "Expect: 100-continue" round trip before bodies.
            t.header_list = curl_slist_append(t.header_list, "Expect:");
        }
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t.header_list);

        const std::string& method = t.request.method;
        if (method == "GET") {
            curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
        } else if (method == "HEAD") {
            curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
        } else {
            curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.request.body.size()));
            curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t.request.body.data());
            if (method != "POST") {
                curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method.c_str());
            }
        }

        active.emplace(easy, std::move(transfer));
        if (curl_multi_add_handle(multi, easy) != CURLM_OK) {
            auto node = active.extract(easy);
            curl_slist_free_all(node.mapped()->header_list);
            node.mapped()->header_list = nullptr;
            ReturnEasy(easy);
            Fail(std::move(node.mapped()), MakeError(ConnectorErrc::kRetryLater, "curl_multi_add_handle failed"));
        }
    }

    // ---- completion ------------------------------------------------------------------------------

    void Fail(std::unique_ptr<Transfer> transfer, TransportError error) {
        {
            std::lock_guard lock(stats_mutex);
            ++stats.transport_errors;
        }
        Outcome outcome;
        outcome.error = std::move(error);
        Deliver(std::move(transfer->done), std::move(outcome));
    }

    void Deliver(Completion done, Outcome outcome) {
        if (!done)
            return;
        asio::post(loop,
                   [done = std::move(done), outcome = std::move(outcome)]() mutable { done(std::move(outcome)); });
    }

    void DrainCompletions() {
        int pending = 0;
        while (CURLMsg* message = curl_multi_info_read(multi, &pending)) {
            if (message->msg != CURLMSG_DONE)
                continue;
            CURL* easy = message->easy_handle;
            const CURLcode result = message->data.result;
            auto node = active.extract(easy);
            curl_multi_remove_handle(multi, easy);
            if (node.empty()) {
                ReturnEasy(easy);
                continue;
            }
            Finish(std::move(node.mapped()), result);
            ReturnEasy(easy);
        }
        StartQueued();
    }

    void Finish(std::unique_ptr<Transfer> transfer, CURLcode result) {
        Transfer& t = *transfer;
        curl_slist_free_all(t.header_list);
        t.header_list = nullptr;
        const auto elapsed =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t.started);
        if (result != CURLE_OK) {
            char* effective = nullptr;
            std::string host = t.host;
            if (curl_easy_getinfo(t.easy, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective != nullptr) {
                if (const auto parsed = ParseUrl(effective))
                    host = parsed->host;
            }
            auto failure =
                detail::ClassifyCurlResult(result, host, elapsed, t.too_large, t.max_bytes, t.error_buffer.data());
            Fail(std::move(transfer), TransportError{failure.code, std::move(failure.detail)});
            return;
        }
        long status = 0;
        curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
        char* effective = nullptr;
        if (curl_easy_getinfo(t.easy, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective != nullptr) {
            t.response.effective_url = effective;
        }
        t.response.status = status;
        t.response.elapsed = elapsed;
        {
            std::lock_guard lock(stats_mutex);
            ++by_status[status];
        }
        // What the upstream said about this key's budget binds every later request with the key.
        if (!t.request.rate_limit_key.empty()) {
            const auto info = ParseRateLimitHeaders(t.response.headers, now());
            if (const auto until = info.BlockedUntil()) {
                limits.BlockUntil(t.request.rate_limit_key, *until);
            }
        }
        Outcome outcome;
        outcome.response = std::move(t.response);
        Deliver(std::move(t.done), std::move(outcome));
    }

    void CancelAll() {
        std::vector<std::unique_ptr<Transfer>> cancelled;
        for (auto& [easy, transfer] : active) {
            curl_multi_remove_handle(multi, easy);
            curl_slist_free_all(transfer->header_list);
            transfer->header_list = nullptr;
            ReturnEasy(easy);
            cancelled.push_back(std::move(transfer));
        }
        active.clear();
        for (auto& [id, transfer] : waiting) {
            transfer->wait_timer->cancel();
            cancelled.push_back(std::move(transfer));
        }
        waiting.clear();
        for (auto& transfer : queued)
            cancelled.push_back(std::move(transfer));
        queued.clear();
        for (auto& transfer : cancelled) {
            const std::string host = transfer->host;
            Fail(std::move(transfer), MakeError(ConnectorErrc::kRetryLater, "request to " + host + " cancelled"));
        }
    }

    // ---- curl callbacks (never call libcurl from here) -------------------------------------------

    static std::size_t WriteCallback(char* data, std::size_t size, std::size_t count, void* user) {
        auto* t = static_cast<Transfer*>(user);
        const std::size_t bytes = size * count;
        const std::size_t cap = t->max_bytes;
        if (t->response.body.size() + bytes > cap) {
            t->too_large = true;
            return 0;  // CURLE_WRITE_ERROR; classified as kMalformed through too_large
        }
        t->response.body.append(data, bytes);
        return bytes;
    }

    static std::size_t HeaderCallback(char* data, std::size_t size, std::size_t count, void* user) {
        auto* t = static_cast<Transfer*>(user);
        const std::size_t bytes = size * count;
        const std::string_view line(data, bytes);
        if (line.starts_with("HTTP/")) {
            // A new response (after a redirect or a 100 Continue): only the final one's headers count.
            t->response.headers.clear();
            return bytes;
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0 || line.front() == ' ' || line.front() == '\t') {
            return bytes;  // blank line, folded continuation or garbage: ignored
        }
        t->response.headers.emplace_back(Lower(Trim(line.substr(0, colon))), std::string(Trim(line.substr(colon + 1))));
        return bytes;
    }

    static int PrereqCallback(void* user, char* conn_primary_ip, char* /*conn_local_ip*/, int /*primary_port*/,
                              int /*local_port*/) {
        auto* t = static_cast<Transfer*>(user);
        const char* scheme = nullptr;
        // CURLINFO_SCHEME is safe to read here: it describes the request about to be sent.
        if (curl_easy_getinfo(t->easy, CURLINFO_SCHEME, &scheme) == CURLE_OK && scheme != nullptr &&
            Lower(scheme) == "http" && !IsLoopbackIp(conn_primary_ip == nullptr ? "" : conn_primary_ip)) {
            return CURL_PREREQFUNC_ABORT;
        }
        return CURL_PREREQFUNC_OK;
    }

    static int CloseSocketCallback(void* user, curl_socket_t fd) {
        auto* self = static_cast<Impl*>(user);
        if (auto it = self->sockets.find(fd); it != self->sockets.end()) {
            self->Forget(*it->second);
            self->sockets.erase(it);
        }
        return ::close(fd);
    }

    static int SocketCallback(CURL* /*easy*/, curl_socket_t fd, int what, void* user, void* /*socket_data*/) {
        auto* self = static_cast<Impl*>(user);
        if (what == CURL_POLL_REMOVE) {
            if (auto it = self->sockets.find(fd); it != self->sockets.end()) {
                self->Forget(*it->second);
                self->sockets.erase(it);
            }
            return 0;
        }
        auto it = self->sockets.find(fd);
        if (it == self->sockets.end()) {
            auto socket = std::make_shared<Socket>(self->loop, fd);
            boost::system::error_code ec;
            socket->descriptor.assign(fd, ec);
            if (ec) {
                // Never throw through libcurl. Without a watch the transfer ends by its own timeout.
                return 0;
            }
            it = self->sockets.emplace(fd, std::move(socket)).first;
        }
        auto& socket = it->second;
        const int previous = socket->wanted;
        socket->wanted = what;
        self->Arm(socket);
        // An edge that arrived while we watched only for writing is gone (asio's epoll is edge-triggered):
        // let curl look at the socket once when it starts wanting to read.
        if ((what & CURL_POLL_IN) != 0 && previous == CURL_POLL_OUT) {
            self->PostSocketAction(fd, CURL_CSELECT_IN);
        }
        return 0;
    }

    static int TimerCallback(CURLM* /*multi*/, long timeout_ms, void* user) {
        auto* self = static_cast<Impl*>(user);
        self->timer.cancel();
        if (timeout_ms < 0)
            return 0;  // -1: delete the timer
        self->timer.expires_after(std::chrono::milliseconds(timeout_ms));
        self->timer.async_wait([self, token = std::weak_ptr<bool>(self->alive)](const boost::system::error_code& ec) {
            if (token.expired() || ec)
                return;
            self->Action(CURL_SOCKET_TIMEOUT, 0);
        });
        return 0;
    }

    // ---- socket readiness --------------------------------------------------------------------------

    void Forget(Socket& socket) {
        socket.wanted = 0;
        // release() cancels pending waits (their handlers see operation_aborted) and hands the fd back
        // without closing it: the fd belongs to curl.
        if (socket.descriptor.is_open()) {
            socket.descriptor.release();
        }
    }

    void Arm(const std::shared_ptr<Socket>& socket) {
        if ((socket->wanted & CURL_POLL_IN) != 0 && !socket->read_armed) {
            socket->read_armed = true;
            socket->descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                                          [this, weak = std::weak_ptr<Socket>(socket),
                                           token = std::weak_ptr<bool>(alive)](const boost::system::error_code& ec) {
                                              if (token.expired())
                                                  return;
                                              OnReady(weak, CURL_CSELECT_IN, ec);
                                          });
        }
        if ((socket->wanted & CURL_POLL_OUT) != 0 && !socket->write_armed) {
            socket->write_armed = true;
            socket->descriptor.async_wait(asio::posix::stream_descriptor::wait_write,
                                          [this, weak = std::weak_ptr<Socket>(socket),
                                           token = std::weak_ptr<bool>(alive)](const boost::system::error_code& ec) {
                                              if (token.expired())
                                                  return;
                                              OnReady(weak, CURL_CSELECT_OUT, ec);
                                          });
        }
    }

    void OnReady(const std::weak_ptr<Socket>& weak, int direction, const boost::system::error_code& ec) {
        auto socket = weak.lock();
        if (!socket)
            return;  // curl forgot the socket meanwhile
        (direction == CURL_CSELECT_IN ? socket->read_armed : socket->write_armed) = false;
        if (ec == asio::error::operation_aborted)
            return;
        Action(socket->fd, ec ? CURL_CSELECT_ERR : direction);
        // Re-arm only while this very state is still curl's socket and still wants the direction.
        auto it = sockets.find(socket->fd);
        if (it != sockets.end() && it->second == socket) {
            Arm(socket);
        }
    }

    void PostSocketAction(curl_socket_t fd, int action) {
        asio::post(loop, [this, fd, action, token = std::weak_ptr<bool>(alive)] {
            if (token.expired())
                return;
            if (sockets.count(fd) == 0)
                return;
            Action(fd, action);
        });
    }

    void Action(curl_socket_t fd, int action) {
        int running = 0;
        curl_multi_socket_action(multi, fd, action, &running);
        DrainCompletions();
    }

    asio::io_context& loop;
    ClientOptions options;
    std::function<Clock::time_point()> now;
    RateLimiter& limits;
    CURLM* multi = nullptr;
    asio::steady_timer timer;
    std::shared_ptr<bool> alive = std::make_shared<bool>(true);

    std::uint64_t next_id = 0;
    std::unordered_map<CURL*, std::unique_ptr<Transfer>> active;
    std::deque<std::unique_ptr<Transfer>> queued;
    std::map<std::uint64_t, std::unique_ptr<Transfer>> waiting;
    std::vector<CURL*> idle_easy;
    std::unordered_map<curl_socket_t, std::shared_ptr<Socket>> sockets;

    mutable std::mutex stats_mutex;
    ClientStats stats;
    std::map<long, std::uint64_t> by_status;
};

Client::Client(boost::asio::io_context& loop, ClientOptions options, std::function<Clock::time_point()> now)
    : impl_(std::make_unique<Impl>(loop, std::move(options), std::move(now), limits_)) {}

Client::~Client() {
    impl_.reset();
}

void Client::Submit(Request request, Completion done) {
    impl_->Submit(std::move(request), std::move(done));
}

void Client::CancelAll() {
    impl_->CancelAll();
}

std::size_t Client::InFlight() const {
    return impl_->active.size() + impl_->queued.size() + impl_->waiting.size();
}

ClientStats Client::Stats() const {
    std::lock_guard lock(impl_->stats_mutex);
    ClientStats out = impl_->stats;
    out.responses_by_status.assign(impl_->by_status.begin(), impl_->by_status.end());
    return out;
}

std::optional<Classification> ClassifyResponse(const Response& response, std::chrono::system_clock::time_point now) {
    const long status = response.status;
    if (status >= 200 && status < 300)
        return std::nullopt;
    std::string host = "upstream";
    if (const auto parsed = ParseUrl(response.effective_url))
        host = parsed->host;
    const std::string what = "HTTP " + std::to_string(status) + " from " + host;
    const auto info = ParseRateLimitHeaders(response.headers, now);

    Classification result;
    if (status == 429 || (status == 503 && info.retry_after)) {
        result.code = ConnectorErrc::kRateLimited;
        // Retry-After wins; else the window's reset; else a minute (a 429 always means "not now").
        result.retry_at = info.retry_after ? info.retry_after : info.reset_at;
        if (!result.retry_at)
            result.retry_at = now + std::chrono::seconds(60);
        result.detail = what + " (rate limited)";
        return result;
    }
    if (status == 401 || status == 403) {
        result.code = ConnectorErrc::kAuthBroken;
        result.detail = what + " (credentials rejected)";
        return result;
    }
    if (status == 408 || status >= 500) {
        result.code = ConnectorErrc::kRetryLater;
        result.detail = what;
        return result;
    }
    result.code = ConnectorErrc::kPermanent;
    result.detail = what;
    return result;
}

}  // namespace carelisten::connectors::http
