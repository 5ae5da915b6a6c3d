/**
 * Safety guards: unsafe file names refused before any row or file; a full
 * disk pauses a job (real tmpfs when this machine lets us mount one, else the
 * injected write layer) and `retry` finishes it; stale rows for one
 * destination are deduplicated at start.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, readdir, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { create } from "@bufbuild/protobuf";
import { createRouterTransport } from "@connectrpc/connect";
import { ItemSchema, PeerService } from "../../gen/peer/v1/peer_pb.js";
import { createPeerClient, DownloadError, openDownloadsDatabase, type TransferFs } from "../../client/index.js";
import { insertDownload } from "../../client/store/download.repository.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { startManager, tempDir } from "../helpers/download-fixtures.js";

let peer: TestPeer;
let work: { dir: string; remove: () => Promise<void> };
const data = randomBytes(2 * 1024 * 1024 + 5);

before(async () => {
  peer = await startTestPeer({
    files: { "full.bin": data, "quota.bin": data, " lead.txt": "x", "x.part": "x", "dup.bin": data },
  });
  work = await tempDir();
});
after(async () => {
  await peer.close();
  await work.remove();
});

test("unsafe names from a real peer are refused before any row or file", async () => {
  const out = path.join(work.dir, "unsafe-real");
  const tm = await startManager({ dataDir: path.join(work.dir, "unsafe-real-db"), downloadDir: out });
  try {
    for (const id of ["share/ lead.txt", "share/x.part"]) {
      await assert.rejects(
        tm.m.enqueue({ url: peer.url, key: peer.key }, id),
        (e: unknown) => e instanceof DownloadError && e.code === "unsafe-name",
        id,
      );
    }
    assert.deepEqual(await tm.m.list(), []);
    assert.deepEqual(await readdir(out).catch(() => []), []);
  } finally {
    await tm.m.close();
  }
});

test("a lying peer's names (in-process Connect router) are a wrong-item error before any row or file", async () => {
  const names = [
    "..",
    ".",
    "",
    "../../etc/passwd",
    "/etc/passwd",
    "a/b",
    "a\\b",
    "nul\0.txt",
    "tab\t.txt",
    "x".repeat(300),
  ];
  const out = path.join(work.dir, "unsafe-router");
  let name = "";
  const transport = createRouterTransport(({ service }) => {
    service(PeerService, {
      handshake: () => ({
        serverName: "liar",
        protocolVersion: "1.0.0",
        minClientVersion: "1.0.0",
        capabilities: [],
        shares: ["s"],
      }),
      statItem: (req) => ({ item: create(ItemSchema, { id: req.itemId, name, size: 1n, etag: '"e"' }) }),
      listItems: () => ({ items: [], nextPageToken: "" }),
      // biome-ignore lint/correctness/useYield: a server-streaming stub that must fail before streaming anything
      async *readFile() {
        throw new Error("must not be called");
      },
    });
  });
  const tm = await startManager({
    dataDir: path.join(work.dir, "unsafe-router-db"),
    downloadDir: out,
    createClient: (o) => createPeerClient({ ...o, customTransport: transport }),
  });
  try {
    for (const n of names) {
      name = n;
      await assert.rejects(
        tm.m.enqueue({ url: "http://127.0.0.1:9", key: "k" }, "s/item"),
        (e: unknown) => e instanceof DownloadError && e.code === "wrong-item",
        JSON.stringify(n),
      );
    }
    // The local name comes from the id asked for: an unsafe last segment is refused before any lookup.
    for (const id of ["s/..", "s/x.part", "s/ lead"]) {
      await assert.rejects(
        tm.m.enqueue({ url: "http://127.0.0.1:9", key: "k" }, id),
        (e: unknown) => e instanceof DownloadError && e.code === "unsafe-name",
        id,
      );
    }
    assert.deepEqual(await tm.m.list(), []);
    assert.deepEqual(await readdir(out).catch(() => []), []);
  } finally {
    await tm.m.close();
  }
});

/** Mounts a tmpfs of `size` at `dir`; false when this machine does not allow it. */
function tryMountTmpfs(dir: string, size: string): boolean {
  if (os.platform() !== "linux") return false;
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "ignore" });
  return r.status === 0;
}

test("disk full (ENOSPC) pauses the job with its reason; retry finishes it", async (t) => {
  const out = path.join(work.dir, "full");
  await mkdir(out);
  const realTmpfs = tryMountTmpfs(out, "1m");
  t.diagnostic(realTmpfs ? "using a real 1 MiB tmpfs" : "mount not permitted: using the injected write layer");
  if (realTmpfs) t.after(() => void spawnSync("umount", ["-l", out]));
  let failNext = !realTmpfs;
  let written = 0;
  const fs: TransferFs = {
    async write(fh, chunk, position) {
      if (failNext && written + chunk.length > 1024 * 1024) {
        failNext = false;
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28 });
      }
      let done = 0;
      while (done < chunk.length)
        done += (await fh.write(chunk, done, chunk.length - done, position + done)).bytesWritten;
      written += chunk.length;
    },
  };
  const tm = await startManager({
    dataDir: path.join(work.dir, "full-db"),
    downloadDir: out,
    fs,
    checkpointBytes: 64 * 1024,
    transport: "http",
  });
  try {
    const id = await tm.m.enqueue({ url: peer.url, key: peer.key }, "share/full.bin");
    const paused = await tm.m.wait(id);
    assert.equal(paused.status, "paused");
    assert.equal(paused.error?.code, "disk-full");
    assert.match(paused.error?.message ?? "", /disk is full/);
    assert.equal(tm.of("retrying").length, 0, "not a retry loop");
    assert.ok(paused.committedBytes > 0, "bytes before the failure were kept");
    if (realTmpfs) execFileSync("mount", ["-o", "remount,size=8m", out]);
    const retried = await tm.m.retry(id);
    assert.equal(retried.status, "queued");
    const done = await tm.m.wait(id);
    assert.equal(done.status, "completed", JSON.stringify(done.error));
    assert.deepEqual(await readFile(path.join(out, "full.bin")), data);
    assert.ok(tm.of("started").at(-1)!.resumeFrom > 0, "resumed, not restarted");
  } finally {
    await tm.m.close();
  }
});

test("EDQUOT (quota) also pauses; re-running enqueue on a paused job retries it", async () => {
  const out = path.join(work.dir, "quota");
  let fail = true;
  const fs: TransferFs = {
    async write(fh, chunk, position) {
      if (fail && position > 512 * 1024) {
        fail = false;
        throw Object.assign(new Error("EDQUOT: disk quota exceeded, write"), { code: "EDQUOT" });
      }
      let done = 0;
      while (done < chunk.length)
        done += (await fh.write(chunk, done, chunk.length - done, position + done)).bytesWritten;
    },
  };
  const tm = await startManager({ dataDir: path.join(work.dir, "quota-db"), downloadDir: out, fs, transport: "http" });
  try {
    const id = await tm.m.enqueue({ url: peer.url, key: peer.key }, "share/quota.bin");
    assert.equal((await tm.m.wait(id)).status, "paused");
    const again = await tm.m.enqueue({ url: peer.url, key: peer.key }, "share/quota.bin");
    assert.equal(again, id, "the same job");
    const done = await tm.m.wait(id);
    assert.equal(done.status, "completed", JSON.stringify(done.error));
    assert.deepEqual(await readFile(path.join(out, "quota.bin")), data);
  } finally {
    await tm.m.close();
  }
});

test("stale rows for one destination (spelt through a symlink) and dead owners: one resumed, the others superseded", async () => {
  const out = path.join(work.dir, "dup");
  await mkdir(out);
  const link = path.join(work.dir, "dup-link");
  await symlink(out, link);
  const dataDir = path.join(work.dir, "dup-db");
  // A pid that certainly exited: a finished child of ours.
  const dead = spawnSync(process.execPath, ["-e", ""]).pid ?? 999_999;
  const db = await openDownloadsDatabase(dataDir);
  const client = createPeerClient({ baseUrl: peer.url, apiKey: peer.key });
  const item = await client.statItem("share/dup.bin");
  client.close();
  const t0 = Date.now();
  const { keyRef } = await import("../../client/remotes/key-ref.js");
  for (const [i, dir] of [out, link, out].entries()) {
    const destination = path.join(dir, i === 2 ? "dup-other.bin" : "dup.bin");
    await insertDownload(db, {
      id: `stale-${i}`,
      peer_url: peer.url,
      key_ref: keyRef(peer.key),
      transport: "connect",
      item_id: "share/dup.bin",
      file_name: path.basename(destination),
      destination,
      part_path: `${destination}.part`,
      expected_size: Number(item.size),
      expected_etag: item.etag,
      expected_sha256: null,
      committed_bytes: 0,
      status: "downloading",
      attempts: 1,
      restarts: 0,
      lease_owner: `${os.hostname()}/${dead}/deadbeef`,
      lease_expires_at: t0 + 3_600_000,
      created_at: t0 + i,
      updated_at: t0 + i,
    });
  }
  await db.destroy();
  const tm = await startManager({ dataDir, downloadDir: out, keys: [peer.key] });
  try {
    const [a, b, c] = [await tm.m.wait("stale-0"), await tm.m.wait("stale-1"), await tm.m.wait("stale-2")];
    assert.equal(a.status, "completed", JSON.stringify(a.error));
    assert.equal(b.status, "failed");
    assert.equal(b.error?.code, "superseded");
    assert.equal(c.status, "completed", "another destination is not a duplicate");
    assert.deepEqual(await readFile(path.join(out, "dup.bin")), data);
    assert.deepEqual(await readFile(path.join(out, "dup-other.bin")), data);
  } finally {
    await tm.m.close();
  }
});
