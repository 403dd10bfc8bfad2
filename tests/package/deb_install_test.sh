#!/usr/bin/env bash
# Installs the carelisten .deb on a clean Debian 12 root and checks what an operator relies on:
# dependencies resolve from Debian alone (dpkg -i, then apt-get -f install), the postinst creates the
# carelisten user and the directories, nothing is enabled, the files are in their FHS places, and the
# installed binaries run (--version, --check-config of the shipped configuration, `carelisten status`
# saying the daemon is not running). A reinstall (the upgrade path) succeeds too.
#   deb_install_test.sh BUILD_DIR [--no-boot]
# --no-boot skips booting the unit under systemd (used for sanitizer builds: not what ships, and a
# sanitizer's leak check at exit needs ptrace, which the unit's system call filter forbids).
# The clean root comes from `debootstrap --variant=minbase bookworm`, made once and cached in
# $CARELISTEN_DEBOOTSTRAP_CACHE (default /var/cache/carelisten-test/bookworm-minbase); each run works on
# a copy. Needs root, debootstrap and the network path to the Debian mirror.
set -euo pipefail
build_dir=$(cd "${1:?usage: deb_install_test.sh BUILD_DIR [--no-boot]}" && pwd)
boot=yes
[[ "${2:-}" == --no-boot ]] && boot=no
cache=${CARELISTEN_DEBOOTSTRAP_CACHE:-/var/cache/carelisten-test/bookworm-minbase}
mirror=${CARELISTEN_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [[ $(id -u) -ne 0 ]]; then
    echo "deb_install_test: needs root (chroot, dpkg)" >&2
    exit 1
fi
started=$(date +%s)

# 1. The package, built from this build directory.
(cd "$build_dir" && cpack -G DEB --config CPackConfig.cmake >/dev/null)
deb=$(ls -t "$build_dir"/carelisten_*.deb | head -1)
echo "package: $deb"
dpkg-deb --info "$deb" | sed -n '/Depends/p;/Recommends/p'
dpkg-deb --contents "$deb" | awk '{print $6}' >"$build_dir/deb_contents.txt"
for path in ./usr/bin/carelistend ./usr/bin/carelisten ./lib/systemd/system/carelistend.service \
    ./usr/lib/sysusers.d/carelisten.conf ./usr/lib/tmpfiles.d/carelisten.conf ./etc/carelisten/carelistend.toml \
    ./usr/share/doc/carelisten/operations.md ./usr/share/doc/carelisten/prometheus/alerts.yml \
    ./usr/share/doc/carelisten/grafana/carelisten.json; do
    grep -qxF "$path" "$build_dir/deb_contents.txt" || { echo "FAIL: $path is not in the package"; exit 1; }
done
dpkg-deb --ctrl-tarfile "$deb" | tar -t | grep -q '^./conffiles$' || { echo "FAIL: no conffiles"; exit 1; }

# 2. A clean root, cached (debootstrap takes minutes; a copy takes seconds).
if [[ ! -x "$cache/usr/bin/apt-get" ]]; then
    mkdir -p "$(dirname "$cache")"
    exec 9>"$cache.lock"
    flock 9
    if [[ ! -x "$cache/usr/bin/apt-get" ]]; then
        rm -rf "$cache.partial"
        echo "debootstrap --variant=minbase bookworm (once, cached in $cache)"
        debootstrap --variant=minbase bookworm "$cache.partial" "$mirror" >"$cache.log" 2>&1 ||
            { tail -20 "$cache.log"; exit 1; }
        mv "$cache.partial" "$cache"
    fi
    flock -u 9
fi
root=$(mktemp -d /var/tmp/carelisten-deb-root.XXXXXX)
cleanup() {
    umount "$root/proc" 2>/dev/null || true
    rm -rf "$root"
}
trap cleanup EXIT
cp -a "$cache/." "$root/"
mount -t proc proc "$root/proc" 2>/dev/null || echo "note: /proc not mounted in the chroot (no permission)"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# A clean environment, except the sanitizer options of a sanitizer build.
in_root() {
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
        ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} ${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS} "$@"
}

# 3. Install as an operator does: dpkg -i fails on missing dependencies, apt-get -f install brings them.
cp "$deb" "$root/tmp/carelisten.deb"
in_root dpkg -i /tmp/carelisten.deb >"$build_dir/deb_install.log" 2>&1 || true
in_root apt-get update -qq >>"$build_dir/deb_install.log" 2>&1
in_root apt-get -f install -y -qq --no-install-recommends >>"$build_dir/deb_install.log" 2>&1 ||
    { tail -30 "$build_dir/deb_install.log"; echo "FAIL: apt-get -f install"; exit 1; }
in_root dpkg-query -W -f='${Status}\n' carelisten | grep -q "install ok installed" ||
    { tail -30 "$build_dir/deb_install.log"; echo "FAIL: carelisten is not installed"; exit 1; }

failed=0
fail() { echo "FAIL: $*"; failed=1; }
# 4. What the postinst did, and did not do.
in_root getent passwd carelisten >/dev/null || fail "postinst did not create the carelisten user"
[[ $(in_root stat -c '%U %a' /var/lib/carelisten) == "carelisten 700" ]] || fail "/var/lib/carelisten is not carelisten 0700"
[[ $(in_root stat -c '%U %G %a' /etc/carelisten) == "root carelisten 750" ]] || fail "/etc/carelisten is not root:carelisten 0750"
[[ $(in_root stat -c '%U %a' /etc/carelisten/credentials) == "root 700" ]] || fail "/etc/carelisten/credentials is not root 0700"
[[ ! -e "$root/etc/systemd/system/multi-user.target.wants/carelistend.service" ]] || fail "the package enabled the service"
[[ $(in_root systemctl is-enabled carelistend.service 2>/dev/null || true) == "disabled" ]] ||
    fail "systemctl is-enabled does not say disabled"

# 5. The installed binaries run.
version=$(in_root carelistend --version) || fail "carelistend --version"
echo "$version"
[[ "$version" == carelistend\ * ]] || fail "unexpected --version output: $version"
in_root carelistend --check-config --config /etc/carelisten/carelistend.toml || fail "--check-config of the shipped file"
set +e
in_root carelisten --config /etc/carelisten/carelistend.toml status 2>/dev/null
status_rc=$?
set -e
[[ $status_rc -eq 3 ]] || fail "carelisten status exit $status_rc, expected 3 (not running)"

# 6. The unit boots under a real systemd: a container (systemd-nspawn --boot, systemd as PID 1) runs
#    boot_probe.sh, which starts carelistend.service on the embedded database under the full sandbox,
#    stores a dropped file, reloads, reads `carelisten status`, checks the sandbox on the live process,
#    and stops it. Skipped (with a message) where nspawn cannot run.
if [[ $boot == no ]]; then
    echo "SKIP: booting the unit (--no-boot: a sanitizer build; make test-package boots the release build)"
elif command -v systemd-nspawn >/dev/null && systemd-nspawn -q --register=no --keep-unit -D "$root" /bin/true 2>/dev/null; then
    # The embedded database's server; no cluster of its own and no service starts inside the chroot.
    mkdir -p "$root/etc/postgresql-common"
    echo "create_main_cluster = false" >"$root/etc/postgresql-common/createcluster.conf"
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    in_root apt-get install -y -qq --no-install-recommends postgresql-15 systemd-sysv >>"$build_dir/deb_install.log" 2>&1 ||
        fail "installing postgresql-15 for the boot test"
    rm -f "$root/usr/sbin/policy-rc.d"
    install -d -o "$(in_root id -u carelisten)" -g "$(in_root id -g carelisten)" -m 0700 "$root/var/lib/carelisten/drop"
    echo probe-secret >"$root/etc/carelisten/credentials/probe"
    chmod 600 "$root/etc/carelisten/credentials/probe"
    install -m 0755 "$(dirname "$0")/boot_probe.sh" "$root/usr/local/sbin/boot_probe.sh"
    cat >"$root/etc/systemd/system/boot-probe.service" <<'UNIT'
[Unit]
Description=carelisten boot probe (test only)
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/boot_probe.sh
TimeoutStartSec=600
[Install]
WantedBy=multi-user.target
UNIT
    ln -sf /etc/systemd/system/boot-probe.service "$root/etc/systemd/system/multi-user.target.wants/boot-probe.service"
    umount "$root/proc" 2>/dev/null || true
    timeout 900 systemd-nspawn -q --register=no --keep-unit --boot -D "$root" >"$build_dir/boot_test.log" 2>&1 || true
    mount -t proc proc "$root/proc" 2>/dev/null || true
    rm -f "$root/etc/systemd/system/multi-user.target.wants/boot-probe.service"
    echo "--- boot probe (systemd-nspawn --boot) ---"
    cat "$root/boot-probe.out" 2>/dev/null || fail "the boot probe wrote nothing (see $build_dir/boot_test.log)"
    if grep -q '^FAIL' "$root/boot-probe.out" 2>/dev/null || ! grep -q '^done' "$root/boot-probe.out" 2>/dev/null; then
        fail "the unit under systemd; its journal:"
        tail -40 "$root/boot-probe.journal" 2>/dev/null || true
    fi
else
    echo "SKIP: systemd-nspawn cannot run here; the unit was not booted under systemd"
fi

# 7. Upgrade path: installing again keeps the edited conffile and the user.
echo '# edited by the operator' >>"$root/etc/carelisten/carelistend.toml"
in_root dpkg -i --force-confold /tmp/carelisten.deb >>"$build_dir/deb_install.log" 2>&1 || fail "reinstall"
grep -q 'edited by the operator' "$root/etc/carelisten/carelistend.toml" || fail "reinstall replaced the edited configuration"
in_root getent passwd carelisten >/dev/null || fail "the user vanished on reinstall"
# ...and removal keeps the state (patient data) while purging the configuration.
in_root dpkg --purge carelisten >>"$build_dir/deb_install.log" 2>&1 || fail "purge"
[[ -d "$root/var/lib/carelisten" ]] || fail "purge removed /var/lib/carelisten"
[[ ! -e "$root/etc/carelisten/carelistend.toml" ]] || fail "purge kept the configuration"

echo "deb install test: $(( $(date +%s) - started )) s"
[[ $failed -eq 0 ]] && echo "deb install test: passed"
exit $failed
