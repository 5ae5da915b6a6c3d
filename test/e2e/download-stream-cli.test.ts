/**
 * `peer get --stream` as a user runs it (docs/downloads.md "Reading a download while it
 * runs"): the real CLI in a child process behind a throttling proxy, a player reading its
 * URL, `kill -9` of the CLI while the player reads, then the same command again: the job
 * resumes, the new URL serves the file, the download completes byte-identical, and the
 * command keeps serving until Ctrl-C (exit 0).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createPeerClient } from "../../client/index.js";
import { startThrottleProxy, type ThrottleProxy } from "../../bench/throttle-proxy.js";
import { spawnCli, type CliChild } from "../helpers/download-cli.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { tempDir, waitFor } from "../helpers/download-fixtures.js";

const KiB = 1024;
const data = randomBytes(4 * 1024 * KiB + 777);
let work: { dir: string; remove: () => Promise<void> };
let peer: TestPeer;
let px: ThrottleProxy;
const children: CliChild[] = [];

before(async () => {
  work = await tempDir("peer-stream-cli-");
  peer = await startTestPeer({ files: { "film.bin": data } });
  const client = createPeerClient({ baseUrl: peer.url, apiKey: peer.key });
  await waitFor(
    async () => ((await client.statItem("share/film.bin")).piecesRoot !== "" ? true : undefined),
    "the pieces root",
  );
  client.close();
  px = await startThrottleProxy({ targetPort: Number(new URL(peer.url).port), downBytesPerSecond: 64 * KiB });
});

after(async () => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill("SIGKILL");
  await px?.close();
  await peer?.close();
  await work?.remove();
});

function get(): CliChild {
  const c = spawnCli(["get", px.url, "share/film.bin", "--stream", "--json", "--out", path.join(work.dir, "out")], {
    cwd: work.dir,
    env: { PEER_KEY: peer.key, PEER_DATA_DIR: path.join(work.dir, "data") },
  });
  children.push(c);
  return c;
}

async function streamUrl(c: CliChild): Promise<string> {
  const line = await waitFor(() => c.lines.find((l) => l.type === "stream"), "the stream URL", 120_000);
  return String(line.url);
}

test("kill -9 while a player reads, then the same command resumes and serves the whole file", async () => {
  const first = get();
  const url = await streamUrl(first);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/film\.bin$/);
  // A player reads from the middle; once it has bytes, the CLI dies without a chance to clean up.
  const from = 2 * 1024 * KiB;
  const res = await fetch(url, { headers: { Range: `bytes=${from}-` } });
  assert.equal(res.status, 206);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const got: Buffer[] = [];
  while (Buffer.concat(got).length < 16 * KiB) {
    const r = await reader.read();
    if (r.done) break;
    got.push(Buffer.from(r.value));
  }
  assert.deepEqual(Buffer.concat(got), data.subarray(from, from + Buffer.concat(got).length), "verified bytes only");
  first.child.kill("SIGKILL");
  await first.done;
  await reader.read().then(
    () => undefined,
    () => undefined, // the connection died with the process
  );

  // The same command again: it resumes, and its new URL serves the file.
  const second = get();
  const url2 = await streamUrl(second);
  const resumed = await waitFor(() => second.lines.find((l) => l.type === "validated"), "the resumed attempt", 120_000);
  assert.ok(Number(resumed.resumeFrom) > 0, "pieces verified before the kill were kept");
  px.setRate({ down: undefined });
  const whole = Buffer.from(await (await fetch(url2)).arrayBuffer());
  assert.deepEqual(whole, data, "a player reading through the resume gets the file");
  await waitFor(() => second.lines.find((l) => l.type === "stream-serving"), "serving after completion", 120_000);
  assert.deepEqual(await readFile(path.join(work.dir, "out", "film.bin")), data, "byte-identical");
  const after = await fetch(url2, { headers: { Range: "bytes=0-9" } });
  assert.equal(after.status, 206, "still serving after completion");
  assert.deepEqual(Buffer.from(await after.arrayBuffer()), data.subarray(0, 10));
  second.child.kill("SIGINT");
  const run = await second.done;
  assert.equal(run.code, 0, `Ctrl-C after completion ends serving with 0\n${run.stderr}`);
  assert.ok(run.lines.some((l) => l.type === "completed"));
});
