// console_bench: the staff console under concurrent sessions, measured from a second process on loopback. This
// process starts a private PostgreSQL cluster and the real carelistend with a jsonl_drop source, drops --cases
// negative posts (one author each, so each opens its own case) and waits until they are cases, adds --sessions
// patient-relations users with `carelisten users add` and logs each in once through POST /console/login (the
// form's CSRF cookie and field, as a browser does), and creates one API token with `carelisten tokens create`.
// Then two phases, each with --sessions client threads at once, each thread with its own session and each request
// on a new connection (the server closes after every answer):
//   1. GET /console/queue (the HTML queue: facets over every open case, the first page of 50 rows);
//   2. GET /api/v1/cases with the bearer token (the same query as JSON).
// A phase runs for --seconds, or until every thread made --requests requests when that is given. A request's
// latency runs from connecting to the last byte of the answer. Prints p50, p90, p99 and max latency and the rate
// for each phase, the machine's core count and the console's worker threads.
//
//   console_bench --cases 2000 --sessions 50 --seconds 20
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <chrono>
#include <common/log.hpp>
#include <csignal>
#include <cstdio>
#include <daemon/embedded_postgres.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <pqxx/pqxx>
#include <regex>
#include <sstream>
#include <support/temp_dir.hpp>
#include <thread>
#include <vector>

namespace {

using namespace carelisten;
using Clock = std::chrono::steady_clock;

constexpr const char* kPassword = "bench password 0123456789";

std::string ReadTrimmed(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::string text;
    std::getline(in, text);
    return text;
}

struct Answer {
    int status = 0;
    std::string head;  ///< status line and headers
    std::string body;
};

/// One request on a new connection; the whole answer (the server closes the connection after it).
Answer Exchange(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& request) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect(endpoint, ec);
    if (ec) {
        return {};
    }
    boost::asio::write(socket, boost::asio::buffer(request), ec);
    std::string answer;
    boost::asio::read(socket, boost::asio::dynamic_buffer(answer), ec);
    Answer out;
    const auto end = answer.find("\r\n\r\n");
    if (answer.size() < 12 || end == std::string::npos) {
        return out;
    }
    out.status = std::atoi(answer.substr(9, 3).c_str());
    out.head = answer.substr(0, end);
    out.body = answer.substr(end + 4);
    return out;
}

std::string Get(const std::string& address, const std::string& target, const std::string& extra_headers) {
    return "GET " + target + " HTTP/1.1\r\nHost: " + address + "\r\n" + extra_headers + "Connection: close\r\n\r\n";
}

/// The value of cookie `name` set by the answer's Set-Cookie headers, or "".
std::string SetCookie(const std::string& head, const std::string& name) {
    std::smatch match;
    const std::regex pattern("\r\nSet-Cookie: " + name + "=([^;\r\n]*)", std::regex::icase);
    return std::regex_search(head, match, pattern) ? match.str(1) : "";
}

std::string FormEncode(const std::string& text) {
    std::string out;
    for (const unsigned char c : text) {
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else if (c == ' ') {
            out += '+';
        } else {
            char hex[4];
            std::snprintf(hex, sizeof hex, "%%%02X", c);
            out += hex;
        }
    }
    return out;
}

/// Logs in as a browser does: the login page's CSRF cookie and field, then the form. The session cookie, or "".
std::string LogIn(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& address,
                  const std::string& username) {
    const Answer page = Exchange(endpoint, Get(address, "/console/login", ""));
    const std::string login_cookie = SetCookie(page.head, "carelisten_login");
    std::smatch csrf;
    if (login_cookie.empty() || !std::regex_search(page.body, csrf, std::regex("name=\"csrf\" value=\"([^\"]+)\""))) {
        return "";
    }
    const std::string body =
        "csrf=" + FormEncode(csrf.str(1)) + "&username=" + FormEncode(username) + "&password=" + FormEncode(kPassword);
    const Answer answer =
        Exchange(endpoint, "POST /console/login HTTP/1.1\r\nHost: " + address + "\r\nOrigin: http://" + address +
                               "\r\nCookie: carelisten_login=" + login_cookie +
                               "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    return answer.status == 303 ? SetCookie(answer.head, "carelisten_session") : "";
}

struct RunCommandResult {
    int status = -1;
    std::string out;
};

/// Runs `argv` with `input` on stdin; its stdout, and its exit status.
RunCommandResult RunTool(const std::vector<std::string>& argv, const std::string& input,
                         const std::filesystem::path& scratch) {
    const auto in_path = scratch / "stdin";
    const auto out_path = scratch / "stdout";
    {
        std::ofstream in(in_path, std::ios::trunc);
        in << input;
    }
    std::fflush(nullptr);  // or the child's exit flushes this process's buffered output a second time
    const pid_t pid = ::fork();
    if (pid == 0) {
        std::freopen(in_path.c_str(), "r", stdin);
        std::freopen(out_path.c_str(), "w", stdout);
        std::vector<char*> args;
        for (const auto& arg : argv) {
            args.push_back(const_cast<char*>(arg.c_str()));
        }
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        std::_Exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    std::ifstream out(out_path);
    std::stringstream text;
    text << out.rdbuf();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, text.str()};
}

double Percentile(const std::vector<double>& sorted, double p) {
    return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size())))];
}

struct PhaseResult {
    std::vector<double> latencies_ms;
    std::size_t failures = 0;
    double seconds = 0;
    std::size_t bytes = 0;
};

/// `clients` threads, each sending `request_of(client)` on new connections until `deadline` or `per_client`
/// requests.
PhaseResult RunPhase(const boost::asio::ip::tcp::endpoint& endpoint, std::size_t clients, double seconds,
                     std::size_t per_client, const std::function<std::string(std::size_t)>& request_of) {
    PhaseResult result;
    std::mutex mutex;
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::vector<std::thread> threads;
    for (std::size_t c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            const std::string request = request_of(c);
            std::vector<double> mine;
            std::size_t failed = 0;
            std::size_t bytes = 0;
            while (per_client > 0 ? mine.size() < per_client : Clock::now() < deadline) {
                const auto sent = Clock::now();
                const Answer answer = Exchange(endpoint, request);
                mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
                failed += answer.status == 200 ? 0 : 1;
                bytes += answer.body.size();
            }
            const std::lock_guard lock(mutex);
            result.latencies_ms.insert(result.latencies_ms.end(), mine.begin(), mine.end());
            result.failures += failed;
            result.bytes += bytes;
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::sort(result.latencies_ms.begin(), result.latencies_ms.end());
    return result;
}

void Print(const std::string& name, const PhaseResult& r) {
    const auto n = r.latencies_ms.size();
    std::printf("%s: %zu requests in %.1f s, %zu failed, %.0f KB per answer\n", name.c_str(), n, r.seconds, r.failures,
                n ? static_cast<double>(r.bytes) / static_cast<double>(n) / 1024.0 : 0.0);
    if (n > 0) {
        std::printf("  latency (connect to last byte): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
                    Percentile(r.latencies_ms, 0.50), Percentile(r.latencies_ms, 0.90),
                    Percentile(r.latencies_ms, 0.99), r.latencies_ms.back());
        std::printf("  rate: %.1f requests/s\n", static_cast<double>(n) / r.seconds);
    }
}

/// A negative post of patient `n`. Four independently chosen parts (20 x 16 x 14 x 12 combinations), so the texts
/// are far apart for the analyzer's near-duplicate SimHash and each opens its own case.
std::string Post(std::size_t n) {
    static const char* const kPlaces[] = {"the emergency department",
                                          "ward seven",
                                          "the cardiology clinic",
                                          "the maternity unit",
                                          "radiology",
                                          "the pharmacy counter",
                                          "the children's ward",
                                          "outpatients",
                                          "the orthopaedic ward",
                                          "the day surgery unit",
                                          "the dialysis centre",
                                          "the oncology suite",
                                          "the eye clinic",
                                          "physiotherapy",
                                          "the blood test room",
                                          "the stroke unit",
                                          "the dermatology clinic",
                                          "the neurology ward",
                                          "the dental department",
                                          "reception"};
    static const char* const kProblems[] = {"we waited nine hours without a single update",
                                            "the nurse was rude and dismissive when my mother asked for water",
                                            "billing charged us twice for one scan and nobody answers the phone",
                                            "the toilets were filthy and had not been cleaned for days",
                                            "my appointment was cancelled again without any explanation",
                                            "nobody explained the new tablets before discharge",
                                            "the food arrived cold every single evening",
                                            "the car park machine was broken and we got a fine",
                                            "my father fell and lay on the floor for an hour before anyone came",
                                            "the doctor shouted at my wife in front of other patients",
                                            "they lost my test results twice",
                                            "staff ignored the call bell all night",
                                            "the waiting room was overcrowded and freezing",
                                            "my daughter was given the wrong medication",
                                            "the discharge letter had someone else's details on it",
                                            "the receptionist laughed at my question"};
    static const char* const kFeelings[] = {"I am furious",
                                            "this is completely unacceptable",
                                            "we felt humiliated and ignored",
                                            "it was the worst experience of my life",
                                            "I will be making a formal complaint",
                                            "my family is disgusted",
                                            "I have never been treated so badly",
                                            "frankly this is dangerous",
                                            "nobody seems to care at all",
                                            "it left us anxious and upset",
                                            "this hospital should be ashamed",
                                            "I want an apology",
                                            "the whole visit was a disaster",
                                            "I am still angry about it"};
    static const char* const kAsks[] = {"Please call me back.",
                                        "Someone needs to investigate.",
                                        "Fix this before someone gets hurt.",
                                        "I expect a written reply.",
                                        "Do better.",
                                        "Who is responsible for this?",
                                        "Never again.",
                                        "How is this allowed?",
                                        "I want to speak to a manager.",
                                        "Please look into it urgently.",
                                        "This must not happen to anyone else.",
                                        "I am considering legal action."};
    const std::size_t a = n % 20;
    const std::size_t b = (n / 20 + n * 7) % 16;
    const std::size_t c = (n / 7 + n * 3) % 14;
    const std::size_t d = (n / 11 + n * 5) % 12;
    char text[512];
    std::snprintf(text, sizeof text, "At %s %s, and %s. %s", kPlaces[a], kProblems[b], kFeelings[c], kAsks[d]);
    static const char* const kChannels[] = {"social", "review", "email", "forum", "sms"};
    char line[768];
    std::snprintf(line, sizeof line,
                  R"({"external_id": "bench-%zu", "text": "%s", "channel": "%s", "author": "patient-%zu", )"
                  R"("posted_at": "2026-11-%02zuT%02zu:%02zu:00Z"})",
                  n, text, kChannels[n % 5], n, n % 28 + 1, n % 24, n % 60);
    return line;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"the staff console under concurrent sessions, from a second process"};
    std::size_t cases = 2000;
    std::size_t sessions = 50;
    double seconds = 20;
    std::size_t requests = 0;
    int workers = 4;
    const auto here = std::filesystem::canonical("/proc/self/exe").parent_path();
    std::string daemon_path = (here / "../../daemon/carelistend").string();
    std::string cli_path = (here / "../../daemon/carelisten").string();
    cli.add_option("--cases", cases, "open cases in the database (one negative post each)")->capture_default_str();
    cli.add_option("--sessions", sessions, "users, each logged in once, each a client thread")->capture_default_str();
    cli.add_option("--seconds", seconds, "how long each phase runs")->capture_default_str();
    cli.add_option("--requests", requests, "requests per client per phase instead of --seconds (0: use --seconds)")
        ->capture_default_str();
    cli.add_option("--workers", workers, "[console] workers of the daemon")->capture_default_str();
    cli.add_option("--daemon", daemon_path, "the carelistend binary")->capture_default_str();
    cli.add_option("--cli", cli_path, "the carelisten binary")->capture_default_str();
    CLI11_PARSE(cli, argc, argv);
    log::SetMinLevel(log::Level::kWarning);

    testing::TempDir dir;
    daemon::EmbeddedPostgres postgres({.state_dir = (dir.Path() / "pg").string(), .run_as = "postgres", .bin_dir = ""});
    postgres.Start();
    const auto state = dir.Path() / "state";
    const auto drop = dir.Path() / "drop";
    std::filesystem::create_directories(state);
    std::filesystem::create_directories(drop);
    const auto config = dir.Path() / "carelistend.toml";
    testing::WriteFile(config, "[daemon]\nstate_dir = \"" + state.string() +
                                   "\"\nlog_level = \"warning\"\npoll_interval_ms = 200\n[database]\nurl = \"" +
                                   postgres.Conninfo() + "\"\n[http]\nlisten_port = 0\n[console]\nworkers = " +
                                   std::to_string(workers) + "\nsecure_cookies = false\n" +
                                   "[sources.drop]\ntype = \"jsonl_drop\"\ndirectory = \"" + drop.string() + "\"\n");

    std::fflush(nullptr);
    const pid_t daemon = ::fork();
    if (daemon == 0) {
        const std::string log = (dir.Path() / "daemon.log").string();
        std::freopen(log.c_str(), "a", stderr);
        ::execl(daemon_path.c_str(), daemon_path.c_str(), "--config", config.c_str(), nullptr);
        std::_Exit(127);
    }
    const auto stop = [&](int code) {
        ::kill(daemon, SIGTERM);
        int status = 0;
        ::waitpid(daemon, &status, 0);
        postgres.Stop();
        return code;
    };
    std::string address;
    for (int i = 0; i < 600 && address.empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        address = ReadTrimmed(state / "http.address");
    }
    if (address.empty()) {
        std::cerr << "carelistend did not start (" << daemon_path
                  << "); its log: " << ReadTrimmed(dir.Path() / "daemon.log") << "\n";
        return stop(1);
    }
    const auto colon = address.rfind(':');
    const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address(address.substr(0, colon)),
                                                  static_cast<unsigned short>(std::stoi(address.substr(colon + 1))));

    // The cases: posts in rounds until --cases are open (some texts are not negative enough to open a case).
    const auto seed_start = Clock::now();
    pqxx::connection connection(postgres.Conninfo());
    const auto count = [&](const char* sql) {
        return pqxx::nontransaction(connection).exec1(sql)[0].as<std::size_t>();
    };
    std::size_t posted = 0;
    std::size_t open_cases = 0;
    for (int round = 0; round < 8 && open_cases < cases; ++round) {
        const std::size_t batch = (cases - open_cases) * 5 / 4 + 1;
        std::string posts;
        for (std::size_t n = posted; n < posted + batch; ++n) {
            posts += Post(n) + "\n";
        }
        posted += batch;
        const std::string name = "bench-" + std::to_string(round) + ".jsonl";
        testing::WriteFile(drop / ("." + name + ".part"), posts);
        std::filesystem::rename(drop / ("." + name + ".part"), drop / name);
        for (int i = 0; i < 6000 && count("SELECT count(*) FROM item WHERE source = 'drop'") < posted; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        open_cases = count("SELECT count(*) FROM feedback_case WHERE status = 'open'");
    }
    std::printf("seeded: %zu open cases from %zu posts in %.1f s\n", open_cases, posted,
                std::chrono::duration<double>(Clock::now() - seed_start).count());
    if (open_cases < cases) {
        std::fprintf(stderr, "only %zu open cases, wanted %zu\n", open_cases, cases);
        return stop(1);
    }

    // The users, their sessions, and the API token.
    const auto users_start = Clock::now();
    for (std::size_t u = 0; u < sessions; ++u) {
        const auto added = RunTool({cli_path, "--config", config.string(), "users", "add", "bench" + std::to_string(u),
                                    "--role", "patient_relations", "--password-stdin"},
                                   std::string(kPassword) + "\n", dir.Path());
        if (added.status != 0) {
            std::cerr << "carelisten users add failed (" << added.status << ")\n";
            return stop(1);
        }
    }
    const double users_seconds = std::chrono::duration<double>(Clock::now() - users_start).count();
    std::vector<std::string> cookies(sessions);
    std::vector<double> login_ms;
    for (std::size_t u = 0; u < sessions; ++u) {
        const auto sent = Clock::now();
        cookies[u] = LogIn(endpoint, address, "bench" + std::to_string(u));
        login_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
        if (cookies[u].empty()) {
            std::cerr << "logging in as bench" << u << " failed\n";
            return stop(1);
        }
    }
    std::sort(login_ms.begin(), login_ms.end());
    const auto token_out =
        RunTool({cli_path, "--config", config.string(), "tokens", "create", "bench0", "--name", "console_bench"}, "",
                dir.Path());
    // "token <id> for <user>: <token>" on the first line.
    const std::string first_line = token_out.out.substr(0, token_out.out.find('\n'));
    const auto token_at = first_line.rfind(": ");
    if (token_out.status != 0 || token_at == std::string::npos) {
        std::cerr << "carelisten tokens create failed: " << token_out.out << "\n";
        return stop(1);
    }
    const std::string token = first_line.substr(token_at + 2);
    std::printf(
        "users: %zu added in %.1f s; %zu logins (two requests each, the password is Argon2id): p50 %.0f ms, "
        "max %.0f ms\n",
        sessions, users_seconds, sessions, Percentile(login_ms, 0.5), login_ms.back());

    // Warm-up, not measured: each session once, and the API once.
    for (std::size_t u = 0; u < sessions; ++u) {
        Exchange(endpoint, Get(address, "/console/queue", "Cookie: carelisten_session=" + cookies[u] + "\r\n"));
    }
    Exchange(endpoint, Get(address, "/api/v1/cases", "Authorization: Bearer " + token + "\r\n"));

    std::printf("machine: %u cores; console workers %d; %zu concurrent sessions; %s\n",
                std::thread::hardware_concurrency(), workers, sessions,
                requests > 0 ? (std::to_string(requests) + " requests per session per phase").c_str()
                             : (std::to_string(static_cast<int>(seconds)) + " s per phase").c_str());
    const auto queue = RunPhase(endpoint, sessions, seconds, requests, [&](std::size_t c) {
        return Get(address, "/console/queue", "Cookie: carelisten_session=" + cookies[c] + "\r\n");
    });
    Print("GET /console/queue (HTML, a session per client)", queue);
    const auto api = RunPhase(endpoint, sessions, seconds, requests, [&](std::size_t) {
        return Get(address, "/api/v1/cases", "Authorization: Bearer " + token + "\r\nAccept: application/json\r\n");
    });
    Print("GET /api/v1/cases (JSON, bearer token)", api);
    return stop(
        queue.failures == 0 && api.failures == 0 && !queue.latencies_ms.empty() && !api.latencies_ms.empty() ? 0 : 1);
}
