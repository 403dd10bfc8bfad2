#!/usr/bin/env bash
# Keeps systemd/carelistend.service hardened: `systemd-analyze verify` finds nothing to say, the
# offline security score stays at or below 2.0, every key line carries a comment saying why, and the
# keys the operations issue requires are there.
#   systemd_unit_test.sh UNIT              check the unit as it is
#   systemd_unit_test.sh UNIT --weaken     check a copy without its main sandboxing (must FAIL)
#   systemd_unit_test.sh UNIT --uncomment  check a copy with one comment removed (must FAIL)
# The two last forms are registered with WILL_FAIL: they prove the check catches a regression.
set -euo pipefail
unit=${1:?usage: systemd_unit_test.sh UNIT [--weaken|--uncomment]}
mode=${2:-}
max_score=2.0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
copy="$work/carelistend.service"
case "$mode" in
    "") cp "$unit" "$copy" ;;
    --weaken)
        # Drops each sandboxing key with its comment line, as a careless edit would.
        awk 'BEGIN { drop = "^(ProtectSystem|PrivateDevices|SystemCallFilter|CapabilityBoundingSet|RestrictAddressFamilies|ProtectKernelTunables|MemoryDenyWriteExecute|PrivateTmp|ProtectHome|RestrictNamespaces)=" }
             { lines[NR] = $0 }
             END { for (i = 1; i <= NR; i++) {
                     if (i < NR && lines[i] ~ /^#/ && lines[i + 1] ~ drop) { i++; continue }
                     print lines[i] } }' "$unit" >"$copy" ;;
    --uncomment)
        # Removes the comment above UMask=.
        awk '{ lines[NR] = $0 } END { for (i = 1; i <= NR; i++) { if (i < NR && lines[i + 1] ~ /^UMask=/) continue; print lines[i] } }' \
            "$unit" >"$copy" ;;
    *) echo "unknown mode $mode" >&2; exit 2 ;;
esac

failed=0
fail() { echo "FAIL: $*"; failed=1; }

command -v systemd-analyze >/dev/null || { echo "FAIL: systemd-analyze is not installed"; exit 1; }

# 1. Syntax and semantics. The binary is not installed here: point ExecStart at one that exists.
verify_copy="$work/verify/carelistend.service"
mkdir -p "$work/verify"
sed -E 's#^ExecStart=[^ ]+#ExecStart=/bin/true#' "$copy" >"$verify_copy"
verify_out=$(systemd-analyze verify "$verify_copy" 2>&1) || fail "systemd-analyze verify exited non-zero"
if [[ -n "$verify_out" ]]; then
    fail "systemd-analyze verify complained:"
    echo "$verify_out"
fi

# 2. The exposure score (0 .. 10; --threshold takes the internal 0 .. 100 scale).
security_out=$(systemd-analyze security --offline=true --threshold=20 "$copy" 2>&1) || fail "security score above 2.0"
score=$(echo "$security_out" | sed -nE 's/.*Overall exposure level for [^:]*: ([0-9.]+).*/\1/p')
if [[ -z "$score" ]]; then
    fail "no score in the output of systemd-analyze security"
elif ! awk -v s="$score" -v m="$max_score" 'BEGIN { exit !(s <= m) }'; then
    fail "exposure $score > $max_score"
fi
echo "exposure score: ${score:-?}"

# 3. One key per line, each directly under a comment that says why.
prev=""
lineno=0
while IFS= read -r line; do
    lineno=$((lineno + 1))
    if [[ "$line" =~ ^[A-Za-z]+= ]] && [[ ! "$prev" =~ ^# ]]; then
        fail "line $lineno has no comment above it: $line"
    fi
    prev=$line
done <"$copy"

# 4. What the issue requires.
require() {  # require REGEX WHY
    grep -qE "$1" "$copy" || fail "missing $1 ($2)"
}
require '^Type=notify$' "READY=1 after migrations and listeners"
require '^ExecReload=/bin/kill -HUP \$MAINPID$' "SIGHUP reload"
require '^WatchdogSec=' "watchdog"
require '^Restart=on-failure$' "restart on failure"
require '^StartLimitBurst=' "start limits"
require '^StartLimitIntervalSec=' "start limits"
require '^User=carelisten$' "dedicated user (sysusers.d)"
require '^StateDirectory=carelisten$' "state directory"
require '^ConfigurationDirectory=carelisten$' "configuration directory"
require '^LoadCredential=' "secrets through credentials"
require '^UMask=0077$' "private files"
require '^LimitCORE=0$' "no core dumps (they would hold patient data)"
require '^NoNewPrivileges=yes$' "sandboxing"

if [[ $failed -ne 0 ]]; then
    exit 1
fi
echo "systemd unit: verified, exposure $score <= $max_score, every line commented"
