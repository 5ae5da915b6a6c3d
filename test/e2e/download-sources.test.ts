/**
 * Several sources end to end (docs/downloads.md "Sources"): real peers on loopback, each
 * behind a proxy that throttles, cuts or flips bytes (test/helpers/throttle-proxy.ts), a
 * real nginx as a plain HTTP mirror, and servers that lie. Sources are added to the job's
 * `download_source` rows before it runs, as `peer get --source/--mirror` does.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { createPeerClient } from "../../client/index.js";
import { keyRef } from "../../client/remotes/key-ref.js";
import { openDownloadsDatabase } from "../../client/store/database.js";
import { listSources, upsertSource } from "../../client/store/download-source.repository.js";
import { findNginx, startNginx, type NginxServer } from "../../bench/nginx.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { startThrottleProxy, type ThrottleProxy } from "../../bench/throttle-proxy.js";
import { startManager, tempDir, waitFor, type TestManager } from "../helpers/download-fixtures.js";
import { runDownloadChild } from "../helpers/run-download-child.js";

const MiB = 1024 * 1024;
const data = randomBytes(12 * MiB + 4321);
const other = randomBytes(data.length);
const peers: TestPeer[] = [];
const closers: Array<() => Promise<void>> = [];
let work: { dir: string; remove: () => Promise<void> };

before(async () => {
  work = await tempDir("peer-sources-");
  for (let i = 0; i < 3; i++) peers.push(await startTestPeer({ files: { "movie.bin": data } }));
  for (const p of peers) {
    const client = createPeerClient({ baseUrl: p.url, apiKey: p.key });
    await waitFor(
      async () => ((await client.statItem("share/movie.bin")).piecesRoot !== "" ? true : undefined),
      "the pieces root",
    );
    client.close();
  }
});
after(async () => {
  for (const c of closers.splice(0)) await c().catch(() => undefined);
  for (const p of peers) await p.close();
  await work.remove();
});

async function proxy(peer: TestPeer, options: Partial<Parameters<typeof startThrottleProxy>[0]> = {}) {
  const port = Number(new URL(peer.url).port);
  const px = await startThrottleProxy({ targetPort: port, ...options });
  closers.push(() => px.close());
  return px;
}

interface Extra {
  readonly url: string;
  readonly key?: string;
  readonly kind?: "peer" | "mirror";
}

/**
 * Creates the job from `primary` without running it, adds `extras` as its sources, then runs
 * it in a manager that knows every key. Returns the manager and the job id.
 */
async function runWithSources(name: string, primary: Extra, extras: readonly Extra[], options = {}) {
  const dataDir = path.join(work.dir, name, "data");
  const outDir = path.join(work.dir, name, "out");
  await mkdir(outDir, { recursive: true });
  const keys = [primary, ...extras].flatMap((e) => (e.key === undefined ? [] : [e.key]));
  const creator = await startManager({ dataDir, downloadDir: outDir, keys }, { runJobs: false });
  const id = await creator.m.enqueue({ url: primary.url, key: primary.key ?? "" }, "share/movie.bin");
  await creator.m.close();
  const db = await openDownloadsDatabase(dataDir);
  for (const e of extras) {
    const peer = e.kind !== "mirror";
    await upsertSource(
      db,
      id,
      peer
        ? { kind: "peer", url: e.url, keyRef: keyRef(e.key ?? ""), transport: "connect" }
        : { kind: "mirror", url: e.url },
      Date.now(),
    );
  }
  await db.destroy();
  const t = await startManager({ dataDir, downloadDir: outDir, keys, ...options }, { runQueue: false });
  closers.push(() => t.m.close());
  assert.equal(await t.m.runNext(), id, "the queued job runs here");
  return { t, id, dataDir, destination: path.join(outDir, "movie.bin") };
}

async function sourcesOf(dataDir: string, id: string) {
  const db = await openDownloadsDatabase(dataDir);
  try {
    return await listSources(db, id);
  } finally {
    await db.destroy();
  }
}

async function waitDone(t: TestManager, id: string) {
  return waitFor(
    () => (t.events.some((e) => e.id === id && (e.type === "completed" || e.type === "failed")) ? true : undefined),
    "the job to end",
    240_000,
  );
}

test("three sources, one flipping a byte per MiB → that source is banned, the others finish, the file is right", async () => {
  const a = await proxy(peers[0] as TestPeer, { downBytesPerSecond: 6 * MiB });
  const b = await proxy(peers[1] as TestPeer, { downBytesPerSecond: 6 * MiB });
  const bad = await proxy(peers[2] as TestPeer, { downBytesPerSecond: 6 * MiB, flipEveryBytes: MiB });
  const [pa, pb, pc] = peers as [TestPeer, TestPeer, TestPeer];
  const { t, id, dataDir, destination } = await runWithSources("flip", { url: a.url, key: pa.key }, [
    { url: b.url, key: pb.key },
    { url: bad.url, key: pc.key },
  ]);
  await waitDone(t, id);
  const done = t.of("completed").find((e) => e.id === id);
  assert.ok(done, `completed (events: ${t.events.map((e) => e.type).join(",")})`);
  assert.equal(done.verified, "pieces root");
  assert.deepEqual(await readFile(destination), data);
  const banned = t.of("source-banned");
  assert.deepEqual(
    banned.map((e) => e.source),
    [bad.url],
  );
  assert.ok(t.of("piece-failed").every((e) => e.source === bad.url));
  const rows = await sourcesOf(dataDir, id);
  const byUrl = new Map(rows.map((r) => [r.url, r]));
  assert.match(byUrl.get(bad.url)?.banned_reason ?? "", /failed its hash/);
  assert.equal(byUrl.get(a.url)?.banned_reason, null);
  assert.ok(Number(byUrl.get(a.url)?.bytes_delivered) > 0 && Number(byUrl.get(b.url)?.bytes_delivered) > 0);
  const progress = t.of("progress").filter((e) => e.id === id && e.sources !== undefined);
  assert.ok(progress.some((e) => (e.sources ?? []).filter((s) => s.state === "active").length >= 2));
});

test("a source that disappears mid-download: the others finish", async () => {
  const [pa, pb] = peers as [TestPeer, TestPeer];
  const a = await proxy(pa, { downBytesPerSecond: 8 * MiB });
  const gone = await proxy(pb, { downBytesPerSecond: 8 * MiB, cutAfterBytes: 3 * MiB });
  const { t, id, dataDir, destination } = await runWithSources("gone", { url: gone.url, key: pb.key }, [
    { url: a.url, key: pa.key },
  ]);
  await waitDone(t, id);
  assert.ok(
    t.of("completed").some((e) => e.id === id),
    t.events.map((e) => e.type).join(","),
  );
  assert.deepEqual(await readFile(destination), data);
  const row = (await sourcesOf(dataDir, id)).find((r) => r.url === gone.url);
  assert.ok(Number(row?.failures) >= 1 || (row?.last_error ?? "") !== "", "the lost source's failure is recorded");
  assert.deepEqual(t.of("source-banned"), [], "a source that goes away is not banned");
});

test("every source down for a while, then back → the job resumes and completes", async () => {
  const [pa, pb] = peers as [TestPeer, TestPeer];
  const a = await proxy(pa, { downBytesPerSecond: 4 * MiB });
  const b = await proxy(pb, { downBytesPerSecond: 4 * MiB });
  const { t, id, destination } = await runWithSources(
    "down",
    { url: a.url, key: pa.key },
    [{ url: b.url, key: pb.key }],
    { backoff: { baseMs: 100, capMs: 400, maxAttempts: 40 } },
  );
  await waitFor(() => (t.of("progress").some((e) => e.id === id && e.bytes > 2 * MiB) ? true : undefined), "bytes");
  await Promise.all([a.cut(), b.cut()]);
  await waitFor(() => (t.of("retrying").some((e) => e.id === id) ? true : undefined), "a retry");
  await new Promise((r) => setTimeout(r, 800));
  await Promise.all([a.restore(), b.restore()]);
  await waitDone(t, id);
  assert.ok(
    t.of("completed").some((e) => e.id === id),
    t.events.map((e) => e.type).join(","),
  );
  assert.deepEqual(await readFile(destination), data);
});

async function nginxOr(t: { skip: (m: string) => void }): Promise<string | undefined> {
  const bin = findNginx();
  if (bin !== undefined) return bin;
  if (process.env.CI === "true") assert.fail("CI must run the mirror tests: nginx is not installed");
  t.skip("nginx is not installed");
  return undefined;
}

async function mirror(bin: string, bytes: Buffer): Promise<NginxServer> {
  const root = path.join(work.dir, `mirror-${Math.random().toString(36).slice(2)}`);
  await mkdir(root, { recursive: true });
  await writeFile(path.join(root, "movie.bin"), bytes);
  const n = await startNginx(bin, root);
  closers.push(() => n.stop());
  return n;
}

test("a plain nginx mirror plus one peer: both deliver, the file is right", async (t) => {
  const bin = await nginxOr(t);
  if (bin === undefined) return;
  const n = await mirror(bin, data);
  const pa = peers[0] as TestPeer;
  const a = await proxy(pa, { downBytesPerSecond: 6 * MiB });
  const m = await proxy({ url: n.url } as TestPeer, { downBytesPerSecond: 6 * MiB });
  const run = await runWithSources("nginx", { url: a.url, key: pa.key }, [
    { url: `${m.url}/movie.bin`, kind: "mirror" },
  ]);
  await waitDone(run.t, run.id);
  assert.ok(
    run.t.of("completed").some((e) => e.id === run.id),
    run.t.events.map((e) => e.type).join(","),
  );
  assert.deepEqual(await readFile(run.destination), data);
  const rows = await sourcesOf(run.dataDir, run.id);
  const mirrorRow = rows.find((r) => r.kind === "mirror");
  assert.ok(Number(mirrorRow?.bytes_delivered) > 0, "the mirror delivered pieces");
  assert.equal(mirrorRow?.banned_reason, null);
});

test("a mirror serving different bytes is banned at its first piece", async (t) => {
  const bin = await nginxOr(t);
  if (bin === undefined) return;
  const n = await mirror(bin, other);
  const pa = peers[0] as TestPeer;
  const a = await proxy(pa, { downBytesPerSecond: 6 * MiB });
  const run = await runWithSources("liar", { url: a.url, key: pa.key }, [
    { url: `${n.url}/movie.bin`, kind: "mirror" },
  ]);
  await waitDone(run.t, run.id);
  assert.deepEqual(await readFile(run.destination), data);
  const banned = run.t.of("source-banned");
  assert.deepEqual(
    banned.map((e) => e.source),
    [`${n.url}/movie.bin`],
  );
  assert.equal(run.t.of("piece-failed").length, 1, "banned at its first piece");
});

test("a mirror that ignores Range (200 with the whole file) is not used for ranges", async () => {
  let requests = 0;
  const srv = http.createServer((_req, res) => {
    requests++;
    res.writeHead(200, { "content-length": String(data.length), "content-type": "application/octet-stream" });
    res.end(data);
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise<void>((resolve) => srv.close(() => resolve())));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/movie.bin`;
  const pa = peers[0] as TestPeer;
  const run = await runWithSources("no-range", { url: pa.url, key: pa.key }, [{ url, kind: "mirror" }]);
  await waitDone(run.t, run.id);
  assert.deepEqual(await readFile(run.destination), data);
  const row = (await sourcesOf(run.dataDir, run.id)).find((r) => r.url === url);
  assert.match(row?.last_error ?? "", /ignores Range/);
  assert.equal(Number(row?.bytes_delivered), 0);
  assert.equal(row?.banned_reason, null, "not banned: its bytes may be right, it just cannot serve ranges");
  assert.ok(requests <= 1, `asked ${requests} times`);
});

test("kill -9 while three sources deliver, then a run with one: the file is byte-identical", async () => {
  const [pa, pb, pc] = peers as [TestPeer, TestPeer, TestPeer];
  const pxs = await Promise.all([pa, pb, pc].map((p) => proxy(p, { downBytesPerSecond: MiB })));
  const dir = path.join(work.dir, "kill3");
  await mkdir(dir, { recursive: true });
  const base = {
    dataDir: path.join(dir, "state"),
    downloadDir: dir,
    itemId: "share/movie.bin",
    checkpointBytes: 256 * 1024,
  };
  const [a, b, c] = pxs as [ThrottleProxy, ThrottleProxy, ThrottleProxy];
  const three = {
    ...base,
    url: a.url,
    key: pa.key,
    sources: [
      { url: b.url, key: pb.key },
      { url: c.url, key: pc.key },
    ],
  };
  const first = runDownloadChild(three);
  // Killed once every source has delivered verified bytes.
  await waitFor(
    () => {
      const busy = first.events().filter((e) => e.type === "progress" && Array.isArray(e.sources));
      const last = busy.at(-1) as { sources?: Array<{ bytes: number }> } | undefined;
      return last?.sources !== undefined && last.sources.filter((s) => s.bytes > 0).length === 3 ? true : undefined;
    },
    "all three sources delivering",
    120_000,
  );
  first.child.kill("SIGKILL");
  assert.equal((await first.done).signal, "SIGKILL");
  for (const p of pxs) p.setRate({ down: undefined });
  const second = runDownloadChild({ ...base, url: a.url, key: pa.key });
  const end = await second.done;
  assert.equal(end.code, 0, second.output());
  assert.deepEqual(await readFile(path.join(dir, "movie.bin")), data);
  assert.ok(second.events().some((e) => e.type === "completed" && e.verified === "pieces root"));
  const started = second.events().find((e) => e.type === "validated") as { resumeFrom?: number } | undefined;
  assert.ok((started?.resumeFrom ?? 0) > 0, "the second run resumed from the verified pieces");
});

test("the job's own peer gone for good: another peer gives the piece layer and every piece", async () => {
  const [pa, pb] = peers as [TestPeer, TestPeer];
  const a = await proxy(pa);
  const b = await proxy(pb, { downBytesPerSecond: 16 * MiB });
  const dataDir = path.join(work.dir, "primary-gone", "data");
  const outDir = path.join(work.dir, "primary-gone", "out");
  await mkdir(outDir, { recursive: true });
  const keys = [pa.key, pb.key];
  const creator = await startManager({ dataDir, downloadDir: outDir, keys }, { runJobs: false });
  const id = await creator.m.enqueue({ url: a.url, key: pa.key }, "share/movie.bin", {
    sources: [{ url: b.url, key: pb.key }],
  });
  await creator.m.close();
  await a.cut(); // before the first attempt: no StatItem, no GetPieceHashes, no bytes from it
  const t = await startManager({ dataDir, downloadDir: outDir, keys }, { runQueue: false });
  closers.push(() => t.m.close());
  assert.equal(await t.m.runNext(), id);
  await waitDone(t, id);
  const done = t.of("completed").find((e) => e.id === id);
  assert.ok(done, t.events.map((e) => (e.type === "failed" ? `failed: ${e.error.message}` : e.type)).join(","));
  assert.equal(done.verified, "pieces root");
  assert.deepEqual(await readFile(path.join(outDir, "movie.bin")), data);
  const rows = await sourcesOf(dataDir, id);
  assert.equal(
    Number(rows.find((r) => r.url === b.url)?.bytes_delivered),
    data.length,
    "every byte from the other peer",
  );
});
