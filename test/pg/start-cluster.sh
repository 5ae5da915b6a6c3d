#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks (README "Several machines").
#
#   eval "$(test/pg/start-cluster.sh start [DIR])"   # prints export lines: PEER_TEST_DATABASE_URL, PEER_TEST_PG_DIR
#   test/pg/start-cluster.sh stop DIR                # stops the cluster and removes DIR
#
# The cluster lives in DIR (a new temp dir by default): data in DIR/data, the unix socket in DIR,
# the log in DIR/log. It listens on 127.0.0.1 on a free port, trusts local connections (it is
# throwaway: never point it at real data) and runs as an unprivileged user: as root it runs as
# "postgres" (the Debian package's user), otherwise as you. fsync is off: a crashed test cluster is
# thrown away, never recovered.
set -euo pipefail

find_bin() {
  local name=$1 dir
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/$name" ]; then echo "$dir/$name"; return; fi
  done
  echo "start-cluster: $name not found; install PostgreSQL (apt-get install postgresql)" >&2
  exit 1
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

start() {
  local dir=${1:-}
  if [ -z "$dir" ]; then dir=$(mktemp -d "${TMPDIR:-/tmp}/peer-pg.XXXXXX"); fi
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "start-cluster: running as root but there is no 'postgres' user" >&2; exit 1; }
    chown postgres "$dir"
  fi
  local initdb pg_ctl port
  initdb=$(find_bin initdb)
  pg_ctl=$(find_bin pg_ctl)
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$initdb" -D "$dir/data" -U peer --auth=trust --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
  fi
  port=$(cat "$dir/port" 2>/dev/null || free_port)
  echo "$port" >"$dir/port"
  as_owner "$pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null || {
    cat "$dir/log" >&2
    exit 1
  }
  echo "export PEER_TEST_DATABASE_URL=postgres://peer@127.0.0.1:$port/postgres"
  echo "export PEER_TEST_PG_DIR=$dir"
}

stop() {
  local dir=${1:?usage: start-cluster.sh stop DIR}
  local pg_ctl
  pg_ctl=$(find_bin pg_ctl)
  if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true; fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  # Stops without removing DIR (a later "start DIR" brings the same cluster back): restart tests.
  halt) "$(find_bin pg_ctl)" --version >/dev/null; as_owner "$(find_bin pg_ctl)" -D "${2:?DIR}/data" -m fast -w stop >/dev/null ;;
  *) echo "usage: $0 start [DIR] | stop DIR | halt DIR" >&2; exit 2 ;;
esac
