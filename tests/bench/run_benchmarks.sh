#!/usr/bin/env bash
# make bench: every benchmark against its reference, in one run, on this machine; prints a summary table and
# writes it to BUILD_DIR/bench_report.md (copy the figures into docs/benchmarks.md).
#
#   tests/bench/run_benchmarks.sh BUILD_DIR [SCALE]      SCALE: full (default) or quick (smaller volumes)
#
# What is compared with what:
#  - the analyzer against VADER's JavaScript port (npm vader-sentiment 1.1.3, installed into BUILD_DIR/vader):
#    messages per second on the same 25 short messages, both pinned to the same core (taskset -c 1), and
#    three-class sentiment on the same labelled held-out rows (labelled_rows writes the rows `carelisten eval`
#    scores);
#  - the whole ingest flow (parse, analysis, store with cursor) against PostgreSQL's own COPY of the same rows
#    into a table like `item` (flow_bench);
#  - Twilio webhook latency from a second process on loopback (webhook_bench), and survey scheduling and summary
#    queries at a hospital network's volume (survey_bench): no reference implementation runs here, so these
#    are figures against the issue's targets.
set -euo pipefail
build_dir="$(realpath "${1:?usage: $0 BUILD_DIR [full|quick]}")"
scale="${2:-full}"
source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
data_dir="${CARELISTEN_DATA_DIR:-$source_dir/../shared/data}"
bench="$build_dir/tests/bench"
work="$(mktemp -d /tmp/carelisten-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT

case "$scale" in
full) flow_items=20000 webhooks=5000 discharges=100000 answers=1000000 ;;
quick) flow_items=5000 webhooks=1000 discharges=5000 answers=100000 ;;
*) echo "scale must be full or quick" >&2; exit 2 ;;
esac
# The second core when there is one: both analyzers run on the same core, one after the other.
core=$(($(nproc) > 1 ? 1 : 0))

# VADER's reference implementation, from the npm registry (pinned version), outside the source tree.
if [[ ! -d "$build_dir/vader/node_modules/vader-sentiment" ]]; then
    npm install --silent --no-audit --no-fund --prefix "$build_dir/vader" vader-sentiment@1.1.3 >/dev/null
fi
export NODE_PATH="$build_dir/vader/node_modules"

json_field() { # json_field FILE EXPRESSION: evaluates EXPRESSION on the parsed JSON in FILE (as `j`)
    node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(eval(process.argv[2]))' "$1" "$2"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rows=()
row() { rows+=("| $1 | $2 | $3 | $4 |"); }

machine="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -g | awk '/Mem:/ {print $2}') GiB, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== machine: $machine; scale $scale"

echo "== analyzer speed (core $core)"
taskset -c "$core" "$bench/carelisten_bench" --benchmark_filter='BM_AnalyzeShort|BM_AnalyzeLong' --benchmark_min_time=2 \
    --benchmark_format=json >"$work/nlp.json"
short_rate=$(json_field "$work/nlp.json" 'Math.round(j.benchmarks.find(b => b.name === "BM_AnalyzeShort").items_per_second)')
long_mb=$(json_field "$work/nlp.json" '(j.benchmarks.find(b => b.name === "BM_AnalyzeLong").bytes_per_second / 1e6).toFixed(2)')
(cd "$source_dir/tests/bench" && taskset -c "$core" node vader_reference.js 3) >"$work/vader_speed.json"
vader_rate=$(json_field "$work/vader_speed.json" 'j.per_second')
row "short messages per second, one core (BM_AnalyzeShort: the full analysis / VADER: sentiment only)" \
    "$short_rate" "$vader_rate" "$(ratio "$short_rate" "$vader_rate")x"
row "long documents, one core (BM_AnalyzeLong)" "$long_mb MB/s" "target 10 MB/s" "$(ratio "$long_mb" 10)x"

echo "== analyzer accuracy on held-out rows (the same rows for both)"
for set in nhs_fft_v6_dev nhs_fft_phase1_dev; do
    "$bench/labelled_rows" --data "$data_dir/$set.jsonl" --split heldout >"$work/$set.rows" 2>/dev/null
    "$build_dir/daemon/carelisten" eval --data "$data_dir/$set.jsonl" --split heldout --kind sentiment >"$work/$set.ours"
    node "$source_dir/tests/bench/vader_eval.js" "$work/$set.rows" >"$work/$set.vader"
    n=$(wc -l <"$work/$set.rows")
    ours_accuracy=$(awk '/^sentiment: rows/ {print $5}' "$work/$set.ours")
    ours_negative=$(awk '$1 == "negative:" {print $5}' "$work/$set.ours")
    ours_macro=$(awk '$1 == "macro-f1" {print $2}' "$work/$set.ours")
    vader_accuracy=$(json_field "$work/$set.vader" 'j.accuracy.toFixed(4)')
    vader_negative=$(json_field "$work/$set.vader" 'j.classes.negative.recall.toFixed(4)')
    vader_macro=$(json_field "$work/$set.vader" 'j.macro_f1.toFixed(4)')
    row "$set held-out ($n rows): sentiment accuracy" "$ours_accuracy" "$vader_accuracy" "$(ratio "$ours_accuracy" "$vader_accuracy")x"
    row "$set held-out: negative recall" "$ours_negative" "$vader_negative" "$(ratio "$ours_negative" "$vader_negative")x"
    row "$set held-out: macro-F1" "$ours_macro" "$vader_macro" "$(ratio "$ours_macro" "$vader_macro")x"
done

# Human-rated tweets (VADER's tweets_GroundTruth.txt, not in this repository: set CARELISTEN_TWEETS to its path),
# both analyzers on the same rows; ours analyzes them as social posts.
if [[ -n "${CARELISTEN_TWEETS:-}" ]]; then
    node "$source_dir/tests/bench/vader_tweets_to_jsonl.js" "$CARELISTEN_TWEETS" 0 >"$work/tweets.rows"
    "$build_dir/daemon/carelisten" eval --data "$work/tweets.rows" --kind sentiment >"$work/tweets.ours"
    node "$source_dir/tests/bench/vader_eval.js" "$work/tweets.rows" >"$work/tweets.vader"
    ours_accuracy=$(awk '/^sentiment: rows/ {print $5}' "$work/tweets.ours")
    vader_accuracy=$(json_field "$work/tweets.vader" 'j.accuracy.toFixed(4)')
    row "human-rated tweets ($(wc -l <"$work/tweets.rows") rows, sign of the mean rating): sentiment accuracy" \
        "$ours_accuracy" "$vader_accuracy" "$(ratio "$ours_accuracy" "$vader_accuracy")x (target >= 0.90)"
fi

echo "== ingest flow against COPY ($flow_items items)"
"$bench/flow_bench" --items "$flow_items" | tee "$work/flow.txt"
flow_rate=$(awk '/^flow \(/ {print $(NF-1)}' "$work/flow.txt")
copy_rate=$(awk '/^reference: COPY/ {print $(NF-1)}' "$work/flow.txt")
floor_rate=$(awk '/^floor: COPY/ {print $(NF-1)}' "$work/flow.txt")
# The ratio is the median of the rounds' paired ratios (flow and COPY measured batch by batch, alternating).
paired_ratio=$(awk '/^ratio flow\/COPY \(same rows/ {printf "%.3f", $NF}' "$work/flow.txt")
floor_ratio=$(awk '/^ratio flow\/COPY \(floor/ {printf "%.3f", $NF}' "$work/flow.txt")
row "ingest items per second: the whole flow / COPY of the same rows into a table like item (medians)" "$flow_rate" \
    "$copy_rate" "${paired_ratio}x, median of paired rounds (target 0.25x)"
row "the same flow / COPY of the 4 input columns into an unindexed table" "$flow_rate" "$floor_rate" "${floor_ratio}x"

echo "== Twilio webhooks from a second process ($webhooks, 16 at once)"
"$bench/webhook_bench" --requests "$webhooks" --concurrency 16 --daemon "$build_dir/daemon/carelistend" | tee "$work/webhook.txt"
p50=$(grep -o 'p50 [0-9.]*' "$work/webhook.txt" | cut -d' ' -f2)
p99=$(grep -o 'p99 [0-9.]*' "$work/webhook.txt" | cut -d' ' -f2)
webhook_rate=$(awk '/^rate:/ {print $2}' "$work/webhook.txt")
row "webhook latency, connect to answer after the commit (p50 / p99 ms)" "$p50 / $p99" "Twilio's timeout 15,000" \
    "$(ratio 15000 "$p99")x headroom at p99"
row "webhooks per second" "$webhook_rate" "-" "-"

echo "== surveys ($discharges discharges, $answers answers)"
"$bench/survey_bench" --discharges "$discharges" --answers "$answers" | tee "$work/survey.txt"
schedule_rate=$(awk '/^scheduling:/ {print $(NF-1)}' "$work/survey.txt")
invite_rate=$(awk '/^invitations:/ {print $(NF-1)}' "$work/survey.txt")
physician_ms=$(awk '/^physician summary/ {print $(NF-4)}' "$work/survey.txt")
unit_ms=$(awk '/^unit summary/ {print $(NF-4)}' "$work/survey.txt")
row "discharges scheduled per second (one transaction each)" "$schedule_rate" "-" "-"
row "survey invitations per second (the scheduler)" "$invite_rate" "-" "-"
row "a physician's summary over $answers answers (ms)" "$physician_ms" "target 1,000" "$(ratio 1000 "$physician_ms")x headroom"
row "a unit's summary over $answers answers (ms)" "$unit_ms" "target 1,000" "$(ratio 1000 "$unit_ms")x headroom"

{
    echo "benchmarks, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$source_dir" rev-parse --short HEAD 2>/dev/null || echo unknown), scale $scale"
    echo "machine: $machine"
    echo
    echo "| what | carelisten | reference | ratio |"
    echo "| --- | --- | --- | --- |"
    printf '%s\n' "${rows[@]}"
} | tee "$build_dir/bench_report.md"
