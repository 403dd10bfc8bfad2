#!/usr/bin/env bash
# `make demo`: runs carelistend in the foreground on the embedded default database with the bundled demo
# sources: a JSON Lines drop, and every network connector (X, Reddit, Mastodon, Discourse, Google reviews,
# Facebook page, RSS) polling bundled fake upstreams that speak each network's real wire format, with
# realistic hospital content (praise, complaints about waiting, billing and staff, an urgent safety report, a
# legal threat, spam, off-topic mentions, cross-posted duplicates, Hindi and Hinglish). No internet needed.
# Ctrl-C stops it cleanly; running it again works (re-delivered items are no-ops: exactly-once storage).
set -euo pipefail
build_dir=${1:?usage: run_demo.sh BUILD_DIR}
cd "$(dirname "$0")/.."

mkdir -p build/demo
drop=build/demo/drop
mkdir -p "$drop"
for file in demo/sources/*.jsonl; do
    # Drop files the way other systems must: write a temporary name, then rename it into place.
    cp "$file" "$drop/.$(basename "$file").part"
    mv "$drop/.$(basename "$file").part" "$drop/$(date +%Y%m%dT%H%M%S)-$(basename "$file")"
done

# The fake upstreams pick a free port on 127.0.0.1 and write their address; the demo configuration is
# rewritten to point every network source at it.
address_file=build/demo/upstreams.address
rm -f "$address_file"
"$build_dir/tests/support/carelisten-fake-upstreams" --dir demo/upstreams --address-file "$address_file" &
fakes=$!
trap 'kill $fakes 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    [[ -s $address_file ]] && break
    sleep 0.1
done
upstreams=$(tr -d '\n' < "$address_file")
sed "s|http://127.0.0.1:8479|$upstreams|g" config/demo.toml > build/demo/demo.toml

cat <<TXT

  carelistend demo: embedded PostgreSQL in /var/tmp/carelisten-demo; demo feedback from $drop and
  from the fake X, Reddit, Mastodon, Discourse, Google reviews, Facebook and RSS upstreams at $upstreams

  The staff console: http://localhost:8470/console/ (user demo, password "carelisten demo password";
  an admin: $build_dir/daemon/carelisten --config build/demo/demo.toml users add NAME --role admin)

  While it runs, in another terminal:
    curl -s http://127.0.0.1:8470/healthz
    curl -s http://127.0.0.1:8470/metrics | grep carelisten_
    $build_dir/daemon/carelisten --config build/demo/demo.toml items list
    $build_dir/daemon/carelisten --config build/demo/demo.toml cases list
    $build_dir/daemon/carelisten --config build/demo/demo.toml quarantine list
    echo '{"id":"1","text":"The nurse ignored me for hours"}' | $build_dir/daemon/carelisten analyze
  Drop more .jsonl files into $drop (write a temporary name, then rename to *.jsonl).
  Ctrl-C stops the daemon cleanly.

TXT
"$build_dir/daemon/carelistend" --config build/demo/demo.toml &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null || true; wait $daemon 2>/dev/null || true; kill $fakes 2>/dev/null || true' EXIT INT TERM
# A patient-relations user for the console, once the database is up (already there after the first run).
for _ in $(seq 1 300); do
    curl -sf http://127.0.0.1:8470/readyz >/dev/null 2>&1 && break
    sleep 0.2
done
echo "carelisten demo password" | "$build_dir/daemon/carelisten" --config build/demo/demo.toml \
    users add demo --role patient_relations --name "Demo patient relations" --password-stdin >/dev/null 2>&1 || true
wait $daemon
