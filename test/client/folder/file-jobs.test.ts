/**
 * A folder's new file jobs in one transaction (client/folder/file-jobs.ts): which files go in the
 * batch, and that the batch leaves what one file at a time left (rows, sources, manifest rows,
 * events), a destination a live job holds going through createOrReuseJob alone.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import type { Kysely } from "kysely";
import { ItemSchema } from "../../../gen/peer/v1/peer_pb.js";
import type { DownloadEvent } from "../../../client/events/download-events.js";
import { createFileJobs, splitByLive, type PendingFileJob } from "../../../client/folder/file-jobs.js";
import { openDownloadsDatabaseFile, type ClientDatabase } from "../../../client/store/database.js";
import * as folders from "../../../client/store/download-folder.repository.js";
import * as repo from "../../../client/store/download.repository.js";
import * as sources from "../../../client/store/download-source.repository.js";
import { downloadRow } from "../../helpers/download-rows.js";

test("splitByLive: destinations a live job holds go alone, the rest in the batch, both in order", () => {
  assert.deepEqual(splitByLive(["/a", "/b", "/c", "/d"], new Set(["/b", "/d", "/x"])), {
    batch: [0, 2],
    alone: [1, 3],
  });
  assert.deepEqual(splitByLive([], new Set(["/a"])), { batch: [], alone: [] });
});

let db: Kysely<ClientDatabase>;
before(async () => {
  db = await openDownloadsDatabaseFile(":memory:");
});
after(async () => {
  await db.destroy();
});

test("createFileJobs: one batch for free destinations; a live job on one is reused alone", async () => {
  const events: DownloadEvent[] = [];
  let clock = 5000;
  const ctx = {
    db: () => db,
    now: () => ++clock,
    emit: (e: DownloadEvent) => {
      events.push(e);
    },
  };
  const folderJobId = "folder-1";
  await folders.insertFolder(db, {
    ...{ id: folderJobId, peer_url: "http://p:1", key_ref: "sha256:1111111111111111", transport: "connect" },
    ...{ folder_item_id: "s/dir", name: "dir", destination: "/dl/dir", cancelled: 0, created_at: 1, updated_at: 1 },
  });
  const names = ["a.bin", "b.bin", "c.bin"];
  for (const name of names) {
    await folders.insertFolderFile(db, {
      ...{ folder_job_id: folderJobId, rel_path: name, item_id: `s/dir/${name}`, size: 3, etag: '"e"' },
      ...{ pieces_root: null, state: "job", download_id: null, reason: null, created_at: 1, updated_at: 1 },
    });
  }
  // b.bin's destination is held by a live job of the same item (a single `peer get` earlier).
  await repo.insertDownload(
    db,
    downloadRow({
      id: "live-b",
      item_id: "s/dir/b.bin",
      peer_url: "http://p:1",
      expected_size: 3,
      destination: "/dl/dir/b.bin",
    }),
  );
  const rows = await folders.listFolderFiles(db, folderJobId);
  const pending: PendingFileJob[] = rows.map((r, i) => ({
    rowId: r.id,
    t: 100 + i,
    job: {
      ...{ peerUrl: "http://p:1", keyRef: "sha256:1111111111111111", transport: "connect", folderJobId },
      ...{ itemId: r.item_id, name: r.rel_path, destination: `/dl/dir/${r.rel_path}` },
      item: create(ItemSchema, { id: r.item_id, name: r.rel_path, size: 3n, etag: '"e"' }),
    },
  }));
  const ids = await createFileJobs(ctx, pending);
  assert.equal(ids[1], "live-b", "the live job is reused, not duplicated");
  for (const [i, r] of (await folders.listFolderFiles(db, folderJobId)).entries()) {
    assert.equal(r.download_id, ids[i], `${r.rel_path} points at its job`);
    assert.equal(r.state, "job");
    const job = await repo.getDownloadRow(db, ids[i] as string);
    assert.equal(job?.destination, `/dl/dir/${r.rel_path}`);
    assert.equal(job?.folder_job_id, i === 1 ? null : folderJobId);
    assert.equal((await sources.listSources(db, job?.id as string)).length, 1, "its peer as a source");
  }
  assert.equal((await repo.getDownloadRow(db, ids[0] as string))?.created_at, 100, "created when settled");
  assert.deepEqual(
    events.filter((e) => e.type === "queued").map((e) => e.id),
    [ids[0], ids[2]],
    "a queued event for each new job",
  );
});
