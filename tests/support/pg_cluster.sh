#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the pg and e2e test tiers.
#
#   pg_cluster.sh start DIR   remove any old cluster in DIR, initdb, start, wait until it accepts connections
#   pg_cluster.sh stop DIR    stop the cluster in DIR (fast shutdown) and remove DIR
#   pg_cluster.sh restart|pause|resume DIR   restart it, or stop it keeping its data and start it again (faults)
#
# The cluster listens on a Unix socket only (DIR/socket/.s.PGSQL.5432; port 5432 only names the socket file),
# trusts local connections and runs with fsync=off: it is for tests, never for data. Tests connect with
#   host=DIR/socket port=5432 dbname=postgres
# PostgreSQL refuses to run as root, so under root the cluster runs as the system user `postgres` (created if
# missing); otherwise it runs as the invoking user. The bootstrap superuser is always `postgres`, and the invoking
# OS user gets a superuser role of the same name, so libpq's default user name works without `user=`.
set -euo pipefail

readonly kPort=5432

die() {
    echo "pg_cluster: error: $*" >&2
    exit 1
}

note() {
    echo "pg_cluster: $*"
}

usage() {
    echo "usage: $0 start|stop|restart|pause|resume DIR" >&2
    exit 2
}

[[ $# -eq 2 ]] || usage
readonly command="$1"
[[ -n "$2" ]] || usage
# An absolute path: the socket directory goes into postgresql.conf and into the tests' DSN.
dir="$(realpath -m -- "$2")"
readonly dir
[[ "${dir}" != "/" ]] || die "refusing to use / as the cluster directory"
readonly data_dir="${dir}/data"
readonly socket_dir="${dir}/socket"
readonly log_file="${dir}/postgres.log"

find_bindir() {
    if [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
        echo /usr/lib/postgresql/15/bin
        return
    fi
    if command -v pg_config >/dev/null 2>&1; then
        local bindir
        bindir="$(pg_config --bindir)"
        if [[ -x "${bindir}/initdb" ]]; then
            echo "${bindir}"
            return
        fi
    fi
    die "no PostgreSQL server binaries (initdb) in /usr/lib/postgresql/15/bin or \`pg_config --bindir\`;" \
        "install postgresql-15"
}

# The OS user the server runs as: never root.
server_user() {
    if [[ "$(id -u)" -eq 0 ]]; then
        echo postgres
    else
        id -un
    fi
}

# Runs a command as `user`; plain exec when that is already us.
run_as() {
    local user="$1"
    shift
    if [[ "$(id -un)" == "${user}" ]]; then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        runuser -u "${user}" -- "$@"
    else
        su -s /bin/sh "${user}" -c "$(printf '%q ' "$@")"
    fi
}

ensure_server_user() {
    local user="$1"
    if ! id -u "${user}" >/dev/null 2>&1; then
        [[ "$(id -u)" -eq 0 ]] || die "user ${user} does not exist"
        note "creating system user ${user}"
        useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "${user}"
    fi
}

# Stops a postmaster left running in DIR (by an earlier run that did not clean up). Quiet when there is none.
stop_running() {
    local bindir="$1" mode="$2"
    [[ -f "${data_dir}/postmaster.pid" ]] || return 0
    local owner
    owner="$(stat -c %U -- "${data_dir}")"
    if run_as "${owner}" "${bindir}/pg_ctl" -D "${data_dir}" status >/dev/null 2>&1; then
        note "stopping the server in ${data_dir} (${mode})"
        run_as "${owner}" "${bindir}/pg_ctl" -D "${data_dir}" -m "${mode}" -w -t 60 stop >/dev/null ||
            die "pg_ctl stop failed for ${data_dir}"
    fi
}

start_cluster() {
    local bindir user
    bindir="$(find_bindir)"
    user="$(server_user)"

    # Unix socket paths are limited to 107 bytes.
    local socket_path="${socket_dir}/.s.PGSQL.${kPort}"
    ((${#socket_path} <= 107)) || die "socket path ${socket_path} is longer than 107 bytes; use a shorter DIR"

    if [[ -e "${dir}" ]]; then
        stop_running "${bindir}" immediate
        note "removing old ${dir}"
        rm -rf -- "${dir}"
    fi

    ensure_server_user "${user}"
    mkdir -p -- "${socket_dir}"
    if [[ "$(id -u)" -eq 0 ]]; then
        chown -R "${user}:" -- "${dir}"
        run_as "${user}" test -x "${dir}" ||
            die "user ${user} cannot reach ${dir}: a parent directory is not searchable by others"
    fi

    note "initdb in ${data_dir} (server user ${user}, superuser postgres)"
    if ! run_as "${user}" "${bindir}/initdb" --pgdata="${data_dir}" --username=postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 >"${dir}/initdb.log" 2>&1; then
        cat "${dir}/initdb.log" >&2
        die "initdb failed"
    fi

    cat >>"${data_dir}/postgresql.conf" <<EOF

# pg_cluster.sh: a disposable test cluster, Unix socket only, durability off for speed.
listen_addresses = ''
unix_socket_directories = '${socket_dir}'
port = ${kPort}
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
EOF

    note "starting the server (log: ${log_file})"
    if ! run_as "${user}" "${bindir}/pg_ctl" -D "${data_dir}" -l "${log_file}" -w -t 60 start >/dev/null; then
        [[ -f "${log_file}" ]] && tail -n 30 -- "${log_file}" >&2
        die "the server did not start"
    fi
    if ! "${bindir}/pg_isready" -q -h "${socket_dir}" -p "${kPort}" -t 30; then
        die "the server started but does not accept connections on ${socket_dir}"
    fi

    # The invoking OS user is libpq's default user name: give it a superuser role.
    local me
    me="$(id -un)"
    if [[ "${me}" != "postgres" ]]; then
        run_as "${user}" "${bindir}/psql" -X -q -v ON_ERROR_STOP=1 -h "${socket_dir}" -p "${kPort}" -U postgres \
            -d postgres -c "CREATE ROLE \"${me}\" SUPERUSER LOGIN" >/dev/null ||
            die "could not create role ${me}"
    fi
    note "ready: host=${socket_dir} port=${kPort} dbname=postgres"
}

stop_cluster() {
    if [[ ! -e "${dir}" ]]; then
        note "nothing to stop: ${dir} does not exist"
        return 0
    fi
    local bindir
    bindir="$(find_bindir)"
    stop_running "${bindir}" fast
    rm -rf -- "${dir}"
    note "stopped and removed ${dir}"
}

# A database restart under a running client (the e2e tier's "database restart" fault).
restart_cluster() {
    [[ -e "${data_dir}/PG_VERSION" ]] || die "no cluster in ${dir}"
    local bindir user
    bindir="$(find_bindir)"
    user="$(server_user)"
    run_as "${user}" "${bindir}/pg_ctl" -D "${data_dir}" -l "${log_file}" -w -t 60 -m fast restart >/dev/null ||
        die "the server did not restart"
    note "restarted ${dir}"
}

# The server down for a while, its data kept (the fault suite's "database stopped for a minute"); resume starts it.
pause_cluster() {
    [[ -e "${data_dir}/PG_VERSION" ]] || die "no cluster in ${dir}"
    local bindir user
    bindir="$(find_bindir)"
    user="$(server_user)"
    run_as "${user}" "${bindir}/pg_ctl" -D "${data_dir}" -w -t 60 -m fast stop >/dev/null || die "the server did not stop"
    note "paused ${dir}"
}

resume_cluster() {
    [[ -e "${data_dir}/PG_VERSION" ]] || die "no cluster in ${dir}"
    local bindir user
    bindir="$(find_bindir)"
    user="$(server_user)"
    run_as "${user}" "${bindir}/pg_ctl" -D "${data_dir}" -l "${log_file}" -w -t 60 start >/dev/null ||
        die "the server did not start"
    note "resumed ${dir}"
}

case "${command}" in
start) start_cluster ;;
stop) stop_cluster ;;
restart) restart_cluster ;;
pause) pause_cluster ;;
resume) resume_cluster ;;
*) usage ;;
esac
