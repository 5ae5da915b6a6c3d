/**
 * The download service on PostgreSQL (`peer serve --database … --downloads …`):
 * the engine's queue, the state-change log and the qBittorrent tables in one
 * database; an AddDownload completes and a cursor replays its changes after a
 * restart. Skipped with the reason outside CI when no cluster is set.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { DownloadState, WatchEventKind } from "../../gen/peer/v1/download_pb.js";
import { freshDatabase, pgSkipReason, type FreshDatabase } from "../helpers/pg.js";
import { startServicePeer, type ServicePeer } from "./helpers/download-peer.js";
import { waitForStatus } from "./helpers/qbt.js";

const skip = pgSkipReason();
const FILE = randomBytes(100_000);

describe("DownloadService on PostgreSQL", { skip, timeout: 300_000 }, () => {
  let db: FreshDatabase;
  let service: ServicePeer;
  before(async () => {
    db = await freshDatabase();
    ({ service } = await startServicePeer({ "a.bin": FILE }, db.url));
  });
  after(async () => {
    await service?.close();
    await db?.drop();
  });

  test("add, complete, restart, replay from the cursor", async () => {
    const client = service.client();
    const snapshot = client.watchDownloads({})[Symbol.asyncIterator]();
    const cursor = (await snapshot.next()).value?.cursor ?? "";
    await snapshot.return?.();
    const added = await client.addDownload({ what: { case: "item", value: { peer: "src", itemId: "share/a.bin" } } });
    const id = added.downloads[0]?.id ?? "";
    await waitForStatus(service.queue, id, "completed");
    await service.queue.settled();
    assert.deepEqual(await readFile(path.join(service.root, "a.bin")), FILE);
    await service.restart();
    const states: DownloadState[] = [];
    for await (const m of service.client().watchDownloads({ cursor })) {
      assert.equal(m.kind, WatchEventKind.STATE);
      if (m.download?.id === id) states.push(m.download.state);
      if (m.download?.state === DownloadState.COMPLETED) break;
    }
    assert.equal(states[0], DownloadState.QUEUED);
    assert.equal(states.at(-1), DownloadState.COMPLETED);
  });
});
