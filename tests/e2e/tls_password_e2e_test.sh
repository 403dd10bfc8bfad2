#!/usr/bin/env bash
# database.url against a PostgreSQL server over TCP with TLS, sslmode=verify-full and a password read
# from database.password_file, through the real `carelisten` binary. Negative cases: a server
# certificate from another CA, a host name the certificate does not name, a wrong password. The
# password never appears in the output.
set -euo pipefail
carelisten=$(realpath "${1:?usage: tls_password_e2e_test.sh PATH_TO_CARELISTEN}")
bindir=/usr/lib/postgresql/15/bin
[[ -x "${bindir}/initdb" ]] || bindir="$(pg_config --bindir)"
user=$(id -un)
[[ $(id -u) -eq 0 ]] && user=postgres
run_as() { if [[ "$(id -un)" == "${user}" ]]; then "$@"; else runuser -u "${user}" -- "$@"; fi; }

tmp=$(mktemp -d /tmp/carelisten-tls-XXXXXX)
chmod 755 "${tmp}"
cleanup() {
    run_as "${bindir}/pg_ctl" -D "${tmp}/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf -- "${tmp}"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A CA, a server certificate for "localhost" only, and an unrelated CA.
cd "${tmp}"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=carelisten test CA" -keyout ca.key -out ca.pem 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other CA" -keyout other.key -out other.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=DNS:localhost\n' >san.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.crt 2>/dev/null
mkdir -p data socket
chown -R "${user}:" "${tmp}" 2>/dev/null || true
chmod 600 server.key

run_as "${bindir}/initdb" -D "${tmp}/data" -U postgres --auth-local=trust --auth-host=reject -E UTF8 --no-locale >initdb.log 2>&1 ||
    { cat initdb.log; fail "initdb"; }
printf 'hostssl all all 127.0.0.1/32 scram-sha-256\n' >"${tmp}/data/pg_hba.conf.new"
cat "${tmp}/data/pg_hba.conf" >>"${tmp}/data/pg_hba.conf.new"
mv "${tmp}/data/pg_hba.conf.new" "${tmp}/data/pg_hba.conf"
chown "${user}:" "${tmp}/data/pg_hba.conf" 2>/dev/null || true

started=0
for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 30000))
    cat >>"${tmp}/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = ${port}
unix_socket_directories = '${tmp}/socket'
ssl = on
ssl_cert_file = '${tmp}/server.crt'
ssl_key_file = '${tmp}/server.key'
password_encryption = 'scram-sha-256'
fsync = off
CONF
    if run_as "${bindir}/pg_ctl" -D "${tmp}/data" -l "${tmp}/postgres.log" -w -t 30 start >/dev/null 2>&1; then
        started=1
        break
    fi
done
[[ ${started} -eq 1 ]] || { tail -20 "${tmp}/postgres.log"; fail "server did not start"; }

password='correct horse battery staple'
run_as "${bindir}/psql" -X -q -v ON_ERROR_STOP=1 -h "${tmp}/socket" -p "${port}" -U postgres -d postgres \
    -c "CREATE ROLE carelisten LOGIN PASSWORD '${password}'" -c "CREATE DATABASE crm OWNER carelisten" >/dev/null
printf '%s\n' "${password}" >"${tmp}/db-password"
printf 'wrong\n' >"${tmp}/wrong-password"

config() {  # config FILE HOST CA PASSWORD_FILE
    cat >"$1" <<TOML
[daemon]
state_dir = "${tmp}/state"
[database]
url = "postgresql://carelisten@$2:${port}/crm?sslmode=verify-full&sslrootcert=$3"
password_file = "$4"
TOML
}

config good.toml localhost "${tmp}/ca.pem" "${tmp}/db-password"
out=$("${carelisten}" --config good.toml migrate 2>&1) || fail "migrate over verified TLS failed: ${out}"
grep -q "schema version" <<<"${out}" || fail "unexpected output: ${out}"
ssl_in_use=$(run_as "${bindir}/psql" -X -At -h "${tmp}/socket" -p "${port}" -U postgres -d crm \
    -c "SELECT count(*) FROM schema_migrations")
[[ "${ssl_in_use}" -ge 1 ]] || fail "migrations not recorded"

config other-ca.toml localhost "${tmp}/other.pem" "${tmp}/db-password"
if out=$("${carelisten}" --config other-ca.toml migrate 2>&1); then fail "a certificate from another CA was accepted"; fi
grep -q "not signed by the configured CA" <<<"${out}" || fail "the other-CA refusal does not say why: ${out}"
echo "refused as expected: ${out:0:200}"

config wrong-host.toml 127.0.0.1 "${tmp}/ca.pem" "${tmp}/db-password"
if out=$("${carelisten}" --config wrong-host.toml migrate 2>&1); then fail "a host name the certificate does not name was accepted"; fi
grep -q "does not name this host" <<<"${out}" || fail "the host-name refusal does not say why: ${out}"
echo "refused as expected: ${out:0:200}"

config wrong-password.toml localhost "${tmp}/ca.pem" "${tmp}/wrong-password"
if out=$("${carelisten}" --config wrong-password.toml migrate 2>&1); then fail "a wrong password was accepted"; fi
grep -q "password authentication failed" <<<"${out}" || fail "the password refusal does not say why: ${out}"
echo "refused as expected: ${out:0:200}"
grep -q "${password}" <<<"${out}" && fail "the password appeared in the output"

echo "tls_password_e2e_test: verify-full + password file: ok; other CA, wrong host, wrong password: refused"
