/**
 * `peer get <peer> share/<folder>/ --stream` as a user runs it (docs/downloads.md "The stream
 * server"): the real CLI in a child process, the peer behind a throttling proxy
 * (bench/throttle-proxy.ts) so the folder (16 MB at 256 KiB/s) is still downloading while it is read. Its URL is a
 * playlist (a page of links for a browser); each file is at `/<relative path>`: curl reads
 * ranges of a file whose path needs escaping, ffprobe reads an MP4 (its `moov` at the end,
 * made with ffmpeg at test time) inside the folder; then the link opens, the folder
 * completes byte-identical, the files are still served, and Ctrl-C ends it with 0.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { startThrottleProxy, type ThrottleProxy } from "../../bench/throttle-proxy.js";
import { createPeerClient } from "../../client/index.js";
import { type CliChild, spawnCli } from "../helpers/download-cli.js";
import { tempDir, waitFor } from "../helpers/download-fixtures.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";

const KiB = 1024;
const ffmpegMissing = spawnSync("ffmpeg", ["-version"]).status !== 0 || spawnSync("ffprobe", ["-version"]).status !== 0;
const skip =
  ffmpegMissing && process.env.CI !== "true" ? "ffmpeg/ffprobe not installed (apt-get install ffmpeg)" : false;
const NOTES = "extras/notes & more.bin";
const files: Record<string, Buffer> = {};
let work: { dir: string; remove: () => Promise<void> };
let peer: TestPeer;
let px: ThrottleProxy;
const children: CliChild[] = [];

function run(cmd: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: "latin1", maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${cmd} ${args.join(" ")}: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

before(async () => {
  if (skip !== false) return;
  work = await tempDir("peer-stream-folder-");
  const clip = path.join(work.dir, "clip.mp4");
  // 20 s of testsrc with noise (≈ 4 MB), moov at the end: ffprobe needs the end before anything.
  await run("ffmpeg", [
    ...["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25", "-t", "20"],
    ...["-vf", "noise=alls=20:allf=t", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p"],
    clip,
  ]);
  files["Film/clip.mp4"] = await readFile(clip);
  files[`Film/${NOTES}`] = randomBytes(12 * 1024 * KiB + 333);
  peer = await startTestPeer({ files });
  const client = createPeerClient({ baseUrl: peer.url, apiKey: peer.key });
  for (const name of Object.keys(files))
    await waitFor(
      async () => ((await client.statItem(`share/${name}`)).piecesRoot !== "" ? true : undefined),
      "the pieces roots",
    );
  client.close();
  // About a minute for the whole folder (16 MB): the reads below are served from the pieces they raise.
  px = await startThrottleProxy({ targetPort: Number(new URL(peer.url).port), downBytesPerSecond: 256 * KiB });
});

after(async () => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill("SIGKILL");
  await px?.close();
  await peer?.close();
  await work?.remove();
});

test("a folder job's files are served while it downloads: playlist, ranges, ffprobe; then it completes", {
  skip,
}, async () => {
  const out = path.join(work.dir, "out");
  const c = spawnCli(["get", px.url, "share/Film/", "--stream", "--json", "--out", out], {
    cwd: work.dir,
    env: { PEER_KEY: peer.key, PEER_DATA_DIR: path.join(work.dir, "data") },
  });
  children.push(c);
  const line = await waitFor(() => c.lines.find((l) => l.type === "stream"), "the stream URL", 120_000);
  const url = String(line.url);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const listed = line.files as Array<{ path: string; url: string }>;
  assert.deepEqual(
    listed.map((f) => f.path),
    ["clip.mp4", NOTES],
  );
  const notesUrl = `${url}extras/notes%20%26%20more.bin`;
  assert.equal(listed[1]?.url, notesUrl);

  // The index: a playlist for players, links for a browser.
  const playlist = (await run("curl", ["-sS", "--fail", url])).stdout;
  assert.equal(playlist, `#EXTM3U\n#EXTINF:-1,clip.mp4\n${url}clip.mp4\n#EXTINF:-1,${NOTES}\n${notesUrl}\n`);
  const page = (await run("curl", ["-sS", "--fail", "-H", "Accept: text/html", url])).stdout;
  assert.match(page, /<a href="\/extras\/notes%20%26%20more.bin"><bdi>extras\/notes &amp; more.bin<\/bdi><\/a>/);

  // curl ranges of a file inside the folder, before it is complete.
  const notes = files[`Film/${NOTES}`] as Buffer;
  const from = 2 * 1024 * KiB;
  const ranged = await run("curl", ["-sS", "--fail", "-r", `${from}-${from + 99_999}`, "-D", "-", notesUrl]);
  const [head, body] = splitHead(ranged.stdout);
  assert.match(head, /^HTTP\/1\.1 206/);
  assert.match(head, new RegExp(`content-range: bytes ${from}-${from + 99_999}/${notes.length}`, "i"));
  assert.deepEqual(body, notes.subarray(from, from + 100_000), "verified bytes of that range only");
  const tail = await run("curl", ["-sS", "--fail", "-r", "-5000", notesUrl]);
  assert.deepEqual(Buffer.from(tail.stdout, "latin1"), notes.subarray(notes.length - 5000));
  const missing = await run("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", `${url}extras/nope.bin`]);
  assert.equal(missing.stdout, "404");

  // ffprobe on the MP4 inside the folder: it reads the moov at the end, then the start.
  const probe = await run("ffprobe", [
    ...["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"],
    `${url}clip.mp4`,
  ]);
  assert.ok(Math.abs(Number(probe.stdout.trim()) - 20) < 0.5, `duration ${probe.stdout}`);
  assert.equal(
    c.lines.some((l) => l.type === "folder-summary"),
    false,
    "the folder was still downloading while it was read",
  );

  px.setRate({ down: undefined });
  await waitFor(() => c.lines.find((l) => l.type === "stream-serving"), "serving after completion", 240_000);
  for (const [name, bytes] of Object.entries(files))
    assert.deepEqual(await readFile(path.join(out, ...name.split("/"))), bytes, `${name} byte-identical`);
  const after = await run("curl", ["-sS", "--fail", "-r", "0-9", `${url}clip.mp4`]);
  assert.deepEqual(Buffer.from(after.stdout, "latin1"), files["Film/clip.mp4"]?.subarray(0, 10), "still served");
  c.child.kill("SIGINT");
  const done = await c.done;
  assert.equal(done.code, 0, `Ctrl-C after completion ends serving with 0\n${done.stderr}`);
});

/** A `curl -D -` answer: its head (text) and its body (bytes). */
function splitHead(stdout: string): [string, Buffer] {
  const end = stdout.indexOf("\r\n\r\n");
  return [stdout.slice(0, end), Buffer.from(stdout.slice(end + 4), "latin1")];
}
