// flow_bench: pushes N items through the whole flow (jsonl_drop parse -> analyzer -> one crm
// transaction per batch with the cursor) into a private PostgreSQL cluster, then loads the same rows
// with PostgreSQL's own COPY as the reference, and prints both rates and their ratio.
//
//   flow_bench --items 20000 [--batch 500]
#include <CLI/CLI.hpp>
#include <chrono>
#include <common/log.hpp>
#include <connectors/jsonl_drop/jsonl_drop_connector.hpp>
#include <crm/migrator.hpp>
#include <crm/store.hpp>
#include <daemon/embedded_postgres.hpp>
#include <daemon/ingest.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <support/temp_dir.hpp>

namespace {

using namespace carelisten;
using Clock = std::chrono::steady_clock;

const char* const kTexts[] = {
    "The nurses on the ward were wonderful and explained everything.",
    "Waited four hours in A&E with no updates, terrible experience.",
    "Doctor was rude and dismissive when I asked about my medication",
    "Parking was impossible but the staff were kind and caring.",
    "Food was cold again, third time this week. Not good enough.",
    "Thank you for the excellent care after my operation!",
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"flow_bench: items per second through the whole flow into PostgreSQL, against COPY"};
    std::size_t items = 20000;
    std::size_t batch_size = 500;
    cli.add_option("--items", items, "items to push")->capture_default_str();
    cli.add_option("--batch", batch_size, "items per transaction")->capture_default_str();
    CLI11_PARSE(cli, argc, argv);
    log::SetMinLevel(log::Level::kWarning);

    testing::TempDir dir;
    daemon::EmbeddedPostgres postgres(
        {.state_dir = (dir.Path() / "state").string(), .run_as = "postgres", .bin_dir = ""});
    postgres.Start();
    if (auto migrated = crm::ApplyMigrations(postgres.Conninfo(), ""); !migrated) {
        std::cerr << "migrations failed: " << migrated.error().message() << "\n";
        return 1;
    }

    // The input: one drop file of N lines.
    const auto drop = dir.Path() / "drop";
    std::filesystem::create_directories(drop);
    {
        std::ofstream out(drop / "bench.jsonl");
        for (std::size_t i = 0; i < items; ++i) {
            out << R"({"external_id":"b-)" << i << R"(","author":"p)" << i % 1000 << R"(","text":")"
                << kTexts[i % std::size(kTexts)] << R"(","posted_at":"2026-11-02T08:15:00Z"})"
                << "\n";
        }
    }
    Settings settings = DefaultSettings(connectors::jsonl_drop::Factory().settings);
    settings.Set("directory", drop.string());
    connectors::jsonl_drop::JsonlDropConnector connector("bench", settings);

    auto analyzer = nlp::Analyzer::Create();
    auto store = crm::Store::Open(postgres.Conninfo());
    if (!analyzer || !store) {
        std::cerr << "setup failed\n";
        return 1;
    }
    daemon::BatchProcessor processor(analyzer.value());

    const auto flow_start = Clock::now();
    std::optional<std::string> cursor;
    std::size_t stored = 0;
    while (true) {
        auto batch = connector.Fetch(cursor, batch_size);
        if (!batch || batch.value().items.empty()) {
            break;
        }
        const auto next = batch.value().next_cursor;
        auto outcome = processor.Store(*store.value(), "bench", batch.value(), daemon::FlagPolicy{});
        if (!outcome) {
            std::cerr << "store failed: " << outcome.error().message() << "\n";
            return 1;
        }
        stored += outcome.value().inserted;
        cursor = next;
    }
    const double flow_seconds = std::chrono::duration<double>(Clock::now() - flow_start).count();

    // Reference: COPY of the same rows (text, author, external id) into a plain table.
    pqxx::connection connection(postgres.Conninfo());
    {
        pqxx::work setup(connection);
        setup.exec0("CREATE TABLE copy_reference (source text, external_id text, author text, text text)");
        setup.commit();
    }
    const auto copy_start = Clock::now();
    {
        pqxx::work work(connection);
        pqxx::stream_to stream(work, "copy_reference",
                               std::vector<std::string>{"source", "external_id", "author", "text"});
        for (std::size_t i = 0; i < items; ++i) {
            stream << std::make_tuple(std::string("bench"), "b-" + std::to_string(i), "p" + std::to_string(i % 1000),
                                      std::string(kTexts[i % std::size(kTexts)]));
        }
        stream.complete();
        work.commit();
    }
    const double copy_seconds = std::chrono::duration<double>(Clock::now() - copy_start).count();

    const double flow_rate = static_cast<double>(stored) / flow_seconds;
    const double copy_rate = static_cast<double>(items) / copy_seconds;
    std::cout << "items: " << items << " (stored " << stored << "), batch " << batch_size << "\n"
              << "flow (parse + analyze + store with cursor): " << static_cast<long>(flow_rate) << " items/s\n"
              << "reference COPY of the same rows:             " << static_cast<long>(copy_rate) << " rows/s\n"
              << "ratio flow/COPY: " << flow_rate / copy_rate << "\n";
    postgres.Stop();
    return stored == items ? 0 : 1;
}
