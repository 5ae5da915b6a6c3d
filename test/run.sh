#!/usr/bin/env bash
# Runs every test file under test/ with Node's built-in runner (through tsx).
# Node 20 neither expands globs nor finds .ts files by default, so the files
# are listed here; the run fails if no test ran (see docs/connect-notes.md).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find test -name '*.test.ts' | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "no test files found under test/" >&2
  exit 1
fi
out=$(mktemp)
pg_dir=""
cleanup() {
  rm -f "$out"
  if [ -n "$pg_dir" ]; then bash test/pg/start-cluster.sh stop "$pg_dir"; fi
}
trap cleanup EXIT
# The store suites run on SQLite and PostgreSQL. .ci/run provides a cluster; otherwise start a
# throwaway one if PostgreSQL is installed. Without it the PostgreSQL cases print why and skip,
# except under CI=true, where they fail (test/helpers/pg.ts).
if [ -z "${PEER_TEST_DATABASE_URL:-}" ]; then
  if started=$(bash test/pg/start-cluster.sh start 2>"$out"); then
    eval "$started"
    pg_dir=$PEER_TEST_PG_DIR
  else
    echo "PostgreSQL could not start ($(tail -1 "$out")); its test cases will say so" >&2
  fi
fi
status=0
node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-reporter=tap "$@" "${files[@]}" 2>&1 | tee "$out" || status=$?
# The TAP reporter closes with "# tests N", "# pass N", "# fail N"; refuse a
# run that executed nothing.
count=$(grep -Eo '^# tests [0-9]+' "$out" | tail -1 | grep -Eo '[0-9]+' || echo 0)
if [ "$count" -eq 0 ]; then
  echo "the test runner ran zero tests" >&2
  exit 1
fi
exit "$status"
