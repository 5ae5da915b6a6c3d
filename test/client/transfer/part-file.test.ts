import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DownloadError } from "../../../client/errors.js";
import { commitPart, hashPrefix, openPart } from "../../../client/transfer/part-file.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "peer-part-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("openPart: resume from min(committed, part size), truncating any unrecorded tail", async () => {
  const cases: Array<{
    name: string;
    onDisk: number | null;
    committed: number;
    expected: number | null;
    resume: number;
    discarded: boolean;
  }> = [
    { name: "no part yet", onDisk: null, committed: 0, expected: 100, resume: 0, discarded: false },
    {
      name: "tail written after the last checkpoint is dropped",
      onDisk: 80,
      committed: 50,
      expected: 100,
      resume: 50,
      discarded: false,
    },
    {
      name: "row ahead of the disk (lost writes): trust the disk",
      onDisk: 30,
      committed: 50,
      expected: 100,
      resume: 30,
      discarded: false,
    },
    { name: "oversize part is discarded", onDisk: 150, committed: 150, expected: 100, resume: 0, discarded: true },
    { name: "size unknown after a restart", onDisk: 20, committed: 0, expected: null, resume: 0, discarded: false },
  ];
  for (const [i, c] of cases.entries()) {
    const part = path.join(dir, `p${i}.part`);
    if (c.onDisk !== null) await writeFile(part, Buffer.alloc(c.onDisk, 7));
    const opened = await openPart(part, c.committed, c.expected);
    await opened.fh.close();
    assert.equal(opened.resumeOffset, c.resume, c.name);
    assert.equal(opened.discarded, c.discarded, c.name);
    assert.equal((await stat(part)).size, c.resume, `${c.name}: truncated on disk`);
  }
});

test("hashPrefix + commitPart: the kept prefix is hashed; an existing destination is replaced only with overwrite", async () => {
  const part = path.join(dir, "h.part");
  const dest = path.join(dir, "h.bin");
  const content = Buffer.from("0123456789".repeat(300_000));
  await writeFile(part, content);
  await writeFile(dest, "old version");
  const opened = await openPart(part, content.length, content.length);
  const h = createHash("sha256");
  await hashPrefix(opened.fh, opened.resumeOffset, h);
  assert.equal(h.digest("hex"), createHash("sha256").update(content).digest("hex"));
  await assert.rejects(
    commitPart(opened.fh, part, { destination: dest }),
    (e: unknown) => e instanceof DownloadError && e.code === "destination-exists" && e.message.includes(dest),
  );
  assert.equal(await readFile(dest, "utf8"), "old version", "refused: the file that was there is untouched");
  const again = await openPart(part, content.length, content.length);
  assert.equal(await commitPart(again.fh, part, { destination: dest, onExisting: "overwrite" }), dest);
  assert.deepEqual(await readFile(dest), content);
  await assert.rejects(stat(part), /ENOENT/);
});

test("hashPrefix refuses a part shorter than claimed", async () => {
  const part = path.join(dir, "short.part");
  await writeFile(part, "abc");
  const opened = await openPart(part, 3, 10);
  try {
    await assert.rejects(hashPrefix(opened.fh, 10, createHash("sha256")), /shorter/);
  } finally {
    await opened.fh.close();
  }
});
