#!/usr/bin/env bash
# Soak: ITEMS items through the running carelistend (jsonl_drop, the analyzer, PostgreSQL) at a sustained rate,
# with the daemon's resident memory, open file descriptors and throughput sampled every SAMPLE seconds.
#
#   tests/bench/soak_bench.sh BUILD_DIR [ITEMS] [SAMPLE_SECONDS]
#
# A producer keeps a few 10,000-item files waiting in the drop directory until ITEMS were written (each item a text
# of 14 words drawn from a care vocabulary, so some are complaints that open or extend cases). Prints one line per sample and a summary:
# resident memory after warm-up (the first 10 % of items) against the end, the largest and smallest fd count,
# and items/s per sample. Release builds only give meaningful figures.
set -euo pipefail
build_dir="$(realpath "${1:?usage: $0 BUILD_DIR [ITEMS] [SAMPLE_SECONDS]}")"
items="${2:-1000000}"
sample="${3:-10}"
source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d /tmp/carelisten-soak.XXXXXX)"
chmod 755 "$work"
daemon=""
trap '[[ -n $daemon ]] && kill -TERM $daemon 2>/dev/null; wait 2>/dev/null; "$source_dir/tests/support/pg_cluster.sh" stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$source_dir/tests/support/pg_cluster.sh" start "$work/pg" >/dev/null
dsn="host=$work/pg/socket port=5432 dbname=postgres"
mkdir -p "$work/drop" "$work/state"
cat > "$work/carelistend.toml" <<TOML
[daemon]
state_dir = "$work/state"
poll_interval_ms = 200
[database]
url = "$dsn"
[http]
listen_port = 0
[sources.drop]
type = "jsonl_drop"
directory = "$work/drop"
TOML
"$build_dir/daemon/carelistend" --config "$work/carelistend.toml" 2>"$work/daemon.log" &
daemon=$!

written=0
file=0
produce() {
    # Keep at most three files waiting; each file is 10,000 items.
    while (( written < items )) && (( $(find "$work/drop" -maxdepth 1 -name '*.jsonl' | wc -l) < 3 )); do
        local n=$(( items - written < 10000 ? items - written : 10000 ))
        # Texts are drawn from a vocabulary (seeded per file), so they differ the way real messages do: identical
        # texts would all be near-duplicates of each other, a worst case measured separately (docs/benchmarks.md).
        awk -v base="$written" -v n="$n" -v seed="$file" 'BEGIN { srand(seed + 1)
            split("nurse doctor ward waiting hours rude kind clean dirty food parking appointment bill pain " \
                  "discharge medication night noise staff reception phone letter surgery scan results bed " \
                  "toilet visitors children mother father husband wife cancelled delayed lost friendly helpful " \
                  "explained ignored listened caring cold warm quick slow respectful dismissive pharmacy " \
                  "physiotherapy ambulance emergency clinic outpatient theatre recovery dressing wound fever " \
                  "thank terrible excellent awful great poor amazing disappointed grateful angry worried", words, " ")
            for (i = 0; i < n; i++) { id = base + i; text = ""
                for (w = 0; w < 14; w++) { text = text " " words[int(rand() * 80) + 1] }
                printf "{\"external_id\":\"soak-%d\",\"author\":\"patient-%d\",\"text\":\"Visit %d:%s\"}\n",
                       id, id % 5003, id, text } }' > "$work/drop/f.tmp"
        mv "$work/drop/f.tmp" "$work/drop/$(printf 'soak-%06d.jsonl' "$file")"
        written=$(( written + n ))
        file=$(( file + 1 ))
    done
}

stored() { psql "$dsn" -tAc "SELECT count(*) FROM item" 2>/dev/null || echo 0; }
until [[ -s "$work/state/http.address" ]]; do sleep 0.1; done

echo "machine: $(nproc) cores; $items items; sample every $sample s; PostgreSQL 15 on the same machine (fsync off)"
printf '%8s %10s %10s %8s %10s\n' "t (s)" "stored" "items/s" "fds" "RSS (MiB)"
start=$(date +%s)
last_stored=0
warm_rss=""
min_fd=999999
max_fd=0
rates=()
while :; do
    produce
    sleep "$sample"
    now_stored=$(stored)
    rss_kib=$(awk '/VmRSS/ { print $2 }' "/proc/$daemon/status")
    fds=$(ls "/proc/$daemon/fd" | wc -l)
    rate=$(( (now_stored - last_stored) / sample ))
    last_stored=$now_stored
    (( fds < min_fd )) && min_fd=$fds
    (( fds > max_fd )) && max_fd=$fds
    if [[ -z $warm_rss ]] && (( now_stored >= items / 10 )); then
        warm_rss=$rss_kib
    fi
    [[ -n $warm_rss ]] && (( now_stored < items )) && rates+=("$rate")
    printf '%8d %10d %10d %8d %10.1f\n' $(( $(date +%s) - start )) "$now_stored" "$rate" "$fds" "$(awk -v k="$rss_kib" 'BEGIN { print k / 1024 }')"
    (( now_stored >= items )) && break
done
end_rss=$(awk '/VmRSS/ { print $2 }' "/proc/$daemon/status")
sorted=$(printf '%s\n' "${rates[@]}" | sort -n)
count=$(printf '%s\n' "${rates[@]}" | wc -l)
median=$(printf '%s\n' "$sorted" | sed -n "$(( (count + 1) / 2 ))p")
low=$(printf '%s\n' "$sorted" | head -1)
high=$(printf '%s\n' "$sorted" | tail -1)
total=$(( $(date +%s) - start ))
echo "summary: $items items in $total s ($(( items / total )) items/s overall); after warm-up items/s per sample:" \
     "median $median, min $low, max $high"
echo "summary: RSS after warm-up $(( warm_rss / 1024 )) MiB, at the end $(( end_rss / 1024 )) MiB" \
     "($(awk -v a="$warm_rss" -v b="$end_rss" 'BEGIN { printf "%+.1f", (b - a) * 100 / a }') %); fds between $min_fd and $max_fd"
