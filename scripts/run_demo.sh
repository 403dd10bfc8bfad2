#!/usr/bin/env bash
# `make demo`: runs carelistend in the foreground on the embedded default database with the bundled
# demo sources. Ctrl-C stops it cleanly; running it again works (the re-dropped demo files are
# duplicates, and exactly-once storage turns them into no-ops).
set -euo pipefail
build_dir=${1:?usage: run_demo.sh BUILD_DIR}
cd "$(dirname "$0")/.."

drop=build/demo/drop
mkdir -p "$drop"
for file in demo/sources/*.jsonl; do
    # Drop files the way other systems must: write a temporary name, then rename it into place.
    cp "$file" "$drop/.$(basename "$file").part"
    mv "$drop/.$(basename "$file").part" "$drop/$(date +%Y%m%dT%H%M%S)-$(basename "$file")"
done

cat <<TXT

  carelistend demo: embedded PostgreSQL in /var/tmp/carelisten-demo, demo feedback from $drop

  While it runs, in another terminal:
    curl -s http://127.0.0.1:8470/healthz
    curl -s http://127.0.0.1:8470/readyz
    curl -s http://127.0.0.1:8470/metrics | grep carelisten_
    $build_dir/daemon/carelisten --config config/demo.toml items list
    $build_dir/daemon/carelisten --config config/demo.toml cases list
    $build_dir/daemon/carelisten --config config/demo.toml quarantine list
    echo '{"id":"1","text":"The nurse ignored me for hours"}' | $build_dir/daemon/carelisten analyze
  Drop more .jsonl files into $drop (write a temporary name, then rename to *.jsonl).
  Ctrl-C stops the daemon cleanly.

TXT
exec "$build_dir/daemon/carelistend" --config config/demo.toml
