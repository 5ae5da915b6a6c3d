/**
 * The job queue on both dialects (SQLite file, PostgreSQL): claims, lease renewal,
 * fencing tokens, re-drive after expiry, claim-next under concurrency, the fenced
 * rename, and the constraints.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Kysely } from "kysely";
import { isUniqueViolation } from "../../../common/store/dialect.js";
import { openDownloadsDatabase, type ClientDatabase } from "../../../client/store/database.js";
import * as repo from "../../../client/store/download.repository.js";
import * as sourcesRepo from "../../../client/store/download-source.repository.js";
import { dialectCases, type StoreLocation } from "../../helpers/dialects.js";
import { downloadRow } from "../../helpers/download-rows.js";

const row = downloadRow;

for (const dialect of dialectCases()) {
  describe(`download queue on ${dialect.name}`, { skip: dialect.skip, timeout: 120_000 }, () => {
    let where: StoreLocation;
    let db: Kysely<ClientDatabase>;
    before(async () => {
      where = await dialect.location();
      db = await openDownloadsDatabase(where.dataDir, { databaseUrl: where.databaseUrl });
    });
    after(async () => {
      await db?.destroy();
      await where?.cleanup();
    });

    test("rows come back with numbers, not strings (int8 parsed as on SQLite)", async () => {
      await repo.insertDownload(db, row({ id: "types", expected_size: 2 ** 40, created_at: 1_790_000_000_000 }));
      const r = await repo.getDownloadRow(db, "types");
      assert.equal(r?.expected_size, 2 ** 40);
      assert.equal(r?.created_at, 1_790_000_000_000);
      assert.equal(r?.lease_token, 0);
      assert.equal(r?.attempts, 0);
    });

    test("constraints: one live row per destination, known statuses only", async () => {
      await repo.insertDownload(db, row({ id: "c1", destination: "/dl/same" }));
      await assert.rejects(repo.insertDownload(db, row({ id: "c2", destination: "/dl/same" })), (e) =>
        isUniqueViolation(e),
      );
      await assert.rejects(repo.insertDownload(db, row({ id: "c1", destination: "/dl/other" })), (e) =>
        isUniqueViolation(e),
      );
      await repo.insertDownload(db, row({ id: "c3", destination: "/dl/same", status: "completed" }));
      await assert.rejects(repo.insertDownload(db, row({ status: "bogus" as never })), /CHECK|check constraint/);
    });

    test("claimAndStart: one statement takes the lease and starts an attempt, returning the row", async () => {
      await repo.insertDownload(db, row({ id: "s1", next_attempt_at: 5 }));
      const t0 = 20_000;
      const a = await repo.claimAndStart(db, { id: "s1", owner: "A", nowMs: t0, leaseMs: 1000 });
      assert.equal(a?.status, "downloading");
      assert.equal(a?.attempts, 1);
      assert.equal(a?.lease_token, 1);
      assert.equal(a?.lease_owner, "A");
      assert.equal(a?.lease_expires_at, t0 + 1000);
      assert.equal(a?.next_attempt_at, null);
      assert.deepEqual(await repo.getDownloadRow(db, "s1"), a, "the row returned is the row stored");
      assert.equal(
        await repo.claimAndStart(db, { id: "s1", owner: "B", nowMs: t0 + 10, leaseMs: 1000 }),
        undefined,
        "held by A: not won, nothing changed",
      );
      assert.equal((await repo.getDownloadRow(db, "s1"))?.attempts, 1);
      const again = await repo.claimAndStart(db, { id: "s1", owner: "A", nowMs: t0 + 20, leaseMs: 1000 });
      assert.equal(again?.attempts, 2, "every claim that starts an attempt counts it");
      assert.equal(again?.lease_token, 2, "and fences off the older claim");
      await repo.updateOwnedDownload(db, "s1", "A", { status: "completed", lease_owner: null }, 2);
      assert.equal(
        await repo.claimAndStart(db, { id: "s1", owner: "A", nowMs: t0 + 30, leaseMs: 1000 }),
        undefined,
        "a finished row is never claimed",
      );
    });

    test("insertSources: a new job's sources in one statement, oldest first in the order given", async () => {
      await repo.insertDownload(db, row({ id: "src1" }));
      const specs = [
        { kind: "peer" as const, url: "http://a:1", keyRef: "k", transport: "connect", itemId: "s/f", etag: '"e"' },
        { kind: "peer" as const, url: "http://b:1", keyRef: "k", transport: "http", itemId: null },
        { kind: "mirror" as const, url: "https://m/f" },
      ];
      await sourcesRepo.insertSources(db, "src1", specs, 1_000);
      const rows = await sourcesRepo.listSources(db, "src1");
      assert.deepEqual(
        rows.map((r) => [r.url, r.kind, r.item_id, r.etag, r.transport, r.created_at, r.bytes_delivered]),
        [
          ["http://a:1", "peer", "s/f", '"e"', "connect", 1_000, 0],
          ["http://b:1", "peer", null, null, "http", 1_001, 0],
          ["https://m/f", "mirror", null, null, null, 1_002, 0],
        ],
      );
      await sourcesRepo.insertSources(db, "src1", [], 2_000);
      assert.equal((await sourcesRepo.listSources(db, "src1")).length, 3, "no spec, no statement");
    });

    test("claims: compare-and-set, the token grows with every claim, renewal and writes need it", async () => {
      await repo.insertDownload(db, row({ id: "k1" }));
      const t0 = 10_000;
      const a1 = await repo.claimDownloadLease(db, { id: "k1", owner: "A", nowMs: t0, leaseMs: 1000 });
      assert.equal(a1, 1);
      assert.equal(
        await repo.claimDownloadLease(db, { id: "k1", owner: "B", nowMs: t0 + 10, leaseMs: 1000 }),
        undefined,
        "held by A",
      );
      assert.equal(await repo.renewLease(db, "k1", "A", t0 + 500, 1000, a1), true, "renewal with the token");
      assert.equal(
        await repo.claimDownloadLease(db, { id: "k1", owner: "B", nowMs: t0 + 1400, leaseMs: 1000 }),
        undefined,
        "renewed",
      );
      // A claims again (a second attempt of the same process): its older claim is fenced off.
      const a2 = await repo.claimDownloadLease(db, { id: "k1", owner: "A", nowMs: t0 + 1500, leaseMs: 1000 });
      assert.equal(a2, 2);
      assert.equal(await repo.updateOwnedDownload(db, "k1", "A", { committed_bytes: 5 }, a1), false, "old token");
      assert.equal(await repo.renewLease(db, "k1", "A", t0 + 1600, 1000, a1), false, "old token cannot renew");
      assert.equal(await repo.updateOwnedDownload(db, "k1", "A", { committed_bytes: 5 }, a2), true);
      // Expiry: B takes over; A can neither write nor renew any more.
      const b = await repo.claimDownloadLease(db, { id: "k1", owner: "B", nowMs: t0 + 2600, leaseMs: 1000 });
      assert.equal(b, 3);
      assert.equal(await repo.updateOwnedDownload(db, "k1", "A", { committed_bytes: 9 }, a2), false);
      assert.equal(await repo.renewLease(db, "k1", "A", t0 + 2700, 1000, a2), false);
      assert.equal((await repo.getDownloadRow(db, "k1"))?.committed_bytes, 5);
      // Finished rows are never claimed.
      assert.equal(await repo.updateOwnedDownload(db, "k1", "B", { status: "completed", lease_owner: null }, b), true);
      assert.equal(
        await repo.claimDownloadLease(db, { id: "k1", owner: "C", nowMs: t0 + 99_999, leaseMs: 1000 }),
        undefined,
      );
    });

    test("the fenced rename runs only for the current claim, and holds the row while it runs", async () => {
      await repo.insertDownload(db, row({ id: "r1" }));
      const old = await repo.claimDownloadLease(db, { id: "r1", owner: "A", nowMs: 1, leaseMs: 1000 });
      assert.ok(old !== undefined);
      const fresh = await repo.claimDownloadLease(db, { id: "r1", owner: "B", nowMs: 5000, leaseMs: 60_000 });
      assert.ok(fresh !== undefined);
      let renamed = 0;
      const lost = await repo.renameFenced(
        db,
        { id: "r1", owner: "A", token: old, nowMs: 5001, leaseMs: 1000 },
        async () => {
          renamed++;
        },
      );
      assert.equal(lost, false);
      assert.equal(renamed, 0, "a lost lease never renames");
      const ok = await repo.renameFenced(
        db,
        { id: "r1", owner: "B", token: fresh, nowMs: 5002, leaseMs: 60_000 },
        async () => {
          renamed++;
        },
      );
      assert.equal(ok, true);
      assert.equal(renamed, 1);
    });

    test("claim-next: workers claiming at once each get a different row, every row exactly once", async () => {
      const batch = Array.from({ length: 40 }, (_, i) =>
        row({ id: `q-${String(i).padStart(2, "0")}`, created_at: 50_000 + i }),
      );
      for (const r of batch) await repo.insertDownload(db, r);
      const claimed: string[] = [];
      const worker = async (owner: string) => {
        for (;;) {
          const next = await repo.claimNextDownload(db, { owner, nowMs: 60_000, leaseMs: 60_000 });
          if (next === undefined) return;
          claimed.push(next.id);
          // Finish it, so it leaves the queue.
          assert.equal(
            await repo.updateOwnedDownload(db, next.id, owner, { status: "completed", lease_owner: null }, next.token),
            true,
          );
        }
      };
      await Promise.all(["W1", "W2", "W3", "W4"].map(worker));
      const ours = claimed.filter((id) => id.startsWith("q-")).sort();
      assert.deepEqual(
        ours,
        batch.map((r) => r.id),
      );
    });

    test("re-drive: an expired lease of a dead worker is claimed by the next worker, with a new token", async () => {
      await repo.insertDownload(
        db,
        row({
          id: "dead-1",
          created_at: 1,
          status: "downloading",
          lease_owner: "gone/1/00000000",
          lease_expires_at: 100,
          committed_bytes: 7,
        }),
      );
      const before = await repo.claimNextDownload(db, { owner: "W", nowMs: 50, leaseMs: 1000 });
      assert.notEqual(before?.id, "dead-1", "not before the lease expired");
      if (before !== undefined)
        await repo.updateOwnedDownload(db, before.id, "W", { status: "completed", lease_owner: null }, before.token);
      let next = await repo.claimNextDownload(db, { owner: "W", nowMs: 101, leaseMs: 1000 });
      while (next !== undefined && next.id !== "dead-1") {
        await repo.updateOwnedDownload(db, next.id, "W", { status: "completed", lease_owner: null }, next.token);
        next = await repo.claimNextDownload(db, { owner: "W", nowMs: 101, leaseMs: 1000 });
      }
      assert.equal(next?.id, "dead-1");
      const r = await repo.getDownloadRow(db, "dead-1");
      assert.equal(r?.lease_owner, "W");
      assert.equal(r?.committed_bytes, 7, "progress kept for the resume");
      assert.equal(r?.lease_token, next?.token);
    });

    test("reopening migrates nothing twice; three opens at once all succeed", async () => {
      const others = await Promise.all(
        [1, 2, 3].map(() => openDownloadsDatabase(where.dataDir, { databaseUrl: where.databaseUrl })),
      );
      for (const o of others) await o.destroy();
      assert.ok((await repo.listDownloadRows(db)).length > 0);
    });
  });
}
