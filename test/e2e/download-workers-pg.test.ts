/**
 * Several download workers on one PostgreSQL queue, as real `peer` processes:
 * `peer downloads add` queues, three `peer downloads run --worker` processes share
 * the work (every file completed exactly once, byte-identical), and bad or
 * unreachable `--database` URLs fail clearly with exit 1, creating nothing.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { runCli, spawnCli } from "../helpers/download-cli.js";
import { sha256, tempDir } from "../helpers/download-fixtures.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { freshDatabase, pgSkipReason, type FreshDatabase } from "../helpers/pg.js";

const FILES = 24;

test("a bad --database URL or a refused connection: a clear error naming the host and cause, exit 1, nothing created", async () => {
  const work = await tempDir("peer-baddb-");
  try {
    const state = path.join(work.dir, "state");
    const env = { PEER_KEY: "peer_0000000000000000_x", PEER_DATA_DIR: state };
    const cases: Array<[string, string[], RegExp]> = [
      [
        "get, refused",
        ["get", "http://127.0.0.1:1", "s/a", "--database", "postgres://u:s3cret@127.0.0.1:1/peer"],
        /127\.0\.0\.1:1\/peer.*ECONNREFUSED/,
      ],
      [
        "keys list, refused",
        ["keys", "list", "--database", "postgresql://127.0.0.1:1/peer"],
        /127\.0\.0\.1:1\/peer.*ECONNREFUSED/,
      ],
      [
        "downloads list, unknown host",
        ["downloads", "list", "--database", "postgres://no-such-host.invalid/peer"],
        /no-such-host\.invalid:5432\/peer.*(ENOTFOUND|EAI_AGAIN)/,
      ],
      [
        "serve, refused",
        ["serve", "--share", `s=${work.dir}`, "--listen", "127.0.0.1:0", "--database", "postgres://127.0.0.1:1/peer"],
        /127\.0\.0\.1:1\/peer.*ECONNREFUSED/,
      ],
      [
        "keys create, bad scheme",
        ["keys", "create", "--name", "x", "--database", "mysql://db/peer"],
        /unsupported database scheme "mysql:"/,
      ],
    ];
    for (const [name, args, message] of cases) {
      const run = await runCli(args, { cwd: work.dir, env });
      assert.equal(run.code, 1, `${name}: ${run.stderr}`);
      assert.match(run.stderr, message, name);
      assert.doesNotMatch(run.stderr + run.stdout, /s3cret/, `${name}: the password is never printed`);
      assert.doesNotMatch(run.stderr, /unexpected error/, `${name}: an expected failure`);
      assert.equal(existsSync(state), false, `${name}: no data dir was created`);
    }
  } finally {
    await work.remove();
  }
});

describe("three workers on one PostgreSQL queue", { skip: pgSkipReason(), timeout: 600_000 }, () => {
  let peer: TestPeer;
  let db: FreshDatabase;
  let work: { dir: string; remove: () => Promise<void> };
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < FILES; i++) files[`f${String(i).padStart(3, "0")}.bin`] = randomBytes(64 * 1024 + i);

  before(async () => {
    peer = await startTestPeer({ files });
    db = await freshDatabase();
    work = await tempDir("peer-workers-");
  });
  after(async () => {
    await peer?.close();
    await db?.drop();
    await work?.remove();
  });

  test("add queues without running; three --worker processes complete every file exactly once", async () => {
    const out = path.join(work.dir, "out");
    await mkdir(out);
    const env = { PEER_KEY: peer.key, PEER_DATABASE_URL: db.url, PEER_DATA_DIR: path.join(work.dir, "unused") };
    const ids = Object.keys(files).map((f) => `share/${f}`);
    const added = await runCli(["downloads", "add", peer.url, ...ids, "--out", out, "--json"], { cwd: work.dir, env });
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.lines.filter((l) => l.queued === true).length, FILES);
    const queued = await runCli(["downloads", "list", "--status", "queued", "--json"], { cwd: work.dir, env });
    assert.equal(queued.lines.length, FILES, "queued, not run");
    assert.equal(existsSync(path.join(out, "f000.bin")), false);

    const workers = ["w1", "w2", "w3"].map((name) =>
      spawnCli(["downloads", "run", "--worker", name, "--until-empty", "--concurrency", "2", "--json"], {
        cwd: work.dir,
        env,
      }),
    );
    const runs = await Promise.all(workers.map((w) => w.done));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const completed = runs.flatMap((r) => r.lines.filter((l) => l.type === "completed").map((l) => String(l.id)));
    assert.equal(completed.length, FILES, "one completion per job across all workers");
    assert.equal(new Set(completed).size, FILES, "no job completed twice");
    for (const [name, bytes] of Object.entries(files)) {
      assert.equal(sha256(await readFile(path.join(out, name))), sha256(bytes), name);
    }
    const list = await runCli(["downloads", "list", "--json"], { cwd: work.dir, env });
    assert.equal(list.lines.length, FILES);
    assert.ok(list.lines.every((l) => l.status === "completed"));
    assert.equal(existsSync(path.join(work.dir, "unused")), false, "no SQLite file when --database is given");
  });
});
