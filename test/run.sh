#!/usr/bin/env bash
# Runs every test file under test/ with Node's built-in runner (through tsx).
# Node 20 neither expands globs nor finds .ts files by default, so the files
# are listed here; the run fails if no test ran (see docs/connect-notes.md).
#
#   bash test/run.sh [node --test options…]          # npm test: every *.test.ts
#   bash test/run.sh --unit [node --test options…]   # npm run test:unit: the files listed in test/unit.txt
#
# How the time is spent and why the defaults are what they are: CONTRIBUTING.md, Tests.
set -euo pipefail
cd "$(dirname "$0")/.."
unit=false
if [ "${1:-}" = "--unit" ]; then
  unit=true
  shift
fi
# The edit loop's files: pure modules only (no servers, child processes, PostgreSQL). A listed
# file that is gone fails both runs (CI runs npm test), rather than shrinking the list unseen.
mapfile -t unit_files < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' test/unit.txt | grep -v '^$')
for f in "${unit_files[@]}"; do
  [ -f "$f" ] || { echo "test/unit.txt lists $f, which does not exist" >&2; exit 1; }
done
if $unit; then
  files=("${unit_files[@]}")
else
  mapfile -t files < <(find test -name '*.test.ts' | sort)
fi
if [ "${#files[@]}" -eq 0 ]; then
  echo "no test files found under test/" >&2
  exit 1
fi
out=$(mktemp)
pg_dir=""
cli_dir=""
cleanup() {
  rm -f "$out"
  if [ -n "$pg_dir" ]; then bash test/pg/start-cluster.sh stop "$pg_dir"; fi
  if [ -n "$cli_dir" ]; then rm -rf "$cli_dir"; fi
}
trap cleanup EXIT
if ! $unit; then
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
  # The `peer` children of the CLI and end-to-end tests run a bundle of this run's sources (what
  # dist/cli/ ships) instead of the sources through tsx: about 6 times less CPU per start
  # (test/helpers/peer-command.ts). It lives two levels below the repository, as dist/cli does.
  if [ -z "${PEER_TEST_CLI:-}" ]; then
    cli_dir=.tmp/test-cli-$$
    node scripts/build.mjs --cli-only "$cli_dir"
    export PEER_TEST_CLI="$PWD/$cli_dir/entry.js"
  fi
fi
# Files at once: 3 for the whole suite, 2 (the cores) for the pure files. Many suite files wait on
# sockets, throttled links and child processes, so a third overlaps those waits: on the 2-core dev
# machine the runner took 271 s at 3 against 364 s at 2 (one run each, other jobs at load 4-6;
# CONTRIBUTING.md, Tests). The pure files only compute.
concurrency=${TEST_CONCURRENCY:-$($unit && echo 2 || echo 3)}
status=0
node --import tsx --test --test-concurrency="$concurrency" --test-reporter=tap "$@" "${files[@]}" 2>&1 | tee "$out" || status=$?
# The TAP reporter closes with "# tests N", "# pass N", "# fail N"; refuse a
# run that executed nothing.
count=$(grep -Eo '^# tests [0-9]+' "$out" | tail -1 | grep -Eo '[0-9]+' || echo 0)
if [ "$count" -eq 0 ]; then
  echo "the test runner ran zero tests" >&2
  exit 1
fi
exit "$status"
