// imap_bench: messages per second from a real IMAP server into PostgreSQL, the whole e-mail intake of carelistend
// in process: a throwaway Dovecot (tests/support/dovecot.sh) holding N messages delivered as an MDA delivers them,
// the imap connector over imaps (UID SEARCH, UID FETCH with the size cap, MIME with GMime), the analyzer, one crm
// transaction per batch with the mailbox cursor, then \Seen on the server after each commit. Checks that every
// message is stored once and marked seen.
//
//   imap_bench --messages 2000 [--batch 100]   (as root it runs Dovecot as an unprivileged user)
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <common/log.hpp>
#include <connectors/imap/imap_connector.hpp>
#include <crm/store.hpp>
#include <daemon/embedded_postgres.hpp>
#include <daemon/ingest.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <support/temp_dir.hpp>

#include "bench_database.hpp"

namespace {

using namespace carelisten;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const char* const kBodies[] = {
    "The nurses on ward 3 were wonderful and explained everything before the operation.",
    "I waited four hours in outpatients and nobody told us why. The billing desk was rude too.",
    "Please can someone call me about my appointment next week, I cannot find the letter.",
    "My father was discharged without his medication list and the pharmacy had no record of it.",
    "Thank you to the physiotherapy team, I can walk to the shops again.",
};

std::string Trimmed(const fs::path& path) {
    std::ifstream in(path);
    std::string text;
    std::getline(in, text);
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"IMAP to PostgreSQL throughput"};
    std::size_t messages = 2000;
    std::size_t batch_size = 100;
    cli.add_option("--messages", messages, "messages to deliver and read")->capture_default_str();
    cli.add_option("--batch", batch_size, "messages per fetch and transaction")->capture_default_str();
    CLI11_PARSE(cli, argc, argv);
    log::SetMinLevel(log::Level::kWarning);

    testing::TempDir dir;
    const fs::path dovecot = dir.Path() / "dovecot";
    const std::string script = std::string(CARELISTEN_SOURCE_DIR) + "/tests/support/dovecot.sh";
    if (std::system((script + " start " + dovecot.string() + " >/dev/null").c_str()) != 0) {
        std::cerr << "dovecot did not start (apt-get install dovecot-imapd)\n";
        return 1;
    }
    struct stat owner {};
    ::stat((dovecot / "dovecot.conf").c_str(), &owner);
    const fs::path home = dovecot / "home/patientmail";
    const fs::path box = home / "Maildir/.Bench";
    for (const auto& path : {home, home / "Maildir", box, box / "new", box / "cur", box / "tmp"}) {
        fs::create_directories(path);
        (void)!::chown(path.c_str(), owner.st_uid, owner.st_gid);
    }
    for (std::size_t i = 0; i < messages; ++i) {
        const fs::path tmp = box / "tmp" / ("bench." + std::to_string(i));
        {
            std::ofstream out(tmp, std::ios::binary);
            out << "From: Patient " << i % 500 << " <patient" << i % 500 << "@example.org>\r\nTo: feedback@hospital"
                << ".example\r\nSubject: My stay, message " << i << "\r\nMessage-ID: <bench-" << i
                << "@example.org>\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: "
                   "text/plain; charset=utf-8\r\n\r\n"
                << kBodies[i % std::size(kBodies)] << " (" << i << ")\r\n\r\n-- \r\nSent from my phone\r\n";
        }
        (void)!::chown(tmp.c_str(), owner.st_uid, owner.st_gid);
        fs::rename(tmp, box / "new" / ("bench." + std::to_string(i) + ":2,"));
    }

    daemon::EmbeddedPostgres postgres({.state_dir = (dir.Path() / "pg").string(), .run_as = "postgres", .bin_dir = ""});
    if (!bench::StartWithSchema(postgres)) {
        return 1;
    }
    Settings settings = DefaultSettings(connectors::imap::Factory().settings);
    settings.Set("url", "imaps://127.0.0.1:" + Trimmed(dovecot / "imaps_port"));
    settings.Set("username", std::string("patientmail"));
    settings.Set("password_file", (dovecot / "password").string());
    settings.Set("ca_file", (dovecot / "cert.pem").string());
    settings.Set("mailboxes", std::vector<std::string>{"Bench"});
    connectors::imap::ImapConnector connector("bench_mail", settings);
    auto analyzer = nlp::Analyzer::Create();
    auto store = crm::Store::Open(postgres.Conninfo());
    if (!analyzer || !store) {
        std::cerr << "setup failed\n";
        return 1;
    }
    daemon::BatchProcessor processor(analyzer.value());

    const auto start = Clock::now();
    std::optional<std::string> cursor;
    std::size_t stored = 0;
    for (;;) {
        auto batch = connector.Fetch(cursor, batch_size);
        if (!batch) {
            std::cerr << "fetch failed: " << batch.error().message() << "\n";
            return 1;
        }
        if (batch.value().items.empty() && batch.value().bad_records.empty()) {
            break;
        }
        const auto next = batch.value().next_cursor;
        const connectors::Batch for_ack = batch.value();
        auto outcome = processor.Store(*store.value(), "bench_mail", batch.value(), daemon::FlagPolicy{});
        if (!outcome) {
            std::cerr << "store failed: " << outcome.error().message() << "\n";
            return 1;
        }
        stored += outcome.value().inserted;
        if (auto acked = connector.Acknowledge(for_ack); !acked) {
            std::cerr << "acknowledge failed: " << acked.error().message() << "\n";
            return 1;
        }
        cursor = next ? next : cursor;
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::cout << "messages: " << messages << " (stored " << stored << "), batch " << batch_size << "\n"
              << "imap -> mime -> analyzer -> PostgreSQL -> \\Seen: "
              << static_cast<long>(static_cast<double>(stored) / seconds) << " messages/s (" << seconds << " s)\n";
    postgres.Stop();
    (void)std::system((script + " stop " + dovecot.string() + " >/dev/null").c_str());
    return stored == messages ? 0 : 1;
}
