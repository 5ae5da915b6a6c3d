import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { appendFile, mkdtemp, rename, rm, truncate, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createDirCatalog } from "../../../server/catalog/dir-catalog.js";
import type { Catalog, FileEntry } from "../../../server/catalog/catalog.js";
import { FileChangedError, openEntry, readChunks } from "../../../common/files/file-reader.js";

let dir: string;
let catalog: Catalog;
const CONTENT = Buffer.from("0123456789abcdefghijklmnopqrstuvwxyz");

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "peer-reader-"));
  catalog = createDirCatalog([{ name: "s", dir }]);
});
after(() => rm(dir, { recursive: true, force: true }));

async function fresh(name: string, content: Buffer = CONTENT): Promise<FileEntry> {
  await writeFile(path.join(dir, name), content);
  const entry = await catalog.stat(`s/${name}`);
  assert.ok(entry);
  return entry;
}

async function readAll(entry: FileEntry, start: number, end: number, chunkSize: number): Promise<Buffer[]> {
  const file = await openEntry(entry);
  try {
    const out: Buffer[] = [];
    for await (const c of readChunks(file, { start, end, chunkSize })) out.push(c);
    return out;
  } finally {
    await file.close();
  }
}

test("reads exactly [start, end) in chunks of chunkSize; chunks are independent buffers", async () => {
  const entry = await fresh("a.txt");
  const cases: Array<[number, number, number, number[]]> = [
    [0, 36, 10, [10, 10, 10, 6]],
    [5, 15, 4, [4, 4, 2]],
    [0, 36, 100, [36]],
    [36, 36, 10, []],
    [35, 36, 1, [1]],
  ];
  for (const [start, end, size, lengths] of cases) {
    const chunks = await readAll(entry, start, end, size);
    assert.deepEqual(
      chunks.map((c) => c.length),
      lengths,
      `${start}-${end}/${size}`,
    );
    assert.ok(Buffer.concat(chunks).equals(CONTENT.subarray(start, end)));
    // Kept chunks are not overwritten by later reads (no shared read buffer).
    if (chunks.length > 1) assert.ok(chunks[0]?.equals(CONTENT.subarray(start, start + size)), "first chunk intact");
  }
});

test("bad ranges are refused", async () => {
  const entry = await fresh("b.txt");
  const file = await openEntry(entry);
  try {
    for (const [start, end, chunkSize] of [
      [-1, 5, 4],
      [5, 4, 4],
      [0, 37, 4],
      [0, 5, 0],
      [0.5, 5, 4],
    ] as const) {
      await assert.rejects(readChunks(file, { start, end, chunkSize }).next(), RangeError);
    }
  } finally {
    await file.close();
    await file.close(); // idempotent
  }
});

test("openEntry refuses a version that changed since the stat, or is gone", async () => {
  const modified = await fresh("c.txt");
  await appendFile(path.join(dir, "c.txt"), "!");
  await assert.rejects(openEntry(modified), FileChangedError);
  const touched = await fresh("d.txt");
  await utimes(path.join(dir, "d.txt"), new Date(), new Date(Date.now() + 5000));
  await assert.rejects(openEntry(touched), FileChangedError);
  const removed = await fresh("e.txt");
  await rm(path.join(dir, "e.txt"));
  await assert.rejects(openEntry(removed), FileChangedError);
  const replaced = await fresh("f.txt");
  await writeFile(path.join(dir, "f.tmp"), CONTENT);
  await rename(path.join(dir, "f.tmp"), path.join(dir, "f.txt"));
  await assert.rejects(openEntry(replaced), FileChangedError);
});

test("a change between two pulls ends the read with FileChangedError; no byte of the new version", async () => {
  const changes: Record<string, (file: string) => Promise<void>> = {
    "rewritten in place, same size": (f) => writeFile(f, Buffer.alloc(CONTENT.length, 0x21)),
    appended: (f) => appendFile(f, "tail"),
    truncated: (f) => truncate(f, 3),
    "replaced by rename": async (f) => {
      await writeFile(f + ".new", Buffer.alloc(CONTENT.length, 0x21));
      await rename(f + ".new", f);
    },
    deleted: (f) => rm(f),
  };
  let n = 0;
  for (const [name, change] of Object.entries(changes)) {
    const fileName = `g${n++}.txt`;
    const entry = await fresh(fileName);
    const file = await openEntry(entry);
    try {
      const it = readChunks(file, { start: 0, end: entry.size, chunkSize: 8 });
      const first = await it.next();
      assert.ok(!first.done && first.value.equals(CONTENT.subarray(0, 8)), name);
      // Pull-based: nothing has been read beyond the chunk just yielded, so the
      // change is seen by the next read.
      await new Promise((r) => setTimeout(r, 15)); // mtime granularity on some file systems
      await change(path.join(dir, fileName));
      await assert.rejects(it.next(), FileChangedError, name);
    } finally {
      await file.close();
    }
  }
});

test("an aborted signal stops the read with the signal's reason", async () => {
  const entry = await fresh("h.txt");
  const file = await openEntry(entry);
  try {
    const controller = new AbortController();
    const it = readChunks(file, { start: 0, end: entry.size, chunkSize: 4, signal: controller.signal });
    assert.equal((await it.next()).done, false);
    const reason = new Error("stop");
    controller.abort(reason);
    await assert.rejects(it.next(), (e: unknown) => e === reason);
    const pre = AbortSignal.abort();
    await assert.rejects(readChunks(file, { start: 0, end: 4, chunkSize: 4, signal: pre }).next());
  } finally {
    await file.close();
  }
});
