#!/bin/sh
# Runs inside the booted test container (systemd as PID 1, see deb_install_test.sh): starts the
# packaged carelistend.service as an operator does, checks what systemd and the daemon say, writes one
# "ok|FAIL <what>" line per check to /boot-probe.out, then powers the container off.
out=/boot-probe.out
check() {  # check WHAT COMMAND...
    what=$1
    shift
    if "$@" >/dev/null 2>&1; then echo "ok $what" >>"$out"; else echo "FAIL $what" >>"$out"; fi
}
: >"$out"
# Type=notify: `systemctl start` returns once READY=1 arrived (migrations done, HTTP bound).
check "start (READY=1 under the hardened sandbox)" timeout 150 systemctl start carelistend.service
check "active" systemctl is-active --quiet carelistend.service
echo "status-text $(systemctl show -p StatusText --value carelistend.service)" >>"$out"
check "STATUS= names the sources" sh -c 'systemctl show -p StatusText --value carelistend.service | grep -q "source(s)"'
# The drop source stores a file; `carelisten status` reads /status of the running daemon.
printf '%s\n' '{"external_id":"boot-1","text":"The ward was clean and the staff kind."}' \
    >/var/lib/carelisten/drop/boot.jsonl.part
chown carelisten:carelisten /var/lib/carelisten/drop/boot.jsonl.part
mv /var/lib/carelisten/drop/boot.jsonl.part /var/lib/carelisten/drop/boot.jsonl
i=0
while [ $i -lt 60 ] && [ ! -e /var/lib/carelisten/drop/done/boot.jsonl ]; do sleep 1; i=$((i + 1)); done
check "drop file stored" test -e /var/lib/carelisten/drop/done/boot.jsonl
check "carelisten status exit 0" carelisten status
carelisten status >>"$out" 2>&1
# ExecReload: SIGHUP, RELOADING=1 ... READY=1; the unit stays active.
check "reload" timeout 30 systemctl reload carelistend.service
check "active after reload" systemctl is-active --quiet carelistend.service
check "reload logged" sh -c 'journalctl -u carelistend.service --no-pager | grep -q "configuration reloaded"'
# Structured journal fields: stderr is the journal, so events went through sd_journal_send.
check "journal fields (sd_journal_send)" sh -c 'journalctl -u carelistend.service -o verbose --no-pager | grep -q "CARELISTEN_MODULE=carelistend"'
check "watchdog armed" sh -c 'test "$(systemctl show -p WatchdogUSec --value carelistend.service)" != "0"'
# The sandbox as systemd applied it.
pid=$(systemctl show -p MainPID --value carelistend.service)
check "runs as carelisten" sh -c "test \"\$(stat -c %U /proc/$pid)\" = carelisten"
check "no core dumps (LimitCORE=0)" sh -c "grep -q '^Max core file size *0 *0' /proc/$pid/limits"
check "NoNewPrivileges" sh -c "grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$pid/status"
check "seccomp filter" sh -c "grep -q '^Seccomp:[[:space:]]*2' /proc/$pid/status"
credentials=$(tr '\0' '\n' </proc/"$pid"/environ | sed -n 's/^CREDENTIALS_DIRECTORY=//p')
check "LoadCredential= directory loaded" test -s "$credentials/carelisten_probe"
# SIGTERM: STOPPING=1, the in-flight transaction finishes, exit 0.
check "stop" timeout 60 systemctl stop carelistend.service
check "clean exit" sh -c 'test "$(systemctl show -p Result --value carelistend.service)" = success'
journalctl -u carelistend.service --no-pager -o cat >/boot-probe.journal 2>&1
echo "done" >>"$out"
systemctl poweroff
