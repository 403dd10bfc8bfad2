// carelisten-fake-upstreams: the fake APIs of the demo and the end-to-end tests, served from files.
//
//   carelisten-fake-upstreams --dir DIR --address-file FILE [--fail-prefix PREFIX ...]
//
// DIR/routes.tsv holds `METHOD<TAB>PATH_PREFIX<TAB>STATUS<TAB>FILE` lines (FILE relative to DIR, `-` for an
// empty body; blank lines and lines starting with '#' are skipped). Files are read on every request, so a
// test may change what a route answers while the server runs. Bodies are application/json unless the file
// ends in .xml (application/xml). Every --fail-prefix answers 503 for paths under it. Once bound on
// 127.0.0.1:0 the server writes "http://127.0.0.1:PORT" to FILE (atomically) and runs until SIGINT/SIGTERM.
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <support/fake_upstream.hpp>
#include <vector>

namespace {

using carelisten::testing::FakeResponse;
using carelisten::testing::FakeUpstream;
using carelisten::testing::RecordedRequest;

struct RouteLine {
    std::string method;
    std::string prefix;
    int status = 200;
    std::string file;
};

std::vector<std::string> SplitTabs(const std::string& line) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    while (true) {
        const auto tab = line.find('\t', start);
        fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
        if (tab == std::string::npos)
            break;
        start = tab + 1;
    }
    return fields;
}

std::vector<RouteLine> ReadRoutes(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in)
        throw std::runtime_error("cannot read " + file.string());
    std::vector<RouteLine> routes;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.empty() || line.front() == '#')
            continue;
        const auto fields = SplitTabs(line);
        if (fields.size() != 4 || fields[0].empty() || fields[1].empty() || fields[3].empty()) {
            throw std::runtime_error(file.string() + ":" + std::to_string(number) +
                                     ": expected METHOD<TAB>PATH_PREFIX<TAB>STATUS<TAB>FILE");
        }
        RouteLine route{fields[0], fields[1], 0, fields[3]};
        try {
            route.status = std::stoi(fields[2]);
        } catch (const std::exception&) {
            route.status = 0;
        }
        if (route.status < 100 || route.status > 599) {
            throw std::runtime_error(file.string() + ":" + std::to_string(number) + ": bad status " + fields[2]);
        }
        routes.push_back(std::move(route));
    }
    return routes;
}

bool UnderAny(const std::string& path, const std::vector<std::string>& prefixes) {
    for (const auto& prefix : prefixes) {
        if (path.starts_with(prefix))
            return true;
    }
    return false;
}

FakeResponse Unavailable() {
    FakeResponse response = FakeResponse::Json(R"json({"error":"service unavailable (fake --fail-prefix)"})json", 503);
    return response;
}

void WriteAtomically(const std::filesystem::path& target, const std::string& content) {
    const std::filesystem::path temporary = target.string() + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << content << '\n';
        if (!out)
            throw std::runtime_error("cannot write " + temporary.string());
    }
    std::filesystem::rename(temporary, target);
}

int Usage() {
    std::cerr << "usage: carelisten-fake-upstreams --dir DIR --address-file FILE [--fail-prefix PREFIX ...]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::filesystem::path dir;
    std::filesystem::path address_file;
    std::vector<std::string> fail_prefixes;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc)
            return Usage();
        if (arg == "--dir") {
            dir = argv[++i];
        } else if (arg == "--address-file") {
            address_file = argv[++i];
        } else if (arg == "--fail-prefix") {
            fail_prefixes.emplace_back(argv[++i]);
        } else {
            return Usage();
        }
    }
    if (dir.empty() || address_file.empty())
        return Usage();

    try {
        const auto routes = ReadRoutes(dir / "routes.tsv");

        // Block the stop signals before the server thread starts, so that only sigwait below sees them.
        sigset_t stop_signals;
        sigemptyset(&stop_signals);
        sigaddset(&stop_signals, SIGINT);
        sigaddset(&stop_signals, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

        FakeUpstream server;
        for (const auto& route : routes) {
            server.Route(route.method, route.prefix, [route, dir, fail_prefixes](const RecordedRequest& request) {
                if (UnderAny(request.path, fail_prefixes))
                    return Unavailable();
                FakeResponse response;
                response.status = route.status;
                if (route.file != "-") {
                    std::ifstream in(dir / route.file, std::ios::binary);
                    if (!in)
                        return FakeResponse::Json(R"({"error":"fake route file missing"})", 500);
                    std::ostringstream body;
                    body << in.rdbuf();
                    response.body = body.str();
                    if (route.file.ends_with(".xml"))
                        response.content_type = "application/xml; charset=utf-8";
                }
                return response;
            });
        }
        for (const auto& prefix : fail_prefixes) {
            for (const char* method : {"GET", "POST", "PUT", "DELETE"}) {
                server.Route(method, prefix, [](const RecordedRequest&) { return Unavailable(); });
            }
        }
        WriteAtomically(address_file, server.BaseUrl());
        std::cout << "carelisten-fake-upstreams: serving " << routes.size() << " routes on " << server.BaseUrl()
                  << std::endl;

        int received = 0;
        sigwait(&stop_signals, &received);
        return 0;
    } catch (const std::exception& error) {
        std::cerr << "carelisten-fake-upstreams: " << error.what() << '\n';
        return 1;
    }
}
