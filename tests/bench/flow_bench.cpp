// flow_bench: pushes N items through the whole flow (jsonl_drop parse -> analyzer -> one crm
// transaction per batch with the cursor) into a private PostgreSQL cluster, then loads the very rows
// the flow stored with PostgreSQL's own COPY, and prints the rates and their ratios.
//
//   flow_bench --items 20000 [--batch 500] [--texts comments|varied|identical] [--data ../shared/data]
//
// Texts: `comments` (default) are the patient comments of the labelled NHS sets in ../shared/data (real
// feedback: about a third negative, a few urgent), joined pairwise once they run out so that no text repeats;
// `varied` are 14 words drawn from a care vocabulary (many flagged: a case per author); `identical` cycles six
// texts, so every item after the first six is a near-duplicate (the repost-storm worst case).
//
// Two references, both COPY FROM STDIN over the same connection kind the daemon uses:
//  - the same rows (every column of `item` as stored) into a table like `item` with all its indexes and
//    constraints (`LIKE item INCLUDING ALL`, no foreign keys, no row-level security): what PostgreSQL
//    itself needs to store these rows durably, the reference;
//  - the four input columns (source, external id, author, text) into an unindexed table: the floor.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <common/log.hpp>
#include <connectors/jsonl_drop/jsonl_drop_connector.hpp>
#include <crm/store.hpp>
#include <daemon/embedded_postgres.hpp>
#include <daemon/ingest.hpp>
#include <daemon/mapping.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <pqxx/pqxx>
#include <pqxx/tablereader>
#include <pqxx/tablewriter>
#include <random>
#include <stdexcept>
#include <support/temp_dir.hpp>
#include <thread>

#include "bench_database.hpp"

namespace {

using namespace carelisten;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

const char* const kIdenticalTexts[] = {
    "The nurses on the ward were wonderful and explained everything.",
    "Waited four hours in A&E with no updates, terrible experience.",
    "Doctor was rude and dismissive when I asked about my medication",
    "Parking was impossible but the staff were kind and caring.",
    "Food was cold again, third time this week. Not good enough.",
    "Thank you for the excellent care after my operation!",
};

// Varied texts differ the way real messages do (same vocabulary as tests/bench/soak_bench.sh): identical texts
// are all near-duplicates of each other, the repost-storm worst case, measured with --texts identical.
const char* const kVocabulary[] = {
    "nurse",    "doctor",        "ward",         "waiting",     "hours",    "rude",       "kind",       "clean",
    "dirty",    "food",          "parking",      "appointment", "bill",     "pain",       "discharge",  "medication",
    "night",    "noise",         "staff",        "reception",   "phone",    "letter",     "surgery",    "scan",
    "results",  "bed",           "toilet",       "visitors",    "children", "mother",     "father",     "husband",
    "wife",     "cancelled",     "delayed",      "lost",        "friendly", "helpful",    "explained",  "ignored",
    "listened", "caring",        "cold",         "warm",        "quick",    "slow",       "respectful", "dismissive",
    "pharmacy", "physiotherapy", "ambulance",    "emergency",   "clinic",   "outpatient", "theatre",    "recovery",
    "dressing", "wound",         "fever",        "thank",       "terrible", "excellent",  "awful",      "great",
    "poor",     "amazing",       "disappointed", "grateful",    "angry",    "worried",
};

std::string VariedText(std::mt19937& random, std::size_t index) {
    std::string text = "Visit " + std::to_string(index) + ":";
    for (int word = 0; word < 14; ++word) {
        text += ' ';
        text += kVocabulary[random() % std::size(kVocabulary)];
    }
    return text;
}

/// The "text" of every line of the NHS comment sets.
std::vector<std::string> PatientComments(const std::filesystem::path& data_dir) {
    std::vector<std::string> comments;
    for (const char* name : {"nhs_fft_phase1_dev.jsonl", "nhs_fft_v6_dev.jsonl"}) {
        std::ifstream in(data_dir / name);
        std::string line;
        while (std::getline(in, line)) {
            rapidjson::Document document;
            document.Parse(line.data(), line.size());
            if (!document.HasParseError() && document.IsObject() && document.HasMember("text") &&
                document["text"].IsString() && document["text"].GetStringLength() > 0) {
                comments.emplace_back(document["text"].GetString(), document["text"].GetStringLength());
            }
        }
    }
    return comments;
}

std::string CommentText(const std::vector<std::string>& comments, std::size_t index) {
    const std::size_t round = index / comments.size();
    if (round == 0) {
        return comments[index];
    }
    return comments[index % comments.size()] + " " + comments[(index * 7919 + round) % comments.size()];
}

// libpqxx 6.4's stream_to writes fixed-size tuples only; the reference replays the COPY text lines of the stored
// rows exactly, which only the older table stream classes expose (raw lines). They are deprecated, not broken.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

/// The rows of `table` as COPY text lines.
std::vector<std::string> RowLines(pqxx::connection& connection, const std::string& table) {
    pqxx::work read(connection);
    std::vector<std::string> lines;
    pqxx::tablereader reader(read, table);
    std::string line;
    while (reader.get_raw_line(line)) {
        lines.push_back(line);
    }
    reader.complete();
    read.commit();
    return lines;
}

/// COPY FROM STDIN of `lines` into `table`, one transaction per `batch_size` lines.
void CopyLines(pqxx::connection& connection, const std::string& table, const std::vector<std::string>& lines,
               std::size_t batch_size) {
    for (std::size_t begin = 0; begin < lines.size(); begin += batch_size) {
        pqxx::work work(connection);
        pqxx::tablewriter writer(work, table);
        for (std::size_t i = begin; i < std::min(lines.size(), begin + batch_size); ++i) {
            writer.write_raw_line(lines[i]);
        }
        writer.complete();
        work.commit();
    }
}
#pragma GCC diagnostic pop

struct Round {
    double flow_rate = 0;      // items/s
    double analysis_rate = 0;  // items/s, one thread
    double analysis_share = 0;
    double copy_rate = 0;   // rows/s into a table like item
    double floor_rate = 0;  // rows/s, 4 columns, no index
    std::size_t stored = 0;
};

/// One round: `lines` (JSON Lines) through the flow as source `source`, then COPY of the rows it stored.
Round RunRound(const std::string& conninfo, const std::filesystem::path& dir, const std::string& source,
               const std::vector<std::string>& lines, std::size_t batch_size, std::size_t analysis_threads,
               const nlp::Analyzer& analyzer, crm::Store& store) {
    Round round;
    const auto drop = dir / source;
    std::filesystem::create_directories(drop);
    {
        std::ofstream out(drop / "bench.jsonl");
        for (const auto& line : lines) {
            out << line << "\n";
        }
    }
    Settings settings = DefaultSettings(connectors::jsonl_drop::Factory().settings);
    settings.Set("directory", drop.string());
    connectors::jsonl_drop::JsonlDropConnector connector(source, settings);
    daemon::BatchProcessor processor(analyzer, nullptr, analysis_threads);

    // Flow and reference alternate batch by batch, so that both see the same machine (on a shared virtual machine
    // PostgreSQL's speed drifts by a factor of two within minutes): each batch goes through the flow (timed), then
    // the rows it stored are read back (not timed) and COPYed into a table like item (timed).
    pqxx::connection connection(conninfo);
    const std::string copy_table = "copy_" + source;
    const std::string floor_table = "floor_" + source;
    {
        pqxx::work setup(connection);
        // Everything of item but identity and foreign keys (LIKE never copies those) and row-level security.
        setup.exec0("CREATE TABLE " + copy_table + " (LIKE item INCLUDING ALL EXCLUDING IDENTITY)");
        setup.exec0("CREATE TABLE " + floor_table + " (source text, external_id text, author text, text text)");
        setup.commit();
    }
    double flow_seconds = 0;
    double copy_seconds = 0;
    std::size_t copied_rows = 0;
    std::int64_t last_id = 0;
    std::optional<std::string> cursor;
    while (true) {
        const auto flow_start = Clock::now();
        auto batch = connector.Fetch(cursor, batch_size);
        if (!batch || batch.value().items.empty()) {
            break;
        }
        const auto next = batch.value().next_cursor;
        auto outcome = processor.Store(store, source, batch.value(), daemon::FlagPolicy{});
        if (!outcome) {
            throw std::runtime_error("store failed: " + outcome.error().message());
        }
        flow_seconds += SecondsSince(flow_start);
        round.stored += outcome.value().inserted;
        cursor = next;

        {
            pqxx::work extract(connection);
            extract.exec0("DROP TABLE IF EXISTS batch_rows");
            extract.exec0("CREATE TABLE batch_rows AS SELECT * FROM item WHERE source = " + extract.quote(source) +
                          " AND id > " + std::to_string(last_id) + " ORDER BY id");
            last_id = extract.exec1("SELECT coalesce(max(id), 0) FROM batch_rows")[0].as<std::int64_t>();
            extract.commit();
        }
        const auto rows = RowLines(connection, "batch_rows");
        const auto copy_start = Clock::now();
        CopyLines(connection, copy_table, rows, rows.size());
        copy_seconds += SecondsSince(copy_start);
        copied_rows += rows.size();
    }
    round.flow_rate = static_cast<double>(round.stored) / flow_seconds;
    round.copy_rate = static_cast<double>(copied_rows) / copy_seconds;

    // The analysis alone, on one thread. Nothing was acknowledged, so the drop file reads again from the start.
    std::vector<connectors::RawItem> again;
    std::optional<std::string> reread;
    while (true) {
        auto batch = connector.Fetch(reread, batch_size);
        if (!batch || batch.value().items.empty()) {
            break;
        }
        reread = batch.value().next_cursor;
        std::move(batch.value().items.begin(), batch.value().items.end(), std::back_inserter(again));
    }
    const auto analysis_start = Clock::now();
    std::size_t urgent = 0;
    for (const auto& item : again) {
        urgent += analyzer.Analyze(daemon::ToAnalysisInput(item)).urgency != nlp::Urgency::kNone ? 1 : 0;
    }
    const double analysis_seconds = SecondsSince(analysis_start);
    round.analysis_rate = static_cast<double>(again.size()) / analysis_seconds;
    round.analysis_share = analysis_seconds / flow_seconds;

    // The floor: the input columns of the same rows, at once.
    {
        pqxx::work setup(connection);
        setup.exec0("CREATE TABLE " + floor_table +
                    "_input AS SELECT source, external_id, author, text FROM item"
                    " WHERE source = " +
                    setup.quote(source) + " ORDER BY id");
        setup.commit();
    }
    const auto floor_rows = RowLines(connection, floor_table + "_input");
    const auto floor_start = Clock::now();
    CopyLines(connection, floor_table, floor_rows, floor_rows.size());  // one transaction
    round.floor_rate = static_cast<double>(floor_rows.size()) / SecondsSince(floor_start);
    pqxx::work check(connection);
    const auto copied = check.exec1("SELECT count(*) FROM " + copy_table)[0].as<std::size_t>();
    if (copied != round.stored || copied_rows != lines.size()) {
        throw std::runtime_error("COPY stored " + std::to_string(copied) + " of " + std::to_string(copied_rows) +
                                 " rows");
    }
    std::cout << "  " << source << ": flow " << static_cast<long>(round.flow_rate) << " items/s (" << urgent
              << " urgent), COPY " << static_cast<long>(round.copy_rate) << " rows/s, ratio "
              << round.flow_rate / round.copy_rate << "\n";
    return round;
}

double Median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"flow_bench: items per second through the whole flow into PostgreSQL, against COPY"};
    std::size_t items = 20000;
    std::size_t batch_size = 500;
    std::size_t rounds = 3;
    std::size_t analysis_threads = daemon::BatchProcessor::DefaultAnalysisThreads();
    std::string texts = "comments";
    std::string data_dir = std::string(CARELISTEN_SOURCE_DIR) + "/../shared/data";
    cli.add_option("--items", items, "items to push per round")->capture_default_str();
    cli.add_option("--batch", batch_size, "items per transaction")->capture_default_str();
    cli.add_option("--rounds", rounds, "rounds (flow, then COPY of its rows); medians are reported")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cli.add_option("--analysis-threads", analysis_threads, "threads analyzing a batch (default: one per core)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cli.add_option("--texts", texts,
                   "comments (the NHS patient comments of --data), varied (drawn from a vocabulary) or identical (6 "
                   "texts: all near-duplicates)")
        ->check(CLI::IsMember({"comments", "varied", "identical"}))
        ->capture_default_str();
    cli.add_option("--data", data_dir, "the labelled data directory (for --texts comments)")->capture_default_str();
    CLI11_PARSE(cli, argc, argv);
    log::SetMinLevel(log::Level::kWarning);

    testing::TempDir dir;
    daemon::EmbeddedPostgres postgres(
        {.state_dir = (dir.Path() / "state").string(), .run_as = "postgres", .bin_dir = ""});
    if (!bench::StartWithSchema(postgres)) {
        return 1;
    }
    auto analyzer = nlp::Analyzer::Create();
    auto store = crm::Store::Open(postgres.Conninfo());
    if (!analyzer || !store) {
        std::cerr << "setup failed\n";
        return 1;
    }
    const auto comments = texts == "comments" ? PatientComments(data_dir) : std::vector<std::string>{};
    if (texts == "comments" && comments.empty()) {
        std::cerr << "no patient comments in " << data_dir << "\n";
        return 1;
    }

    std::mt19937 random(20261202);
    std::size_t input_bytes = 0;
    std::vector<Round> results;
    for (std::size_t r = 0; r < rounds; ++r) {
        // Each round its own source and items (new texts too once the comments run out), into the same database.
        std::vector<std::string> lines;
        lines.reserve(items);
        for (std::size_t i = 0; i < items; ++i) {
            const std::size_t n = r * items + i;
            const std::string text = texts == "comments" ? CommentText(comments, n)
                                     : texts == "identical"
                                         ? std::string(kIdenticalTexts[n % std::size(kIdenticalTexts)])
                                         : VariedText(random, n);
            input_bytes += text.size();
            rapidjson::StringBuffer line;
            rapidjson::Writer<rapidjson::StringBuffer> writer(line);
            writer.StartObject();
            writer.Key("external_id");
            writer.String(("b-" + std::to_string(i)).c_str());
            writer.Key("author");
            writer.String(("p" + std::to_string(i % 1000)).c_str());
            writer.Key("text");
            writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
            writer.Key("posted_at");
            writer.String("2026-11-02T08:15:00Z");
            writer.EndObject();
            lines.emplace_back(line.GetString());
        }
        results.push_back(RunRound(postgres.Conninfo(), dir.Path(), "bench" + std::to_string(r + 1), lines, batch_size,
                                   analysis_threads, analyzer.value(), *store.value()));
    }
    const auto median = [&](double Round::*field) {
        std::vector<double> values;
        for (const auto& round : results) {
            values.push_back(round.*field);
        }
        return Median(values);
    };
    std::vector<double> ratios;
    std::vector<double> floor_ratios;
    for (const auto& round : results) {
        ratios.push_back(round.flow_rate / round.copy_rate);
        floor_ratios.push_back(round.flow_rate / round.floor_rate);
    }
    std::cout << "machine: " << std::thread::hardware_concurrency() << " cores; " << rounds << " rounds of " << items
              << " items, " << texts << " texts (" << input_bytes / (items * rounds) << " bytes on average), batch "
              << batch_size << ", " << analysis_threads << " analysis thread(s); medians:\n"
              << "flow (parse + analyze + store with cursor, one transaction per batch): "
              << static_cast<long>(median(&Round::flow_rate)) << " items/s\n"
              << "  the analysis alone (one thread): " << static_cast<long>(median(&Round::analysis_rate))
              << " items/s, as long as " << static_cast<int>(100 * median(&Round::analysis_share))
              << "% of the flow's time\n"
              << "reference: COPY of the same rows into a table like item (its columns and indexes), one transaction "
                 "per batch: "
              << static_cast<long>(median(&Round::copy_rate)) << " rows/s\n"
              << "floor: COPY of the 4 input columns into an unindexed table, one transaction: "
              << static_cast<long>(median(&Round::floor_rate)) << " rows/s\n"
              << "ratio flow/COPY (same rows, same indexes): " << Median(ratios) << "\n"
              << "ratio flow/COPY (floor): " << Median(floor_ratios) << "\n";
    postgres.Stop();
    return 0;
}
