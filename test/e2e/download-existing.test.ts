/**
 * Never clobber (issue 19) against a real peer on loopback and real files: an existing
 * destination with the same content is "already there" (0 bytes read by the server), other
 * content is refused and left alone unless overwrite or rename; a file created at the
 * destination during the download is not replaced; a symlinked part file or destination
 * directory is refused, its target untouched.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { createPeerClient, DownloadError, type TransferFs } from "../../client/index.js";
import { realTransferFs } from "../../client/transfer/part-file.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { startManager, tempDir, waitFor } from "../helpers/download-fixtures.js";

let peer: TestPeer;
let work: { dir: string; remove: () => Promise<void> };
const data = randomBytes(3 * 1024 * 1024 + 7);
const other = randomBytes(data.length);
/** Bytes the server read for ReadFile, per item id. */
const served = new Map<string, number>();

before(async () => {
  const files: Record<string, Buffer> = {};
  for (const n of ["same.bin", "other.bin", "over.bin", "ren.tar.gz", "race.bin", "link.bin", "dir.bin", "sha.bin"])
    files[n] = data;
  peer = await startTestPeer({
    files,
    hooks: {
      onChunkRead: (itemId, _offset, bytes) => {
        served.set(itemId, (served.get(itemId) ?? 0) + bytes);
      },
    },
  });
  work = await tempDir();
  const client = createPeerClient({ baseUrl: peer.url, apiKey: peer.key });
  try {
    for (const n of Object.keys(files))
      await waitFor(async () => ((await client.statItem(`share/${n}`)).piecesRoot !== "" ? true : undefined), n);
  } finally {
    client.close();
  }
});
after(async () => {
  await peer.close();
  await work.remove();
});

async function manager(name: string) {
  return startManager({ dataDir: path.join(work.dir, `${name}-db`), downloadDir: path.join(work.dir, name) });
}
const ref = () => ({ url: peer.url, key: peer.key });

test("same content already at the destination: completed at once, 0 bytes read by the peer", async () => {
  const out = path.join(work.dir, "same");
  await mkdir(out);
  await writeFile(path.join(out, "same.bin"), data);
  const tm = await manager("same");
  try {
    const id = await tm.m.enqueue(ref(), "share/same.bin", { outDir: out });
    const done = await tm.m.wait(id);
    assert.equal(done.status, "completed", JSON.stringify(done.error));
    const completed = tm.of("completed").find((e) => e.id === id);
    assert.equal(completed?.alreadyThere, true);
    assert.equal(completed?.verified, "pieces root");
    assert.equal(tm.of("started").length, 0, "no attempt");
    assert.equal(served.get("share/same.bin") ?? 0, 0, "the peer read no byte for it");
  } finally {
    await tm.m.close();
  }
});

test("other content: refused before any byte, the file untouched; the error names it and both ways out", async () => {
  const out = path.join(work.dir, "other");
  await mkdir(out);
  const mine = path.join(out, "other.bin");
  // Another size: refused by enqueue itself, no job made.
  await writeFile(mine, other.subarray(1));
  const tm = await manager("other");
  try {
    await assert.rejects(
      tm.m.enqueue(ref(), "share/other.bin", { outDir: out }),
      (e: unknown) =>
        e instanceof DownloadError &&
        e.code === "destination-exists" &&
        e.message.includes(mine) &&
        e.message.includes("--overwrite") &&
        e.message.includes("--rename"),
    );
    assert.deepEqual(await tm.m.list(), []);
    assert.deepEqual(await readFile(mine), other.subarray(1));
    // The same size: it could be the content, so the job hashes it when it runs, then refuses.
    await writeFile(mine, other);
    const id = await tm.m.enqueue(ref(), "share/other.bin", { outDir: out });
    const end = await tm.m.wait(id);
    assert.equal(end.status, "failed");
    assert.equal(end.error?.code, "destination-exists");
    assert.ok(end.error?.message.includes(mine));
    assert.equal(tm.of("started").length, 0, "no attempt");
    assert.deepEqual(await readFile(mine), other);
    assert.deepEqual((await readdir(out)).sort(), ["other.bin"], "no part file either");
    assert.equal(served.get("share/other.bin") ?? 0, 0, "the peer read no byte for it");
  } finally {
    await tm.m.close();
  }
});

test("overwrite replaces other content; rename writes name (1).ext next to it (a.tar.gz → a (1).tar.gz)", async () => {
  const out = path.join(work.dir, "modes");
  await mkdir(out);
  await writeFile(path.join(out, "over.bin"), other);
  await writeFile(path.join(out, "ren.tar.gz"), other);
  const tm = await manager("modes");
  try {
    const a = await tm.m.enqueue(ref(), "share/over.bin", { outDir: out, onExisting: "overwrite" });
    const b = await tm.m.enqueue(ref(), "share/ren.tar.gz", { outDir: out, onExisting: "rename" });
    assert.equal((await tm.m.wait(a)).status, "completed");
    const renamed = await tm.m.wait(b);
    assert.equal(renamed.status, "completed");
    assert.deepEqual(await readFile(path.join(out, "over.bin")), data);
    assert.deepEqual(await readFile(path.join(out, "ren.tar.gz")), other, "kept");
    assert.deepEqual(await readFile(path.join(out, "ren (1).tar.gz")), data);
    assert.equal(renamed.destination, path.join(out, "ren (1).tar.gz"));
    assert.equal(renamed.onExisting, "rename");
  } finally {
    await tm.m.close();
  }
});

test("a file created at the destination during the download is not replaced (refuse; rename moves on)", async () => {
  const out = path.join(work.dir, "race");
  const dest = path.join(out, "race.bin");
  for (const mode of ["refuse", "rename"] as const) {
    let created = false;
    // The engine's own write layer: the first write of the part creates the destination first,
    // so the file appears while the download is running, past every start check.
    const fs: TransferFs = {
      async write(fh, chunk, position) {
        if (!created) {
          created = true;
          await writeFile(dest, "created meanwhile", { flag: "wx" });
        }
        await realTransferFs.write(fh, chunk, position);
      },
    };
    const tm = await startManager({ dataDir: path.join(work.dir, `race-${mode}-db`), downloadDir: out, fs });
    try {
      const id = await tm.m.enqueue(ref(), "share/race.bin", { outDir: out, onExisting: mode });
      const end = await tm.m.wait(id);
      assert.ok(created);
      assert.equal(await readFile(dest, "utf8"), "created meanwhile", `${mode}: not replaced`);
      if (mode === "refuse") {
        assert.equal(end.status, "failed");
        assert.equal(end.error?.code, "destination-exists");
        assert.match(end.error?.message ?? "", /--rename/);
        assert.deepEqual(await readFile(`${dest}.part`), data, "the download is kept in the part file");
        await rm(`${dest}.part`);
        await rm(dest);
      } else {
        assert.equal(end.status, "completed", JSON.stringify(end.error));
        assert.equal(end.destination, path.join(out, "race (1).bin"));
        assert.deepEqual(await readFile(end.destination), data);
      }
    } finally {
      await tm.m.close();
    }
  }
});

test("a symlinked .part is refused; the file it points to is untouched", async () => {
  const out = path.join(work.dir, "link");
  await mkdir(out);
  const victim = path.join(work.dir, "victim.txt");
  await writeFile(victim, "precious");
  await symlink(victim, path.join(out, "link.bin.part"));
  const tm = await manager("link");
  try {
    const id = await tm.m.enqueue(ref(), "share/link.bin", { outDir: out });
    const end = await tm.m.wait(id);
    assert.equal(end.status, "failed");
    assert.equal(end.error?.code, "unsafe-path");
    assert.match(end.error?.message ?? "", /link\.bin\.part is a symbolic link/);
    assert.equal(await readFile(victim, "utf8"), "precious");
    assert.ok((await lstat(path.join(out, "link.bin.part"))).isSymbolicLink());
    await assert.rejects(lstat(path.join(out, "link.bin")), /ENOENT/);
  } finally {
    await tm.m.close();
  }
});

test("a destination directory swapped for a symlink after the job was queued is refused; its target untouched", async () => {
  const out = path.join(work.dir, "dir");
  await mkdir(out);
  const elsewhere = path.join(work.dir, "elsewhere");
  await mkdir(elsewhere);
  const tm = await startManager({ dataDir: path.join(work.dir, "dir-db"), downloadDir: out }, { runJobs: false });
  try {
    const id = await tm.m.enqueue(ref(), "share/dir.bin", { outDir: out });
    await tm.m.close();
    await rename(out, path.join(work.dir, "dir-moved"));
    await symlink(elsewhere, out);
    const tm2 = await startManager({ dataDir: path.join(work.dir, "dir-db"), downloadDir: out, keys: [peer.key] });
    try {
      const end = await tm2.m.wait(id);
      assert.equal(end.status, "failed");
      assert.equal(end.error?.code, "unsafe-path");
      assert.match(end.error?.message ?? "", /symbolic link/);
      assert.deepEqual(await readdir(elsewhere), [], "nothing written through the link");
    } finally {
      await tm2.m.close();
    }
  } finally {
    await tm.m.close().catch(() => undefined);
  }
});
