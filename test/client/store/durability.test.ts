/**
 * Crash safety with `synchronous = NORMAL` (client/store/database.ts): the database
 * runs in WAL mode with NORMAL sync, `makeCommitsDurable` fsyncs the WAL (a no-op in
 * memory), and a job whose `completed` commit was lost (part gone, destination in
 * place) is recognised on re-drive and completed without downloading again — but only
 * when the file is certainly the download (size, and digest or a full committed offset).
 * Real SQLite files, real files, a real peer for the case that must download.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { sql } from "kysely";
import {
  makeCommitsDurable,
  openDownloadsDatabase,
  openDownloadsDatabaseFile,
} from "../../../client/store/database.js";
import { insertDownload } from "../../../client/store/download.repository.js";
import type { NewDownloadRow } from "../../../client/store/download.table.js";
import { keyRef } from "../../../client/remotes/key-ref.js";
import { findFinishedDownload } from "../../../client/transfer/finished-download.js";
import { startTestPeer, type TestPeer } from "../../helpers/peer-server.js";
import { sha256, startManager, tempDir } from "../../helpers/download-fixtures.js";

let work: { dir: string; remove: () => Promise<void> };
let peer: TestPeer;
const data = randomBytes(300 * 1024 + 17);

before(async () => {
  work = await tempDir("peer-durable-");
  peer = await startTestPeer({ files: { "done.bin": data, "redo.bin": data } });
});
after(async () => {
  await peer.close();
  await work.remove();
});

test("the job database is WAL with synchronous = NORMAL; makeCommitsDurable fsyncs it (no-op in memory)", async () => {
  const db = await openDownloadsDatabase(path.join(work.dir, "pragma-db"));
  try {
    const mode = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(db);
    assert.equal(mode.rows[0]?.journal_mode, "wal");
    const sync = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(db);
    assert.equal(sync.rows[0]?.synchronous, 1, "NORMAL");
    await db
      .insertInto("download")
      .values(row("p1", path.join(work.dir, "p1")))
      .execute();
    await makeCommitsDurable(db);
  } finally {
    await db.destroy();
  }
  const mem = await openDownloadsDatabaseFile(":memory:");
  try {
    await makeCommitsDurable(mem);
  } finally {
    await mem.destroy();
  }
});

function row(id: string, destination: string, over: Partial<NewDownloadRow> = {}): NewDownloadRow {
  const t = Date.now();
  return {
    id,
    peer_url: peer.url,
    key_ref: keyRef(peer.key),
    transport: "connect",
    item_id: `share/${path.basename(destination)}`,
    file_name: path.basename(destination),
    destination,
    part_path: `${destination}.part`,
    expected_size: data.length,
    expected_etag: null,
    expected_sha256: sha256(data),
    committed_bytes: 0,
    status: "downloading",
    attempts: 1,
    restarts: 0,
    created_at: t,
    updated_at: t,
    ...over,
  };
}

test("findFinishedDownload: only a destination that is certainly the finished download", async () => {
  const dir = path.join(work.dir, "table");
  await import("node:fs/promises").then((f) => f.mkdir(dir));
  const dest = path.join(dir, "f.bin");
  await writeFile(dest, data);
  const r0 = row("t", dest);
  const base: Parameters<typeof findFinishedDownload>[0] = {
    status: "downloading",
    part_path: r0.part_path,
    destination: dest,
    expected_size: data.length,
    expected_sha256: sha256(data),
    committed_bytes: 0,
  };
  const cases: Array<[string, Parameters<typeof findFinishedDownload>[0], boolean]> = [
    ["digest matches", base, true],
    ["verifying, digest matches", { ...base, status: "verifying" }, true],
    ["queued: never started", { ...base, status: "queued" }, false],
    ["digest differs", { ...base, expected_sha256: sha256("other") }, false],
    ["size differs", { ...base, expected_size: data.length + 1 }, false],
    ["size unknown", { ...base, expected_size: null }, false],
    ["no digest, all bytes committed", { ...base, expected_sha256: null, committed_bytes: data.length }, true],
    ["no digest, not all committed", { ...base, expected_sha256: null, committed_bytes: data.length - 1 }, false],
    ["destination missing", { ...base, destination: path.join(dir, "missing.bin") }, false],
  ];
  for (const [name, r, found] of cases) {
    const got = await findFinishedDownload(r);
    assert.equal(got !== undefined, found, name);
    if (got !== undefined) assert.equal(got.size, data.length, name);
  }
  await writeFile(`${dest}.part`, data.subarray(0, 10));
  assert.equal(await findFinishedDownload(base), undefined, "a part file still exists: resume it instead");
});

test("re-drive completes a job whose completion commit was lost, without downloading; a wrong file is refused (overwrite: downloaded again)", async () => {
  const dataDir = path.join(work.dir, "redrive-db");
  const out = path.join(work.dir, "redrive-out");
  await import("node:fs/promises").then((f) => f.mkdir(out));
  const done = path.join(out, "done.bin");
  const redo = path.join(out, "redo.bin");
  const kept = path.join(out, "kept.bin");
  await writeFile(done, data); // renamed into place, then the power went out before `completed` was durable
  const wrong = Buffer.from(data);
  wrong[1000] = (wrong[1000] ?? 0) ^ 1;
  await writeFile(redo, wrong); // same size, other bytes: not the download
  await writeFile(kept, wrong); // the same, but the job may not replace it
  const db = await openDownloadsDatabase(dataDir);
  await insertDownload(db, row("done", done, { committed_bytes: 128 * 1024 }));
  await insertDownload(db, row("redo", redo, { created_at: Date.now() + 1, on_existing: "overwrite" }));
  await insertDownload(db, row("kept", kept, { created_at: Date.now() + 2 }));
  await db.destroy();

  const tm = await startManager({ dataDir, downloadDir: out, keys: [peer.key] });
  try {
    const a = await tm.m.wait("done");
    assert.equal(a.status, "completed", JSON.stringify(a.error));
    assert.equal(a.committedBytes, data.length);
    assert.equal(tm.events.filter((e) => e.id === "done" && e.type === "started").length, 0, "not downloaded again");
    const completed = tm.of("completed").find((e) => e.id === "done");
    assert.equal(completed?.sha256, sha256(data));
    assert.equal(completed?.digestVerified, true);
    const b = await tm.m.wait("redo");
    assert.equal(b.status, "completed", JSON.stringify(b.error));
    assert.ok(
      tm.events.some((e) => e.id === "redo" && e.type === "started"),
      "downloaded",
    );
    assert.deepEqual(await readFile(redo), data);
    assert.deepEqual(await readFile(done), data);
    const c = await tm.m.wait("kept");
    assert.equal(c.status, "failed");
    assert.equal(c.error?.code, "destination-exists");
    assert.match(c.error?.message ?? "", /--rename.*--overwrite/);
    assert.ok(!tm.events.some((e) => e.id === "kept" && e.type === "started"), "nothing fetched");
    assert.deepEqual(await readFile(kept), wrong, "left alone");
  } finally {
    await tm.m.close();
  }
});
