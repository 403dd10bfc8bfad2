// The CSV export. De-identified: no author, no URL, no record or visit number, and the personal-data spans the
// analyzer finds in the text replaced by their kind ("[phone]"), so the file can leave patient relations.
#include <console/csv.hpp>

#include "console_context.hpp"

namespace carelisten::console::detail {

std::string ExportCsv(const Context& context, const std::vector<crm::ExportRow>& rows, bool deidentified) {
    std::vector<std::string> header = {
        "case_id",    "case_status", "case_urgency", "case_categories", "outcome",   "opened_at",
        "message_id", "source",      "channel",      "written_at",      "sentiment", "sentiment_score",
        "categories", "urgency",     "red_flags",    "care_unit",       "text"};
    if (!deidentified) {
        header.insert(header.end() - 1, {"author", "url"});
    }
    CsvWriter csv(header);
    const auto join = [](const std::vector<std::string>& values) {
        std::string out;
        for (std::size_t i = 0; i < values.size(); ++i) {
            out += (i ? ";" : "") + values[i];
        }
        return out;
    };
    const std::string& tz = context.settings.time_zone;
    for (const auto& row : rows) {
        const auto& m = row.message;
        std::vector<std::string> cells = {std::to_string(row.case_id),
                                          row.case_status,
                                          row.case_urgency,
                                          join(row.case_categories),
                                          row.outcome,
                                          FormatLocalTime(row.opened_at, tz),
                                          std::to_string(m.id),
                                          m.source,
                                          m.channel,
                                          FormatLocalTime(m.posted_at.value_or(m.received_at), tz),
                                          m.sentiment_label,
                                          FormatNumber(m.sentiment_score, 3),
                                          join(m.categories),
                                          m.urgency,
                                          join(m.red_flags),
                                          m.care_unit};
        if (deidentified) {
            cells.push_back(RedactSpans(m.text, PersonalDataSpans(context.analyzer, m.text, m.channel)));
        } else {
            cells.push_back(m.author);
            cells.push_back(m.url);
            cells.push_back(m.text);
        }
        csv.AddRow(cells);
    }
    return csv.Text();
}

}  // namespace carelisten::console::detail
