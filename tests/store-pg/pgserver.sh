# tests/store-pg/pgserver.sh - a throwaway PostgreSQL server on loopback for
# the tests; sourced by tests/store-pg/run and tests/e2e/pg.
#
#   pg_install      postgresql's programs, installed with apt-get when missing
#                   (as root); 1 when they are not there and cannot be
#   pg_start DB     a new cluster in a new temporary folder owned by the
#                   server's user (the server refuses to run as root; as
#                   another user it runs as that user), listening on
#                   127.0.0.1 at a free port only, its unix socket in that
#                   folder; trust authentication for 127.0.0.1 and the socket
#                   only; role "sekisho" owning database DB (UTF8).  Sets
#                   PG_CONNINFO (libpq connection string), PG_PORT, PG_TMP.
#   pg_psql DB ARGS psql as the superuser, unaligned tuples only
#   pg_stop         stops the server (fast) and removes the folder; safe to
#                   call twice or when nothing was started
#
# Nothing here touches a cluster the system may run (no pg_ctlcluster, no
# port 5432 unless it happens to be free).

PG_BIN=
PG_TMP=
PG_PORT=
PG_CONNINFO=

pg_bindir() {
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/psql" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

pg_install() {
	pg_bindir >/dev/null && return 0
	[ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
	echo "installing postgresql with apt-get" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends postgresql >&2 ||
	    { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends postgresql >&2; } ||
	    return 1
	pg_bindir >/dev/null
}

# Run a server program as the server's user.
pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pg_psql() {
	local db=$1
	shift
	"$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$db" "$@"
}

pg_start() {
	local db=${1:-sekisho} try
	PG_BIN=$(pg_bindir) || { echo "no PostgreSQL programs under /usr/lib/postgresql" >&2; return 1; }
	PG_TMP=$(mktemp -d /tmp/sk-pg.XXXXXX) || return 1
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$PG_TMP" || return 1
	fi
	if ! pg_as "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres -E UTF8 --locale=C.UTF-8 \
	    -A trust >"$PG_TMP/initdb.log" 2>&1; then
		echo "initdb failed:" >&2
		tail -5 "$PG_TMP/initdb.log" >&2
		return 1
	fi
	printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' |
	    pg_as tee "$PG_TMP/data/pg_hba.conf" >/dev/null
	for try in 1 2 3; do
		PG_PORT=$(pg_free_port)
		if pg_as "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 \
		    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_TMP" \
		    start >/dev/null 2>&1; then
			break
		fi
		if [ "$try" -eq 3 ]; then
			echo "PostgreSQL did not start:" >&2
			tail -5 "$PG_TMP/server.log" >&2
			return 1
		fi
	done
	pg_psql postgres -c "CREATE ROLE sekisho LOGIN" \
	    -c "CREATE DATABASE \"$db\" OWNER sekisho ENCODING 'UTF8' TEMPLATE template0" || return 1
	PG_CONNINFO="host=127.0.0.1 port=$PG_PORT dbname=$db user=sekisho"
	echo "PostgreSQL $("$PG_BIN/postgres" --version | sed -n 's/^postgres (PostgreSQL) \([^ ]*\).*/\1/p') on 127.0.0.1:$PG_PORT, data in $PG_TMP/data"
}

pg_stop() {
	local pid
	[ -n "$PG_TMP" ] && [ -d "$PG_TMP" ] || return 0
	if [ -f "$PG_TMP/data/postmaster.pid" ]; then
		pg_as "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m fast -w -t 30 stop >/dev/null 2>&1 || {
			# the server this script started, by its own pid file
			pid=$(head -1 "$PG_TMP/data/postmaster.pid" 2>/dev/null)
			[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
			sleep 1
		}
	fi
	rm -rf "$PG_TMP"
	PG_TMP=
}
