#!/usr/bin/env bash
# Installs what carelisten needs to build, test and run, from Debian 12 packages only. Idempotent:
# installs nothing when everything is there. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
    # toolchain
    g++ cmake ninja-build pkg-config make clang-format clang-14 libclang-rt-14-dev
    # libraries (see shared/DESIGN.md "Chosen dependencies")
    libboost-dev libicu-dev libpqxx-dev libtomlplusplus-dev libcli11-dev rapidjson-dev libsystemd-dev
    libgmime-3.0-dev libcld2-dev libgumbo-dev
    # the staff console: Argon2id password hashes, random session and API tokens
    libsodium-dev
    # the HTTP runtime (libcurl, OpenSSL backend) and the fake upstreams (zlib; TLS tests); OpenSSL's HMAC
    # also verifies Discourse webhook signatures
    libcurl4-openssl-dev curl zlib1g-dev libssl-dev openssl libphonenumber-dev
    # RSS/Atom feeds (connectors/rss)
    libxml2-dev
    # e-mail tests: a throwaway Dovecot IMAP server (tests/support/dovecot.sh) and an SMTP sink
    dovecot-imapd python3-aiosmtpd
    # tests and benchmarks
    libgtest-dev libgmock-dev libbenchmark-dev
    # the PostgreSQL 15 server: the embedded default database and the test tiers
    postgresql-15 postgresql-client-15
    # operations: promtool checks /metrics and the alert rules; debootstrap and dpkg-dev build a clean
    # Debian root for the .deb install test (`make test-package`); fakeroot for cpack
    # systemd-container: systemd-nspawn boots the packaged unit under a real systemd in that root
    prometheus debootstrap dpkg-dev fakeroot systemd-container
    # the console's browser tests: Debian's headless Chromium, driven by playwright-core (npm, tests/browser)
    chromium
)

# Node.js and npm run the browser tests (playwright-core). The machine's own Node.js (any source) is used when
# there is one; otherwise Debian's.
if ! command -v npm >/dev/null; then
    packages+=(nodejs npm)
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

echo "install_deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null; then
        sudo_cmd=(sudo)
    else
        echo "install_deps: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
