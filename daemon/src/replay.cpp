#include <daemon/mapping.hpp>
#include <daemon/replay.hpp>
#include <daemon/wiring.hpp>

namespace carelisten::daemon {

Result<ReplayResult> ReplayQuarantined(crm::Store& store, const Config& config, const nlp::Analyzer& analyzer,
                                       std::int64_t quarantine_id) {
    BOOST_OUTCOME_TRY(row, store.GetQuarantine(quarantine_id));
    if (row.replayed_at) {
        return ReplayResult{true, "already replayed"};
    }
    if (row.raw_truncated) {
        return ReplayResult{false,
                            "the record was cut at the quarantine size cap and cannot be replayed; "
                            "re-send it from its source"};
    }
    const auto connector =
        MakeConnector(config, row.source, connectors::ConnectorContext{});  // parsing only: no network
    if (!connector) {
        return ReplayResult{false, "source '" + row.source + "' is not in the configuration"};
    }
    auto parsed = connector->ParseRecord(row.raw, row.locator);
    if (auto* bad = std::get_if<connectors::BadRecord>(&parsed)) {
        BOOST_OUTCOME_TRYV(store.RecordFailedReplay(quarantine_id, bad->reason));
        return ReplayResult{false, "still unreadable: " + bad->reason};
    }
    auto& item = std::get<connectors::RawItem>(parsed);
    const auto analysis = analyzer.Analyze(ToAnalysisInput(item));
    crm::IngestBatch batch;
    batch.source = row.source;
    batch.items.push_back(ToNewItem(std::move(item), analysis, MakeFlagPolicy(config)));
    batch.replayed_quarantine_id = quarantine_id;
    BOOST_OUTCOME_TRY(outcome, store.Ingest(batch));
    return ReplayResult{true, outcome.inserted > 0 ? "stored" : "stored already (duplicate); marked replayed"};
}

}  // namespace carelisten::daemon
