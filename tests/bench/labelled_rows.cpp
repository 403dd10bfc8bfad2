// labelled_rows: writes the sentiment-labelled rows of a ../shared/data file that `carelisten eval` scores, as
// JSON Lines {"text", "question", "sentiment"}, so that a reference implementation (VADER, tests/bench/vader_eval.js)
// is measured on exactly the same rows: the same parser, label mapping and held-out rule (daemon/eval_command).
//
//   labelled_rows --data ../shared/data/nhs_fft_v6_dev.jsonl --split heldout > rows.jsonl
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <CLI/CLI.hpp>
#include <daemon/eval_command.hpp>
#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
    CLI::App cli{"labelled_rows: the rows carelisten eval scores for sentiment, as JSON Lines"};
    std::string data;
    std::string split = "heldout";
    cli.add_option("--data", data, "labelled JSON Lines (../shared/data)")->required()->check(CLI::ExistingFile);
    cli.add_option("--split", split, "heldout (the rows the models never saw) or all")
        ->check(CLI::IsMember({"heldout", "all"}))
        ->capture_default_str();
    CLI11_PARSE(cli, argc, argv);

    std::ifstream in(data);
    std::size_t skipped = 0;
    const auto rows = carelisten::daemon::ParseLabelledRows(in, &skipped);
    std::size_t written = 0;
    for (const auto& row : rows) {
        if (!row.sentiment || (split == "heldout" && !carelisten::daemon::IsHeldOut(row))) {
            continue;
        }
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
        writer.StartObject();
        writer.Key("text");
        writer.String(row.text.data(), static_cast<rapidjson::SizeType>(row.text.size()));
        writer.Key("question");
        writer.String(row.question.data(), static_cast<rapidjson::SizeType>(row.question.size()));
        writer.Key("sentiment");
        const auto label = carelisten::nlp::ToString(*row.sentiment);
        writer.String(label.data(), static_cast<rapidjson::SizeType>(label.size()));
        writer.EndObject();
        std::cout << buffer.GetString() << '\n';
        ++written;
    }
    std::cerr << "labelled_rows: " << written << " rows (" << skipped << " unreadable lines skipped)\n";
    return written == 0 ? 1 : 0;
}
