#!/usr/bin/env bash
# Makes a PostgreSQL primary and a streaming replica of it on free loopback ports, runs the given
# command with PRIMARY_URL and REPLICA_URL set, then stops and removes both.
#
#   scripts/replica-pair.sh sh -c 'DATABASE_URL=$PRIMARY_URL JIUYE_TEST_READ_DATABASE_URL=$REPLICA_URL cargo test …'
#
# The clusters run as the `postgres` user (PostgreSQL does not run as root) in a directory of
# their own; the server on 5432 is not touched.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "replica-pair: PostgreSQL server binaries not found under /usr/lib/postgresql" >&2; exit 1; }
dir=$(mktemp -d /tmp/jiuye-replica.XXXXXX)
if [ "$(id -u)" = 0 ]; then
    chown postgres "$dir"
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
primary_port=$(free_port)
replica_port=$(free_port)
while [ "$replica_port" = "$primary_port" ]; do replica_port=$(free_port); done

stop() {
    as_pg "$bin/pg_ctl" -D "$dir/replica" -m immediate stop >/dev/null 2>&1 || true
    as_pg "$bin/pg_ctl" -D "$dir/primary" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT

settings="-c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=300 -c fsync=off -c full_page_writes=off"
as_pg "$bin/initdb" -D "$dir/primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$bin/pg_ctl" -D "$dir/primary" -l "$dir/primary.log" -w -o "-p $primary_port $settings" start >/dev/null
as_pg "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$dir/replica" -R -X stream -c fast
as_pg "$bin/pg_ctl" -D "$dir/replica" -l "$dir/replica.log" -w -o "-p $replica_port $settings -c hot_standby=on" start >/dev/null

in_recovery=$(psql -h 127.0.0.1 -p "$replica_port" -U postgres -d postgres -Atc 'SELECT pg_is_in_recovery()')
streaming=$(psql -h 127.0.0.1 -p "$primary_port" -U postgres -d postgres -Atc "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
echo "replica-pair: primary 127.0.0.1:$primary_port, replica 127.0.0.1:$replica_port (in recovery: $in_recovery, streaming: $streaming)"
[ "$in_recovery" = t ] || { echo "replica-pair: the replica is not a standby" >&2; exit 1; }

export PRIMARY_URL="postgres://postgres@127.0.0.1:$primary_port/postgres"
export REPLICA_URL="postgres://postgres@127.0.0.1:$replica_port/postgres"
"$@"
