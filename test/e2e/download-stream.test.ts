/**
 * Reading a download while it runs (docs/downloads.md "Reading a download while it runs"),
 * end to end: a real peer behind a throttling proxy (bench/throttle-proxy.ts), the engine,
 * the stream server, and Debian's ffprobe / ffmpeg as the players. Test media is made with
 * ffmpeg at test time (20 s of testsrc at 160×120, with its `moov` index at the end, or at
 * the start with `-movflags +faststart`). The link is slow enough that the whole file would
 * take a minute: the players answer from the pieces they asked for; then the link is
 * opened and the download must complete byte-identical with readers attached.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { createPeerClient } from "../../client/index.js";
import { startStreamServer, type StreamServer } from "../../client/stream/stream-server.js";
import { startThrottleProxy, type ThrottleProxy } from "../../bench/throttle-proxy.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { startManager, tempDir, waitFor, type TestManager } from "../helpers/download-fixtures.js";

const KiB = 1024;
const ffmpegMissing = spawnSync("ffmpeg", ["-version"]).status !== 0 || spawnSync("ffprobe", ["-version"]).status !== 0;
const skip = ffmpegMissing
  ? process.env.CI === "true"
    ? false // in CI the tests must run (and fail loudly without ffmpeg)
    : "ffmpeg/ffprobe not installed (apt-get install ffmpeg)"
  : false;

let work: { dir: string; remove: () => Promise<void> };
let peer: TestPeer;
const media: Record<string, Buffer> = {};
const closers: Array<() => Promise<void>> = [];

function run(cmd: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${cmd} ${args.join(" ")}: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** 20 s of testsrc (≈ 4 MB: noise keeps the bit rate up), moov at the end or at the start. */
async function makeMedia(file: string, faststart: boolean): Promise<Buffer> {
  await run("ffmpeg", [
    ...["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25", "-t", "20"],
    ...["-vf", "noise=alls=20:allf=t", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p"],
    ...(faststart ? ["-movflags", "+faststart"] : []),
    file,
  ]);
  return readFile(file);
}

before(async () => {
  if (skip !== false) return;
  work = await tempDir("peer-stream-");
  media["end.mp4"] = await makeMedia(path.join(work.dir, "end.mp4"), false);
  media["start.mp4"] = await makeMedia(path.join(work.dir, "start.mp4"), true);
  media["noise.bin"] = randomBytes(3 * 1024 * KiB + 123);
  media["long.bin"] = randomBytes(12 * 1024 * KiB + 5);
  peer = await startTestPeer({ files: media });
  const client = createPeerClient({ baseUrl: peer.url, apiKey: peer.key });
  for (const name of Object.keys(media))
    await waitFor(
      async () => ((await client.statItem(`share/${name}`)).piecesRoot !== "" ? true : undefined),
      "the pieces root",
    );
  client.close();
});

after(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  await peer?.close();
  await work?.remove();
});

interface Streaming {
  readonly t: TestManager;
  readonly id: string;
  readonly server: StreamServer;
  readonly destination: string;
}

/** A job for `name` from the peer behind `proxies` (the first is the job's peer), served by a stream server. */
async function stream(
  name: string,
  proxies: readonly ThrottleProxy[],
  waitMs?: number,
  verifyPieces = true,
): Promise<Streaming> {
  const dir = path.join(work.dir, `dl-${name}-${closers.length}`);
  const t = await startManager({ dataDir: path.join(dir, "data"), downloadDir: dir, keys: [peer.key], verifyPieces });
  closers.push(() => t.m.close());
  const [first, ...rest] = proxies;
  const id = await t.m.enqueue({ url: first?.url ?? peer.url, key: peer.key }, `share/${name}`, {
    sources: rest.map((p) => ({ url: p.url, key: peer.key })),
  });
  const server = await startStreamServer(await t.m.tap(id), { waitMs });
  closers.push(() => server.close());
  return { t, id, server, destination: path.join(dir, name) };
}

async function slowLink(bytesPerSecond: number): Promise<ThrottleProxy> {
  const px = await startThrottleProxy({
    targetPort: Number(new URL(peer.url).port),
    downBytesPerSecond: bytesPerSecond,
  });
  closers.push(() => px.close());
  return px;
}

function completed(s: Streaming): boolean {
  return s.t.events.some((e) => e.id === s.id && e.type === "completed");
}

async function finish(s: Streaming, px: ThrottleProxy, name: string): Promise<void> {
  px.setRate({ down: undefined });
  await waitFor(() => (completed(s) ? true : undefined), "the download to complete", 240_000);
  assert.deepEqual(await readFile(s.destination), media[name], "byte-identical");
}

for (const [name, where] of [
  ["end.mp4", "moov at the end"],
  ["start.mp4", "moov at the start"],
] as const) {
  test(`${where}: ffprobe and a seek-and-decode answer on a throttled partial download; it completes byte-identical`, {
    skip,
  }, async () => {
    const px = await slowLink(64 * KiB); // the whole file would take about a minute
    const s = await stream(name, [px]);
    const probe = await run("ffprobe", [
      "-v",
      "error",
      "-show_entries",
      "format=duration",
      "-of",
      "csv=p=0",
      s.server.url,
    ]);
    assert.equal(Math.round(Number(probe.stdout.trim())), 20, "ffprobe reads the duration");
    const frame = path.join(work.dir, `${name}.png`);
    await run("ffmpeg", ["-v", "error", "-y", "-ss", "18", "-i", s.server.url, "-frames:v", "1", frame]);
    assert.ok((await stat(frame)).size > 0, "a frame at 90 % was decoded");
    assert.equal(completed(s), false, "the players were served from a partial download");
    const reads = s.t.events.flatMap((e) => (e.type === "progress" && e.reads !== undefined ? [e.reads] : []));
    assert.ok(reads.length > 0, "progress events showed the reads");
    // A reader attached while the rest arrives: it gets exactly the file.
    const whole = fetch(s.server.url).then(async (r) => Buffer.from(await r.arrayBuffer()));
    await finish(s, px, name);
    assert.deepEqual(await whole, media[name], "a reader attached through completion got the file");
  });
}

test("the stream answers like /v1/files/: 200, 206, 416, If-Range, validators from the pieces root, after completion too", {
  skip,
}, async () => {
  const px = await slowLink(256 * KiB);
  const s = await stream("noise.bin", [px]);
  const data = media["noise.bin"] as Buffer;
  const head = await fetch(s.server.url, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), String(data.length), "Content-Length is the full size");
  const etag = head.headers.get("etag") ?? "";
  assert.match(etag, /^"[0-9a-f]{64}"$/, "the ETag is the pieces root");
  assert.equal(head.headers.get("x-pieces-root"), etag.slice(1, -1));
  const tail = await fetch(s.server.url, { headers: { Range: "bytes=-1000" } });
  assert.equal(tail.status, 206);
  assert.equal(tail.headers.get("content-range"), `bytes ${data.length - 1000}-${data.length - 1}/${data.length}`);
  assert.deepEqual(Buffer.from(await tail.arrayBuffer()), data.subarray(data.length - 1000));
  const other = await fetch(s.server.url, { headers: { Range: "bytes=0-9", "If-Range": '"other"' } });
  assert.equal(other.status, 200, "If-Range with another validator: the whole file");
  await other.body?.cancel();
  const same = await fetch(s.server.url, { headers: { Range: "bytes=10-19", "If-Range": etag } });
  assert.equal(same.status, 206);
  assert.deepEqual(Buffer.from(await same.arrayBuffer()), data.subarray(10, 20));
  const none = await fetch(s.server.url, { headers: { Range: `bytes=${data.length}-` } });
  assert.equal(none.status, 416);
  assert.equal(none.headers.get("content-range"), `bytes */${data.length}`);
  await finish(s, px, "noise.bin");
  const again = await fetch(s.server.url, { headers: { Range: "bytes=5-9", "If-Range": etag } });
  assert.equal(again.status, 206, "still served after completion, same validator");
  assert.deepEqual(Buffer.from(await again.arrayBuffer()), data.subarray(5, 10));
});

test("a range covering a piece that fails its hash is served only after the good copy arrived", { skip }, async () => {
  const data = media["noise.bin"] as Buffer;
  const honest = await slowLink(128 * KiB);
  const port = Number(new URL(peer.url).port);
  // Fast and lying: one byte in every 64 KiB it sends is flipped.
  const liar = await startThrottleProxy({ targetPort: port, flipEveryBytes: 64 * KiB });
  closers.push(() => liar.close());
  const s = await stream("noise.bin", [honest, liar]);
  const from = 1024 * KiB;
  const res = await fetch(s.server.url, { headers: { Range: `bytes=${from}-${from + 512 * KiB - 1}` } });
  assert.equal(res.status, 206);
  const body = Buffer.from(await res.arrayBuffer());
  assert.deepEqual(body, data.subarray(from, from + 512 * KiB), "only verified bytes were served");
  const failed = s.t.events.filter((e) => e.type === "piece-failed" || e.type === "source-banned");
  assert.ok(failed.length > 0, "the liar's bad piece was caught");
  await finish(s, honest, "noise.bin");
});

test("a piece that does not come in time: 503 with Retry-After before the head, never a wrong byte", {
  skip,
}, async () => {
  const px = await slowLink(64 * KiB);
  const s = await stream("noise.bin", [px], 300);
  await waitFor(() => (s.t.events.some((e) => e.type === "validated") ? true : undefined), "the first read");
  await px.cut("stall"); // nothing more arrives
  const res = await fetch(s.server.url, { headers: { Range: "bytes=2000000-2000099" } });
  assert.equal(res.status, 503);
  assert.ok(Number(res.headers.get("retry-after")) >= 1);
  await res.body?.cancel();
  await px.restore();
  await finish(s, px, "noise.bin");
});

test("sequential: kept with the job; the first and last pieces arrive before the middle", { skip }, async () => {
  const px = await slowLink(512 * KiB);
  const dir = path.join(work.dir, "sequential");
  const t = await startManager({ dataDir: path.join(dir, "data"), downloadDir: dir, keys: [peer.key] });
  closers.push(() => t.m.close());
  const id = await t.m.enqueue({ url: px.url, key: peer.key }, "share/long.bin", { sequential: true });
  assert.equal((await t.m.get(id))?.sequential, true, "persisted with the job");
  const tap = await t.m.tap(id);
  const size = (media["long.bin"] as Buffer).length;
  const last = await waitFor(
    () => (tap.current.kind === "pieces" ? Math.ceil(size / tap.current.layout.pieceLength) - 1 : undefined),
    "the layout",
  );
  await waitFor(() => (tap.isReadable(last) ? true : undefined), "the last piece", 120_000);
  assert.equal(tap.isReadable(Math.floor(last / 2)), false, "the middle comes after both ends");
  assert.equal(tap.isReadable(0), true, "the first piece came first");
  px.setRate({ down: undefined });
  await waitFor(
    () => (t.events.some((e) => e.id === id && e.type === "completed") ? true : undefined),
    "completion",
    240_000,
  );
  assert.deepEqual(await readFile(path.join(dir, "long.bin")), media["long.bin"]);
});

test("without pieces (the whole-file path): the stream answers once the whole file is verified", { skip }, async () => {
  const px = await slowLink(1024 * KiB);
  const s = await stream("noise.bin", [px], 240_000, false);
  const res = await fetch(s.server.url, { headers: { Range: "bytes=100-199" } });
  assert.equal(completed(s), true, "nothing was served before the file was complete and verified");
  assert.equal(res.status, 206);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), (media["noise.bin"] as Buffer).subarray(100, 200));
  const done = s.t.events.find((e) => e.type === "completed");
  assert.equal(done?.type === "completed" ? done.verified : undefined, "sha256");
});
