/**
 * Streaming behaviour over real sockets: backpressure (a stalled reader does
 * not make the server read the file), prompt stop and close on disconnect,
 * and a file that changes mid-response is cut off, never mixed.
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import * as http from "node:http";
import * as http2 from "node:http2";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileBytes } from "./helpers/cases.js";
import { filePath } from "./helpers/client.js";
import { SHARE, TEST_KEY, startRouteServers, type RouteServers } from "./helpers/route-servers.js";

const auth = { authorization: `Bearer ${TEST_KEY}` };
const MiB = 1024 * 1024;
const BIG = 256 * MiB;

/** Bytes this process has read with read(2)-like calls (files and sockets), from /proc/self/io. */
function bytesRead(): number {
  const m = /^rchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"));
  assert.ok(m, "/proc/self/io has rchar");
  return Number(m[1]);
}

/** Descriptors of this process open on `file`. */
function openCount(file: string): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === file) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `read()` stops changing (no growth for `quietMs`), up to `maxMs`. */
async function settle(quietMs = 600, maxMs = 20_000): Promise<void> {
  let last = bytesRead();
  const start = Date.now();
  while (Date.now() - start < maxMs) {
    await sleep(quietMs);
    const now = bytesRead();
    if (now - last < 64 * 1024) return;
    last = now;
  }
}

async function waitFor(cond: () => boolean, what: string, maxMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > maxMs) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe("streaming", { timeout: 120_000 }, () => {
  let servers: RouteServers;
  let bigPath: string;
  before(async () => {
    servers = await startRouteServers({ files: { "small.bin": "x" } });
    bigPath = path.join(servers.shareDir, "big.bin");
    // 256 MiB, written in pieces to keep the test's own memory small.
    const piece = Buffer.alloc(16 * MiB, 0x5a);
    await writeFile(bigPath, "");
    const { appendFile } = await import("node:fs/promises");
    for (let i = 0; i < BIG / piece.length; i++) await appendFile(bigPath, piece);
  });
  after(() => servers?.close());

  test("HTTP/1.1: a reader that stops reading does not make the server read the file", async (t) => {
    const before = bytesRead();
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get(`${servers.h1}${filePath(SHARE, "big.bin")}`, { headers: auth, agent: false }, resolve)
        .on("error", reject);
    });
    assert.equal(res.statusCode, 200);
    res.pause();
    await settle();
    const read = bytesRead() - before;
    // Socket buffers plus one 2 MiB chunk in flight; far from the 256 MiB file.
    t.diagnostic(`bytes read while stalled: ${(read / MiB).toFixed(1)} MiB`);
    assert.ok(read < 64 * MiB, `server read ${(read / MiB).toFixed(1)} MiB for a stalled reader`);
    assert.equal(openCount(bigPath), 1, "the file is open while the response is pending");
    res.destroy();
    await waitFor(() => openCount(bigPath) === 0, "the file to be closed after the client left");
  });

  test("h2c: a stalled stream is bounded too, and a reset closes the file", async (t) => {
    const before = bytesRead();
    const session = http2.connect(servers.h2);
    session.on("error", () => undefined);
    const stream = session.request({ ":path": filePath(SHARE, "big.bin"), ...auth }, { endStream: true });
    stream.on("error", () => undefined);
    const status = await new Promise<number>((resolve) => stream.on("response", (h) => resolve(Number(h[":status"]))));
    assert.equal(status, 200);
    stream.pause();
    await settle();
    const read = bytesRead() - before;
    t.diagnostic(`bytes read while stalled: ${(read / MiB).toFixed(1)} MiB`);
    assert.ok(read < 64 * MiB, `server read ${(read / MiB).toFixed(1)} MiB for a stalled h2 stream`);
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await waitFor(() => openCount(bigPath) === 0, "the file to be closed after the reset");
    session.close();
  });

  test("HTTP/1.1: a full download still works after the stalled ones", async () => {
    let total = 0;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get(`${servers.h1}${filePath(SHARE, "big.bin")}`, { headers: auth, agent: false }, resolve)
        .on("error", reject);
    });
    for await (const chunk of res) total += (chunk as Buffer).length;
    assert.equal(total, BIG);
  });
});

describe("a file changed mid-response", { timeout: 120_000 }, () => {
  const SIZE = 32 * MiB;
  const original = fileBytes(SIZE, 11);
  let servers: RouteServers;
  let file: string;
  before(async () => {
    servers = await startRouteServers({ files: {}, route: { chunkSize: 256 * 1024 } });
    file = path.join(servers.shareDir, "changing.bin");
  });
  after(() => servers?.close());

  /** Starts a download, changes the file after the first bytes, and returns what arrived and how it ended. */
  type Downloaded = { body: Buffer; ended: "cleanly" | "error" };
  async function download(transport: "h1" | "h2", replacement: Buffer): Promise<Downloaded> {
    await writeFile(file, original);
    const chunks: Buffer[] = [];
    let changed = false;
    // The rewrite can still be running when the client already saw the abort: the next case must not
    // start (and write the file again) before it is done, or two writes interleave.
    let rewrite: Promise<void> = Promise.resolve();
    const onData = (chunk: Buffer, pause: () => void, resume: () => void): void => {
      chunks.push(chunk);
      if (changed) return;
      changed = true;
      pause();
      rewrite = writeFile(file, replacement).then(resume);
    };
    if (transport === "h1") {
      const result = await new Promise<Downloaded>((resolve) => {
        const req = http.get(
          `${servers.h1}${filePath(SHARE, "changing.bin")}`,
          { headers: auth, agent: false },
          (res) => {
            res.on("data", (c: Buffer) =>
              onData(
                c,
                () => res.pause(),
                () => res.resume(),
              ),
            );
            res.on("end", () => resolve({ body: Buffer.concat(chunks), ended: res.complete ? "cleanly" : "error" }));
            res.on("error", () => resolve({ body: Buffer.concat(chunks), ended: "error" }));
          },
        );
        req.on("error", () => resolve({ body: Buffer.concat(chunks), ended: "error" }));
      });
      await rewrite;
      return result;
    }
    const session = http2.connect(servers.h2);
    session.on("error", () => undefined);
    try {
      const result = await new Promise<Downloaded>((resolve) => {
        const stream = session.request({ ":path": filePath(SHARE, "changing.bin"), ...auth }, { endStream: true });
        stream.on("data", (c: Buffer) =>
          onData(
            c,
            () => stream.pause(),
            () => stream.resume(),
          ),
        );
        stream.on("end", () => resolve({ body: Buffer.concat(chunks), ended: stream.rstCode ? "error" : "cleanly" }));
        stream.on("error", () => resolve({ body: Buffer.concat(chunks), ended: "error" }));
      });
      await rewrite;
      return result;
    } finally {
      session.close();
    }
  }

  for (const transport of ["h1", "h2"] as const) {
    for (const [how, replacement] of [
      ["truncated", original.subarray(0, SIZE / 2)],
      ["rewritten with the same size", fileBytes(SIZE, 12)],
    ] as const) {
      test(`${transport}: ${how} → cut short, only bytes of the first version`, async () => {
        const { body, ended } = await download(transport, Buffer.from(replacement));
        assert.equal(
          ended,
          "error",
          `the client sees an error, not a clean end (got ${body.length} of ${SIZE}, prefix ok: ${body.equals(original.subarray(0, body.length))})`,
        );
        assert.ok(body.length < SIZE, `short body (${body.length} of ${SIZE})`);
        assert.ok(
          body.equals(original.subarray(0, body.length)),
          "every byte received belongs to the original version",
        );
        await waitFor(() => openCount(file) === 0, "the file to be closed");
      });
    }
  }
});
