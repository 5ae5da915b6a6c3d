import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Kysely } from "kysely";
import { openDownloadsDatabase, type ClientDatabase } from "../../../client/store/database.js";
import * as folders from "../../../client/store/download-folder.repository.js";
import * as repo from "../../../client/store/download.repository.js";
import { downloadRow } from "../../helpers/download-rows.js";

let dir: string;
let db: Kysely<ClientDatabase>;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "peer-folder-store-"));
  db = await openDownloadsDatabase(dir);
});
after(async () => {
  await db.destroy();
  await rm(dir, { recursive: true, force: true });
});

const root = (c: string) => c.repeat(64);

test("findCompletedByRoots: one look-up for a manifest gives what findCompletedByContent gives per file", async () => {
  const rows = [
    { id: "a-old", pieces_root: root("a"), expected_size: 10, completed_at: 1, status: "completed" as const },
    { id: "a-new", pieces_root: root("a"), expected_size: 10, completed_at: 2, status: "completed" as const },
    { id: "a-other-size", pieces_root: root("a"), expected_size: 11, completed_at: 3, status: "completed" as const },
    { id: "b-failed", pieces_root: root("b"), expected_size: 10, completed_at: null, status: "failed" as const },
    { id: "c", pieces_root: root("c"), expected_size: 5, completed_at: 4, status: "completed" as const },
  ];
  for (const r of rows) await repo.insertDownload(db, downloadRow({ ...r, destination: `/dl/${r.id}` }));
  const wanted = [
    { piecesRoot: root("a"), size: 10 },
    { piecesRoot: root("b"), size: 10 },
    { piecesRoot: root("c"), size: 5 },
    { piecesRoot: root("d"), size: 1 },
  ];
  const found = await folders.findCompletedByRoots(db, wanted);
  for (const w of wanted) {
    const one = await folders.findCompletedByContent(db, w.piecesRoot, w.size);
    assert.deepEqual(
      (found.get(`${w.piecesRoot}:${w.size}`) ?? []).map((r) => r.id),
      one.map((r) => r.id),
      w.piecesRoot.slice(0, 1),
    );
  }
  assert.deepEqual(
    found.get(`${root("a")}:10`)?.map((r) => r.id),
    ["a-new", "a-old"],
    "newest first, the other size left out",
  );
  assert.equal(found.has(`${root("b")}:10`), false, "a failed download is not content on disk");
});
