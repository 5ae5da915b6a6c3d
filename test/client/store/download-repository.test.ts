import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Kysely } from "kysely";
import {
  openDownloadsDatabase,
  openDownloadsDatabaseFile,
  type ClientDatabase,
} from "../../../client/store/database.js";
import * as repo from "../../../client/store/download.repository.js";
import type { NewDownloadRow } from "../../../client/store/download.table.js";
import { toDownload } from "../../../client/store/download-mapper.js";
import { downloadRow } from "../../helpers/download-rows.js";

let dir: string;
let db: Kysely<ClientDatabase>;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "peer-store-"));
  db = await openDownloadsDatabase(dir);
});
after(async () => {
  await db.destroy();
  await rm(dir, { recursive: true, force: true });
});

const row = downloadRow;

test("opening runs the migrations; WAL and busy_timeout are set; reopening is a no-op", async () => {
  const again = await openDownloadsDatabase(dir);
  const { rows } = await (await import("kysely")).sql<{ journal_mode: string }>`pragma journal_mode`.execute(again);
  assert.equal(rows[0]?.journal_mode, "wal");
  const busy = await (await import("kysely")).sql<{ timeout: number }>`pragma busy_timeout`.execute(again);
  assert.ok(Number(Object.values(busy.rows[0] ?? {})[0]) >= 1000);
  await again.destroy();
});

test("the database refuses two live rows for one destination (partial unique index)", async () => {
  await repo.insertDownload(db, row({ id: "live-1", destination: "/dl/same" }));
  await assert.rejects(repo.insertDownload(db, row({ id: "live-2", destination: "/dl/same" })), /UNIQUE/);
  for (const status of ["downloading", "verifying", "paused"] as const) {
    await assert.rejects(
      repo.insertDownload(db, row({ id: `live-${status}`, destination: "/dl/same", status })),
      /UNIQUE/,
      status,
    );
  }
  // Finished rows do not hold the destination.
  await repo.updateDownloadIfStatus(db, "live-1", ["queued"], { status: "completed" });
  await repo.insertDownload(db, row({ id: "live-3", destination: "/dl/same" }));
  await repo.insertDownload(db, row({ id: "done-1", destination: "/dl/same", status: "failed" }));
  await repo.insertDownload(db, row({ id: "done-2", destination: "/dl/same", status: "cancelled" }));
  assert.equal((await repo.findLiveByDestination(db, "/dl/same"))?.id, "live-3");
});

test("a CHECK constraint refuses unknown statuses", async () => {
  await assert.rejects(repo.insertDownload(db, row({ status: "bogus" as never })), /CHECK/);
});

test("claims are compare-and-set: one owner at a time; expiry and dead owners release", async () => {
  await repo.insertDownload(db, row({ id: "claim-1" }));
  const now = 10_000;
  assert.equal(await repo.claimDownload(db, { id: "claim-1", owner: "A", nowMs: now, leaseMs: 1000 }), true);
  assert.equal(
    await repo.claimDownload(db, { id: "claim-1", owner: "B", nowMs: now + 10, leaseMs: 1000 }),
    false,
    "held by A",
  );
  assert.equal(
    await repo.claimDownload(db, { id: "claim-1", owner: "A", nowMs: now + 20, leaseMs: 1000 }),
    true,
    "A again is fine",
  );
  assert.equal(await repo.renewLease(db, "claim-1", "A", now + 500, 1000), true);
  assert.equal(await repo.renewLease(db, "claim-1", "B", now + 500, 1000), false);
  assert.equal(
    await repo.claimDownload(db, { id: "claim-1", owner: "B", nowMs: now + 1400, leaseMs: 1000 }),
    false,
    "renewed until 11500",
  );
  assert.equal(
    await repo.claimDownload(db, { id: "claim-1", owner: "B", nowMs: now + 1400, leaseMs: 1000, deadOwner: "A" }),
    true,
    "A is dead",
  );
  assert.equal(await repo.updateOwnedDownload(db, "claim-1", "A", { committed_bytes: 5 }), false, "A lost the row");
  assert.equal(await repo.updateOwnedDownload(db, "claim-1", "B", { committed_bytes: 5 }), true);
  assert.equal(
    await repo.claimDownload(db, { id: "claim-1", owner: "C", nowMs: now + 2401, leaseMs: 1000 }),
    true,
    "expired",
  );
  // Finished rows are never claimed.
  await repo.updateOwnedDownload(db, "claim-1", "C", { status: "completed" });
  assert.equal(await repo.claimDownload(db, { id: "claim-1", owner: "D", nowMs: now + 99_999, leaseMs: 1000 }), false);
});

test("claimable rows: runnable, unleased or expired, oldest first", async () => {
  const mem = await openDownloadsDatabaseFile(":memory:");
  try {
    await repo.insertDownload(mem, row({ id: "q1", created_at: 1 }));
    await repo.insertDownload(
      mem,
      row({ id: "q2", created_at: 2, status: "downloading", lease_owner: "X", lease_expires_at: 50 }),
    );
    await repo.insertDownload(
      mem,
      row({ id: "q3", created_at: 3, status: "downloading", lease_owner: "Y", lease_expires_at: 500 }),
    );
    await repo.insertDownload(mem, row({ id: "q4", created_at: 4, status: "paused" }));
    await repo.insertDownload(mem, row({ id: "q5", created_at: 5, status: "failed" }));
    assert.deepEqual(
      (await repo.findClaimableRows(mem, 100)).map((r) => r.id),
      ["q1", "q2"],
    );
    assert.deepEqual((await repo.findLeasedRows(mem)).map((r) => r.id).sort(), ["q2", "q3"]);
    assert.deepEqual(
      (await repo.listDownloadRows(mem, ["paused", "failed"])).map((r) => r.id),
      ["q5", "q4"],
    );
  } finally {
    await mem.destroy();
  }
});

test("id prefixes: unique match, several, none; LIKE wildcards are literal", async () => {
  const mem = await openDownloadsDatabaseFile(":memory:");
  try {
    await repo.insertDownload(mem, row({ id: "abcd-1111" }));
    await repo.insertDownload(mem, row({ id: "abcd-2222" }));
    await repo.insertDownload(mem, row({ id: "a%cd-3333" }));
    assert.deepEqual(
      (await repo.findDownloadRowsByIdPrefix(mem, "abcd-1")).map((r) => r.id),
      ["abcd-1111"],
    );
    assert.equal((await repo.findDownloadRowsByIdPrefix(mem, "abcd")).length, 2);
    assert.deepEqual(
      (await repo.findDownloadRowsByIdPrefix(mem, "a%")).map((r) => r.id),
      ["a%cd-3333"],
    );
    assert.equal((await repo.findDownloadRowsByIdPrefix(mem, "zz")).length, 0);
  } finally {
    await mem.destroy();
  }
});

test("countOtherLiveRowsReferring sees destinations and part files of other live rows only", async () => {
  const mem = await openDownloadsDatabaseFile(":memory:");
  try {
    await repo.insertDownload(mem, row({ id: "me", destination: "/d/x", part_path: "/d/x.part", status: "cancelled" }));
    await repo.insertDownload(mem, row({ id: "other", destination: "/d/x", part_path: "/d/x.part", status: "queued" }));
    await repo.insertDownload(
      mem,
      row({ id: "old", destination: "/d/y", part_path: "/d/y.part", status: "completed" }),
    );
    assert.equal(await repo.countOtherLiveRowsReferring(mem, "me", ["/d/x"]), 1);
    assert.equal(await repo.countOtherLiveRowsReferring(mem, "me", ["/d/x.part"]), 1);
    assert.equal(await repo.countOtherLiveRowsReferring(mem, "me", ["/d/y"]), 0, "completed rows do not hold files");
    assert.equal(await repo.deleteDownloadRow(mem, "me"), true);
    assert.equal(await repo.deleteDownloadRow(mem, "me"), false);
  } finally {
    await mem.destroy();
  }
});

test("toDownload maps numbers given as strings (PostgreSQL bigint) and nulls", () => {
  const d = toDownload({
    ...(row({ id: "m" }) as Required<NewDownloadRow>),
    expected_size: "123" as never,
    committed_bytes: "45" as never,
    attempts: 2,
    restarts: 0,
    error_code: "network",
    error_message: "x",
    next_attempt_at: null,
    lease_owner: null,
    lease_expires_at: null,
    completed_at: null,
    expected_sha256: null,
  } as never);
  assert.equal(d.size, 123);
  assert.equal(d.committedBytes, 45);
  assert.deepEqual(d.error, { code: "network", message: "x" });
  assert.equal(d.completedAt, null);
});

test("several processes opening a fresh database at once all migrate it (no 'already exists' race)", async () => {
  const fresh = await mkdtemp(path.join(os.tmpdir(), "peer-store-race-"));
  try {
    const { spawn } = await import("node:child_process");
    // Each child loads the module, then waits for a common start time so the opens overlap.
    const script = `import { openDownloadsDatabase } from ${JSON.stringify(new URL("../../../client/store/database.ts", import.meta.url).pathname)};
      await new Promise((r) => setTimeout(r, Math.max(0, Number(process.argv[2]) - Date.now())));
      const db = await openDownloadsDatabase(process.argv[1]); await db.destroy(); console.log("ok");`;
    const startAt = String(Date.now() + 6000);
    const runs = Array.from(
      { length: 4 },
      () =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          const child = spawn(
            process.execPath,
            ["--import", "tsx", "--input-type=module", "-e", script, fresh, startAt],
            { stdio: ["ignore", "pipe", "pipe"] },
          );
          let out = "";
          child.stdout.on("data", (b: Buffer) => (out += b.toString()));
          child.stderr.on("data", (b: Buffer) => (out += b.toString()));
          child.on("close", (code) => resolve({ code, out }));
        }),
    );
    for (const r of await Promise.all(runs)) assert.equal(r.code, 0, r.out);
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
});
