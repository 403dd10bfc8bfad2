#!/usr/bin/env bash
# Several replicas on one PostgreSQL: how fast R carelistend processes drain S jsonl_drop sources of N items in
# all, for R = 1 and R = 3, on one throwaway cluster (tests/support/pg_cluster.sh: fsync off, Unix socket).
#
#   tests/bench/replicas_bench.sh BUILD_DIR [ITEMS] [SOURCES]
#
# Prints one line per replica count: items, seconds from start to the last item stored, items/s, and the share of
# batches each replica committed (from the lease tokens it held). Release builds only give meaningful figures.
set -euo pipefail
build_dir="$(realpath "${1:?usage: $0 BUILD_DIR [ITEMS] [SOURCES]}")"
items="${2:-40000}"
sources="${3:-4}"
source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d /tmp/carelisten-replicas-bench.XXXXXX)"
chmod 755 "$work"
trap 'pkill -f "$work/r" 2>/dev/null || true; "$source_dir/tests/support/pg_cluster.sh" stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$source_dir/tests/support/pg_cluster.sh" start "$work/pg" >/dev/null
dsn="host=$work/pg/socket port=5432 dbname=postgres"

run() {
    local replicas=$1 database="bench_r$1"
    psql "$dsn" -qc "CREATE DATABASE $database" >/dev/null
    local per_source=$((items / sources))
    local config_sources=""
    for s in $(seq 0 $((sources - 1))); do
        local drop="$work/$database/drop$s"
        mkdir -p "$drop"
        awk -v s="$s" -v n="$per_source" 'BEGIN { for (i = 0; i < n; i++) {
            id = s * n + i
            printf "{\"external_id\":\"item-%d\",\"author\":\"p-%d\",\"text\":\"Visit %d: %s\"}\n", id, id % 89, id,
                   (id % 7 == 0 ? "nobody answered the call bell for an hour" : "kind staff, clean ward, thank you") } }' \
            > "$drop/batch.tmp"
        mv "$drop/batch.tmp" "$drop/batch.jsonl"
        config_sources+="[sources.drop$s]"$'\n'"type = \"jsonl_drop\""$'\n'"directory = \"$drop\""$'\n'
    done
    local pids=()
    local started
    started=$(date +%s.%N)
    for r in $(seq 1 "$replicas"); do
        local state="$work/r$replicas-$r"
        mkdir -p "$state"
        cat > "$state/carelistend.toml" <<TOML
[daemon]
state_dir = "$state"
replica_id = "r$r"
poll_interval_ms = 100
[database]
url = "host=$work/pg/socket port=5432 dbname=$database"
[http]
listen_port = 0
[console]
enabled = false
$config_sources
TOML
        "$build_dir/daemon/carelistend" --config "$state/carelistend.toml" 2>>"$work/r$replicas.log" &
        pids+=($!)
    done
    until [[ "$(psql "host=$work/pg/socket port=5432 dbname=$database" -tAc \
                "SELECT count(*) FROM item" 2>/dev/null || echo 0)" -ge "$items" ]]; do
        sleep 0.05
    done
    local finished
    finished=$(date +%s.%N)
    local holders
    holders=$(psql "host=$work/pg/socket port=5432 dbname=$database" -tAc \
        "SELECT string_agg(holder || ':' || source, ' ' ORDER BY source) FROM source_lease")
    kill -TERM "${pids[@]}"
    wait "${pids[@]}" 2>/dev/null || true
    awk -v r="$replicas" -v n="$items" -v a="$started" -v b="$finished" -v h="$holders" \
        'BEGIN { printf "replicas %d: %d items in %.2f s = %.0f items/s (leases at the end: %s)\n", r, n, b - a, n / (b - a), h }'
}

echo "machine: $(nproc) cores; PostgreSQL 15 on the same machine (fsync off); $sources sources"
run 1
run 3
