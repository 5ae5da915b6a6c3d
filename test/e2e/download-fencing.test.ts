/**
 * The fencing token at work, on both dialects: a worker whose claim was superseded —
 * even by a claim under its own owner id, which an owner check alone would let
 * through — never commits progress again and never renames its part into place.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Kysely } from "kysely";
import { openDownloadsDatabase, type ClientDatabase } from "../../client/store/database.js";
import * as repo from "../../client/store/download.repository.js";
import { dialectCases, type StoreLocation } from "../helpers/dialects.js";
import { startManager, tempDir, waitFor } from "../helpers/download-fixtures.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { startTcpProxy, type TcpProxy } from "../helpers/proxy-tcp.js";

for (const dialect of dialectCases()) {
  describe(`fencing on ${dialect.name}`, { skip: dialect.skip, timeout: 300_000 }, () => {
    let peer: TestPeer;
    let slow: TcpProxy;
    let where: StoreLocation;
    let db: Kysely<ClientDatabase>;
    let work: { dir: string; remove: () => Promise<void> };
    before(async () => {
      // Over 1 MiB: a smaller file is one piece, with no progress or checkpoint before its end (docs/pieces.md).
      peer = await startTestPeer({ files: { "f.bin": randomBytes(1280 * 1024) } });
      slow = await startTcpProxy({ targetPort: Number(new URL(peer.url).port), bytesPerSecond: 128 * 1024 });
      where = await dialect.location();
      db = await openDownloadsDatabase(where.dataDir, { databaseUrl: where.databaseUrl });
      work = await tempDir("peer-fence-");
    });
    after(async () => {
      await db?.destroy();
      await slow?.close();
      await peer?.close();
      await where?.cleanup();
      await work?.remove();
    });

    test("a worker whose claim was superseded cannot commit or rename", async () => {
      const out = path.join(work.dir, "out");
      const tm = await startManager({
        dataDir: where.dataDir,
        databaseUrl: where.databaseUrl,
        downloadDir: out,
        leaseMs: 600,
        transport: "http",
        checkpointBytes: 16 * 1024,
        keys: [peer.key],
      });
      try {
        const id = await tm.m.enqueue({ url: slow.url, key: peer.key, transport: "http" }, "share/f.bin");
        await waitFor(() => tm.of("progress").find((e) => e.id === id && e.bytes > 0), "progress");
        const row = await repo.getDownloadRow(db, id);
        assert.ok(row?.lease_owner);
        // Another worker takes the job over (as after an expiry the old worker did not notice).
        const token = await repo.claimDownloadLease(db, {
          id,
          owner: "elsewhere/1/0badf00d",
          nowMs: Date.now(),
          leaseMs: 3_600_000,
          deadOwner: row.lease_owner,
        });
        assert.equal(token, row.lease_token + 1);
        await repo.updateOwnedDownload(db, id, "elsewhere/1/0badf00d", { committed_bytes: 7 }, token);
        // Past several renewals (every 200 ms) and the end of the slow transfer's first part.
        await new Promise((r) => setTimeout(r, 2000));
        const after = await repo.getDownloadRow(db, id);
        assert.equal(after?.committed_bytes, 7, "the superseded claim wrote nothing");
        assert.equal(after?.lease_token, token);
        assert.equal(after?.status, "downloading");
        assert.equal(existsSync(path.join(out, "f.bin")), false, "nothing was renamed into place");
        assert.equal(tm.of("completed").length, 0);
        // The new claim finishes the job; the old worker, following it, hears so.
        const done = { status: "completed" as const, lease_owner: null, completed_at: Date.now() };
        await repo.updateOwnedDownload(db, id, "elsewhere/1/0badf00d", done, token);
        assert.equal((await tm.m.wait(id)).status, "completed");
      } finally {
        await tm.m.close();
      }
    });
  });
}
