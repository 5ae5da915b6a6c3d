/**
 * Jobs keyed by content, end to end (docs/downloads.md "Sources"): a job row from before
 * download_source gets its peer as a source and finishes (SQLite and PostgreSQL); the same
 * peer at a new address takes the job over without fetching its verified pieces again; and the
 * CLI: `--mirror` and `--source` checks (exit 2), `--source <remote>` with the remote's own key,
 * `peer downloads show` listing the sources.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { sql, type Kysely } from "kysely";
import { createPeerClient } from "../../client/index.js";
import { keyRef } from "../../client/remotes/key-ref.js";
import { clientMigrationProvider } from "../../client/store/migrations/index.js";
import { parseDatabaseUrl } from "../../common/store/database-url.js";
import { migrateStore } from "../../common/store/migrate-store.js";
import { openPostgres } from "../../common/store/postgres-pool.js";
import { openSqliteFile } from "../../common/store/sqlite-file.js";
import { dialectCases, type StoreLocation } from "../helpers/dialects.js";
import { runCli } from "../helpers/download-cli.js";
import { startManager, tempDir, waitFor } from "../helpers/download-fixtures.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { startThrottleProxy } from "../../bench/throttle-proxy.js";

let peer: TestPeer;
let work: { dir: string; remove: () => Promise<void> };
const small = randomBytes(300_000);
const big = randomBytes(4 * 1024 * 1024 + 123);
const reads: Array<{ itemId: string; offset: number; bytes: number }> = [];

before(async () => {
  peer = await startTestPeer({
    files: { "small.bin": small, "big.bin": big },
    hooks: { onChunkRead: (itemId, offset, bytes) => reads.push({ itemId, offset, bytes }) },
  });
  work = await tempDir();
  const client = createPeerClient({ baseUrl: peer.url, apiKey: peer.key });
  for (const name of ["small.bin", "big.bin"]) {
    await waitFor(
      async () => ((await client.statItem(`share/${name}`)).piecesRoot !== "" ? true : undefined),
      `root of ${name}`,
      120_000,
    );
  }
  client.close();
});
after(async () => {
  await peer.close();
  await work.remove();
});

async function dirs(name: string) {
  const cwd = path.join(work.dir, name);
  await mkdir(cwd, { recursive: true });
  return { cwd, state: path.join(cwd, "state") };
}

/** A bare handle on a location, to build the 0003 schema. */
async function bare(where: StoreLocation): Promise<Kysely<unknown>> {
  if (where.databaseUrl === undefined) {
    const file = path.join(where.dataDir, "downloads.db");
    return (await openSqliteFile<unknown>({ filename: file, label: "t", busyTimeoutMs: 5000 })).db;
  }
  const target = parseDatabaseUrl(where.databaseUrl);
  assert.ok(target.ok && target.value.kind === "postgres");
  return openPostgres<unknown>({ url: target.value.url, display: target.value.display, label: "t" });
}

for (const dialect of dialectCases()) {
  describe(`migration 0004 on ${dialect.name}`, { skip: dialect.skip, timeout: 300_000 }, () => {
    let where: StoreLocation;
    before(async () => {
      where = await dialect.location();
    });
    after(async () => {
      await where?.cleanup();
    });

    test("a job row from the 0003 schema gets its peer as its one source and finishes", async () => {
      const out = path.join(where.dataDir, "files");
      await mkdir(out);
      const destination = path.join(out, "small.bin");
      const old = await bare(where);
      try {
        await migrateStore(old, {
          provider: clientMigrationProvider,
          label: "downloads",
          name: "client",
          upTo: "0003_add_lease_token",
        });
        await sql`insert into download (id, peer_url, key_ref, transport, item_id, file_name, destination, part_path,
            committed_bytes, status, attempts, restarts, created_at, updated_at, lease_token)
          values ('old-job', ${peer.url}, ${keyRef(peer.key)}, 'connect', 'share/small.bin', 'small.bin',
            ${destination}, ${`${destination}.part`}, 0, 'queued', 0, 0, 1000, 1000, 0)`.execute(old);
      } finally {
        await old.destroy();
      }
      const tm = await startManager({
        dataDir: where.dataDir,
        databaseUrl: where.databaseUrl,
        downloadDir: out,
        keys: [peer.key],
      });
      try {
        const done = await tm.m.wait("old-job");
        assert.equal(done.status, "completed", JSON.stringify(done.error));
        assert.deepEqual(await readFile(destination), small);
        const sources = await tm.m.sources("old-job");
        assert.equal(sources.length, 1);
        assert.deepEqual(
          [sources[0]?.kind, sources[0]?.url, sources[0]?.primary, sources[0]?.itemId, sources[0]?.transport],
          ["peer", peer.url, true, "share/small.bin", "connect"],
        );
      } finally {
        await tm.m.close();
      }
      const check = await bare(where);
      try {
        const { rows } = await sql<{ id: string; key_ref: string }>`select id, key_ref from download_source`.execute(
          check,
        );
        assert.deepEqual(rows, [{ id: "old-job:0", key_ref: keyRef(peer.key) }], "a stable id derived from the job's");
      } finally {
        await check.destroy();
      }
    });
  });
}

test("the same peer at a new address takes the job over; its verified pieces are not fetched again", {
  timeout: 600_000,
}, async (t) => {
  const { cwd, state } = await dirs("moved");
  const port = Number(new URL(peer.url).port);
  const oldAddress = await startThrottleProxy({ targetPort: port, downBytesPerSecond: 256 * 1024 });
  const newAddress = await startThrottleProxy({ targetPort: port });
  t.after(async () => {
    await oldAddress.close();
    await newAddress.close();
  });
  const options = { dataDir: state, downloadDir: cwd, keys: [peer.key], checkpointBytes: 64 * 1024, checkpointMs: 100 };
  const first = await startManager(options);
  const id = await first.m.enqueue({ url: oldAddress.url, key: peer.key }, "share/big.bin");
  const before = await waitFor(
    async () => {
      const d = await first.m.get(id);
      const bytes = (d?.pieces?.verified ?? 0) * (d?.pieceLength ?? 0);
      return bytes >= 1024 * 1024 ? d : undefined;
    },
    "1 MiB of verified pieces",
    300_000,
  );
  await first.m.close();
  await oldAddress.cut(); // the laptop left that network
  const verified = await first.m.get(id).catch(() => undefined);
  assert.equal(verified, undefined, "a closed manager answers nothing");

  const second = await startManager(options, { runQueue: false });
  try {
    const d0 = await second.m.get(id);
    const kept = (d0?.pieces?.verified ?? 0) * (d0?.pieceLength ?? 0);
    assert.ok(kept >= (before.pieces?.verified ?? 0) * (before.pieceLength ?? 0), "the verified pieces are on record");
    reads.length = 0;
    const again = await second.m.enqueue({ url: newAddress.url, key: peer.key }, "share/big.bin");
    assert.equal(again, id, "the same job");
    const done = await second.m.wait(id);
    assert.equal(done.status, "completed", JSON.stringify(done.error));
    assert.equal(done.peerUrl, newAddress.url, "the new address is the primary");
    assert.deepEqual(await readFile(path.join(cwd, "big.bin")), big);
    const fetched = reads.filter((r) => r.itemId === "share/big.bin").reduce((n, r) => n + r.bytes, 0);
    const slack = 2 * (d0?.pieceLength ?? 0) + 64 * 1024;
    assert.ok(fetched <= big.length - kept + slack, `fetched ${fetched} bytes again; ${kept} were verified before`);
    const sources = await second.m.sources(id);
    assert.deepEqual(
      sources.map((s) => [s.url, s.primary]),
      [
        [oldAddress.url, false],
        [newAddress.url, true],
      ],
    );
    assert.equal(second.of("queued").length, 0, "no new job was queued");
  } finally {
    await second.m.close();
  }
});

test("peer get --mirror/--source checks exit 2 and create nothing", { timeout: 300_000 }, async () => {
  const { cwd, state } = await dirs("usage");
  const env = { PEER_KEY: peer.key, PEER_DATA_DIR: state };
  const mirrors = Array.from({ length: 16 }, (_, i) => ["--mirror", `https://m${i}.example/small.bin`]).flat();
  const cases: Array<[string, string[], RegExp]> = [
    [
      "a mirror with two items",
      ["share/small.bin", "share/big.bin", "--mirror", "https://m.example/f"],
      /exactly one item id \(got 2\)/,
    ],
    ["an ftp mirror", ["share/small.bin", "--mirror", "ftp://m.example/f"], /http:\/\/ or https:\/\/ URL, got "ftp:"/],
    ["a mirror with a password", ["share/small.bin", "--mirror", "https://u:pw@m.example/f"], /user name or password/],
    ["seventeen sources", ["share/small.bin", ...mirrors], /at most 16 sources.*got 17/],
    ["an unknown remote as a source", ["share/small.bin", "--source", "attic"], /no remote named "attic"/],
  ];
  const runs = await Promise.all(cases.map(([, args]) => runCli(["get", peer.url, ...args], { cwd, env })));
  for (const [i, [name, , message]] of cases.entries()) {
    const r = runs[i]!;
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, message, name);
    assert.ok(!r.stderr.includes("pw@"), `${name}: a password in a URL is not echoed back`);
  }
  const left = (await readdir(cwd)).filter((f) => f !== "state");
  assert.deepEqual(left, [], "no file was created");
  const stateFiles = await readdir(state).catch(() => [] as string[]);
  assert.ok(!stateFiles.includes("downloads.db"), "no job database was created");
});

test("peer get --source <remote> uses the remote's own key; peer downloads show lists both sources", {
  timeout: 600_000,
}, async (t) => {
  const friend = await startTestPeer({ files: { "small.bin": small } });
  t.after(() => friend.close());
  const { cwd, state } = await dirs("remote-source");
  const env = { PEER_DATA_DIR: state };
  const add = await runCli(["remote", "add", "friend", friend.url], { cwd, env: { ...env, PEER_KEY: friend.key } });
  assert.equal(add.code, 0, add.stderr);

  const get = await runCli(["get", peer.url, "share/small.bin", "--source", "friend", "--json"], {
    cwd,
    env: { ...env, PEER_KEY: peer.key },
  });
  assert.equal(get.code, 0, get.stderr);
  assert.ok(get.lines.some((l) => l.type === "completed"));
  assert.deepEqual(await readFile(path.join(cwd, "small.bin")), small);
  const id = String(get.lines.find((l) => l.type === "queued")?.id);

  const db = new Database(path.join(state, "downloads.db"), { readonly: true });
  try {
    const rows = db.prepare("select url, kind, key_ref from download_source order by created_at").all();
    assert.deepEqual(rows, [
      { url: peer.url, kind: "peer", key_ref: keyRef(peer.key) },
      { url: friend.url, kind: "peer", key_ref: keyRef(friend.key) },
    ]);
  } finally {
    db.close();
  }

  const [show, json] = await Promise.all([
    runCli(["downloads", "show", id.slice(0, 8)], { cwd, env }),
    runCli(["downloads", "show", id, "--json"], { cwd, env }),
  ]);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /sources \(2; peer\* = the primary peer\)/);
  assert.match(show.stdout, /KIND\s+URL\s+ITEM\s+DELIVERED\s+RATE\s+STATE\s+NOTE/);
  assert.match(show.stdout, new RegExp(`peer\\*\\s+${peer.url}\\s+share/small\\.bin`));
  assert.match(show.stdout, new RegExp(`peer\\s+${friend.url}\\s`));
  assert.equal(json.code, 0, json.stderr);
  const sources = json.lines[0]?.sources as Array<Record<string, unknown>>;
  assert.deepEqual(
    sources.map((s) => [s.kind, s.url, s.primary, s.state]),
    [
      ["peer", peer.url, true, "ready"],
      ["peer", friend.url, false, "ready"],
    ],
  );
  for (const out of [get.stdout, get.stderr, show.stdout, json.stdout])
    assert.ok(!out.includes(friend.key) && !out.includes(peer.key), "no key is printed");
});
