/**
 * Folder jobs end to end (docs/downloads.md "Folder jobs"): a real peer behind a real folder-listing
 * PeerService (test/helpers/folder-peer.ts), a real manager on a SQLite file, `diff -r` on the trees.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { startManager, tempDir } from "../helpers/download-fixtures.js";
import { fakeItem, startFolderPeer, waitHashed, type FolderPeer } from "../helpers/folder-peer.js";
import { startTestPeer, writeFiles, type TestPeer } from "../helpers/peer-server.js";

const run = promisify(execFile);
const NFC = "caf\u00e9";
const NFD = "cafe\u0301";
const big = Buffer.alloc(300_000, 7);
big.write("unique", 1000);
const tree: Record<string, string | Buffer> = {
  "Show/Season 1/Episode 01.mkv": Buffer.alloc(200_000, 1),
  "Show/Season 1/cover.jpg": "cover one",
  "Show/Season 2/cover.jpg": "cover two",
  "Show/Season 2/Episode 01 copy.mkv": Buffer.alloc(200_000, 1),
  [`Show/${NFC}/r\u00e9sum\u00e9.txt`]: "nfc",
  [`Show/nfd/${NFD}.txt`]: "nfd",
  "Show/a/b/c/d/e/f/g/h/deep file.bin": big,
  "Show/CASE.txt": "first",
  "Other/outside.txt": "not in the folder",
};

describe("folder jobs", () => {
  let peer: TestPeer;
  let proxy: FolderPeer;
  before(async () => {
    peer = await startTestPeer({ files: tree });
    proxy = await startFolderPeer(peer.url, {
      extra: (folder) =>
        folder !== "share/Show"
          ? []
          : [
              fakeItem("share/Show/Empty/Nothing", { isFolder: true, size: 0n }),
              fakeItem("share/Show/../escape.txt"),
              fakeItem("share/Show//doubled.txt"),
              fakeItem("share/Show/./dot.txt"),
              fakeItem("share/Show/back\\slash.txt"),
              fakeItem("share/Show/sneaky.txt.part"),
              fakeItem("share/Show/case.txt"),
              fakeItem("share/Show/ctl\u0007.txt"),
              fakeItem(`share/Show/${"n".repeat(256)}`),
              fakeItem("share/Other/outside.txt"),
              fakeItem("share/Showcase/x.txt"),
            ],
    });
    await waitHashed(peer.url, peer.key, "share/Show");
  });
  after(async () => {
    await proxy?.close();
    await peer?.close();
  });

  it("downloads the tree, refuses each hostile path, reuses it into another directory, resumes with changes", async () => {
    const data = await tempDir();
    const out = await tempDir();
    const out2 = await tempDir();
    const out3 = await tempDir();
    const t = await startManager({ dataDir: data.dir, downloadDir: out.dir });
    try {
      const p = { url: proxy.url, key: peer.key };
      const first = await t.m.enqueueFolder(p, "share/Show/");
      const summary = await t.m.waitFolder(first.id);
      assert.equal(summary.status, "completed");
      assert.equal(summary.files, 8);
      assert.equal(summary.completed, 8);
      // The two identical episodes are fetched once.
      assert.equal(summary.reused.files, 1);
      const refused = new Map(summary.refused.map((r) => [r.path, r.reason]));
      for (const [p, re] of [
        ["../escape.txt", /"\.\."/],
        ["/doubled.txt", /absolute path/],
        ["./dot.txt", /"\."/],
        ["back\\slash.txt", /backslash/],
        ["sneaky.txt.part", /\.part/],
        ["case.txt", /differs only in case/],
        ["ctl\u0007.txt", /control/],
        ["n".repeat(256), /255 bytes/],
        ["share/Other/outside.txt", /not under the folder/],
        ["share/Showcase/x.txt", /not under the folder/],
      ] as const)
        assert.match(refused.get(p) ?? "missing", re, p);
      const dest = path.join(await import("node:fs/promises").then((f) => f.realpath(out.dir)), "Show");
      assert.equal(summary.destination, dest);
      assert.ok((await stat(path.join(dest, "Empty", "Nothing"))).isDirectory());
      await rm(path.join(dest, "Empty"), { recursive: true });
      await run("diff", ["-r", path.join(peer.shareDir, "Show"), dest]);
      const list = await t.m.listFolders();
      assert.equal(list.length, 1);
      assert.equal(list[0]?.completed, 8);
      assert.ok((await t.m.list()).every((d) => d.folderJobId === first.id));

      // Everything again into another directory: reused, nothing fetched.
      proxy.resetBytes();
      const second = await t.m.enqueueFolder(p, "share/Show", { outDir: out2.dir });
      assert.equal(second.reused.files, 8);
      assert.equal(second.jobs.length, 0);
      await t.m.waitFolder(second.id);
      assert.equal(proxy.bytesServed(), 0);
      await rm(path.join(second.destination, "Empty"), { recursive: true });
      await run("diff", ["-r", path.join(peer.shareDir, "Show"), second.destination]);

      // A reused file changed on disk since (same size, newer mtime): re-verified, so fetched.
      const victim = path.join(dest, "a/b/c/d/e/f/g/h/deep file.bin");
      await writeFile(victim, Buffer.alloc(big.length, 9));
      const later = new Date(Date.now() + 5000);
      await utimes(victim, later, later);
      const victim2 = path.join(second.destination, "a/b/c/d/e/f/g/h/deep file.bin");
      await writeFile(victim2, Buffer.alloc(big.length, 9));
      await utimes(victim2, later, later);
      proxy.resetBytes();
      const third = await t.m.enqueueFolder(p, "share/Show", { outDir: out3.dir });
      assert.equal(third.reused.files, 7);
      assert.equal(third.jobs.length, 1);
      const s3 = await t.m.waitFolder(third.id);
      assert.equal(s3.status, "completed");
      assert.equal(proxy.bytesServed(), big.length);
      assert.deepEqual(await readFile(path.join(third.destination, "a/b/c/d/e/f/g/h/deep file.bin")), big);

      // Upstream adds one file and removes another; the same command resumes the job.
      await writeFiles(peer.shareDir, { "Show/Season 3/new.txt": "new episode" });
      await rm(path.join(peer.shareDir, "Show/Season 2/cover.jpg"));
      await waitHashed(peer.url, peer.key, "share/Show");
      const again = await t.m.enqueueFolder(p, "share/Show/");
      assert.equal(again.id, first.id);
      assert.deepEqual(again.added, ["Season 3/new.txt"]);
      assert.deepEqual(again.removed, ["Season 2/cover.jpg"]);
      const s4 = await t.m.waitFolder(again.id);
      assert.equal(s4.status, "completed");
      assert.deepEqual(s4.removed, ["Season 2/cover.jpg"]);
      assert.equal(await readFile(path.join(dest, "Season 3/new.txt"), "utf8"), "new episode");
      // Left alone locally.
      assert.equal(await readFile(path.join(dest, "Season 2/cover.jpg"), "utf8"), "cover two");
    } finally {
      await t.m.close();
      for (const d of [data, out, out2, out3]) await d.remove();
    }
  });

  it("refuses a peer without the folders capability (never sends folder)", async () => {
    const data = await tempDir();
    const old = await startFolderPeer(peer.url, { capability: false });
    const t = await startManager({ dataDir: data.dir, downloadDir: data.dir });
    try {
      await assert.rejects(
        t.m.enqueueFolder({ url: old.url, key: peer.key }, "share/Show/"),
        /no "folders" capability/,
      );
    } finally {
      await t.m.close();
      await old.close();
      await data.remove();
    }
  });

  it("downloads from the server's own folder listing, empty folders included", async () => {
    await mkdir(path.join(peer.shareDir, "Show/Extras/Empty inside"), { recursive: true });
    const data = await tempDir();
    const out = await tempDir();
    const t = await startManager({ dataDir: data.dir, downloadDir: out.dir });
    try {
      const r = await t.m.enqueueFolder({ url: peer.url, key: peer.key }, "share/Show");
      const s = await t.m.waitFolder(r.id);
      assert.equal(s.status, "completed");
      assert.deepEqual(s.refused, []);
      await run("diff", ["-r", path.join(peer.shareDir, "Show"), r.destination]);
      await assert.rejects(t.m.enqueueFolder({ url: peer.url, key: peer.key }, "share/Show/CASE.txt/"), /not a folder/);
    } finally {
      await t.m.close();
      await rm(path.join(peer.shareDir, "Show/Extras"), { recursive: true });
      for (const d of [data, out]) await d.remove();
    }
  });

  it("never writes through a symlinked directory, never replaces an existing file; the rest proceeds", async () => {
    const data = await tempDir();
    const out = await tempDir();
    const elsewhere = await tempDir();
    const t = await startManager({ dataDir: data.dir, downloadDir: out.dir });
    try {
      await mkdir(path.join(out.dir, "Show"));
      await symlink(elsewhere.dir, path.join(out.dir, "Show", "Season 1"));
      await writeFile(path.join(out.dir, "Show", "CASE.txt"), "mine");
      const r = await t.m.enqueueFolder({ url: peer.url, key: peer.key }, "share/Show/");
      const s = await t.m.waitFolder(r.id);
      const refused = new Map(s.refused.map((x) => [x.path, x.reason]));
      assert.match(refused.get("Season 1/cover.jpg") ?? "", /symbolic link/);
      assert.match(refused.get("Season 1/Episode 01.mkv") ?? "", /symbolic link/);
      assert.deepEqual(await readdir(elsewhere.dir), [], "nothing written through the link");
      assert.deepEqual(
        s.failed.map((f) => f.path),
        ["CASE.txt"],
      );
      assert.equal(await readFile(path.join(out.dir, "Show", "CASE.txt"), "utf8"), "mine");
      assert.equal(s.status, "failed");
      assert.equal(await readFile(path.join(out.dir, "Show", "Season 3", "new.txt"), "utf8"), "new episode");
      assert.deepEqual(
        await readFile(path.join(out.dir, "Show", "Season 2", "Episode 01 copy.mkv")),
        tree["Show/Season 2/Episode 01 copy.mkv"],
      );
    } finally {
      await t.m.close();
      for (const d of [data, out, elsewhere]) await d.remove();
    }
  });
});
