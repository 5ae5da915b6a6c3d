/**
 * The throttling proxy (test helper for multi-source tests and the bench)
 * against real TCP servers on loopback. Rates are checked only from below
 * (a throttle may never be faster than its rate): no speed is asserted.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { BURST_MS, createLinkPacer } from "../../bench/link-pacer.js";
import { startThrottleProxy, type ThrottleProxy } from "../../bench/throttle-proxy.js";

const MiB = 1024 * 1024;
const payload = randomBytes(3 * MiB);

/** Serves `payload` to every connection, then ends; echoes nothing. */
let blob: net.Server;
/** Echoes what it receives. */
let echo: net.Server;
/** Counts what it receives, answers with the count when the client ends. */
let sink: net.Server;

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)),
  );
}

let blobPort: number;
let echoPort: number;
let sinkPort: number;
const proxies: ThrottleProxy[] = [];

before(async () => {
  blob = net.createServer((s) => {
    s.on("error", () => {});
    s.end(payload);
  });
  echo = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on("error", () => {});
    s.pipe(s);
  });
  sink = net.createServer({ allowHalfOpen: true }, (s) => {
    let n = 0;
    s.on("error", () => {});
    s.on("data", (c: Buffer) => (n += c.length));
    s.on("end", () => s.end(String(n)));
  });
  [blobPort, echoPort, sinkPort] = await Promise.all([listen(blob), listen(echo), listen(sink)]);
});
after(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  for (const s of [blob, echo, sink]) s.close();
});

async function proxyTo(port: number, options: Omit<Parameters<typeof startThrottleProxy>[0], "targetPort"> = {}) {
  const p = await startThrottleProxy({ targetPort: port, ...options });
  proxies.push(p);
  return p;
}

/** Connects, sends `send` (then half-closes), and collects everything until the server ends or the socket dies. */
function exchange(port: number, send?: Buffer): Promise<{ data: Buffer; error?: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    let error: string | undefined;
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("end", () => s.end());
    s.on("error", (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    s.on("close", () => resolve({ data: Buffer.concat(chunks), error, ms: performance.now() - t0 }));
    s.on("connect", () => (send === undefined ? undefined : s.end(send)));
  });
}

/** Least time `bytes` can take at `rate` on a link with burst credit. */
function floorMs(bytes: number, rate: number): number {
  return (bytes / rate) * 1000 - BURST_MS - 20;
}

describe("link pacer slices", () => {
  const cases: Array<[string, number | undefined, number, number]> = [
    ["no rate: everything at once", undefined, 5 * MiB, 5 * MiB],
    ["tiny rate: at least 1 KiB", 100, 10_000, 1024],
    ["1/50 s worth", 1_000_000, 100_000, 20_000],
    ["at most 64 KiB", 100 * MiB, MiB, 64 * 1024],
    ["never more than available", 100 * MiB, 10, 10],
  ];
  for (const [name, rate, available, expected] of cases) {
    test(name, () => assert.equal(createLinkPacer(rate).sliceSize(available), expected));
  }
});

describe("throttle proxy", { timeout: 120_000 }, () => {
  test("without options it forwards both ways byte for byte", async () => {
    const p = await proxyTo(echoPort);
    const sent = randomBytes(MiB + 17);
    const r = await exchange(p.port, sent);
    assert.equal(r.error, undefined);
    assert.ok(r.data.equals(sent));
    assert.equal(p.bytesUp, sent.length);
    assert.equal(p.bytesDown, sent.length);
    assert.deepEqual(p.flipped, []);
  });

  test("a down rate is never exceeded, and is shared by concurrent connections", async () => {
    const rate = 4 * MiB;
    const p = await proxyTo(blobPort, { downBytesPerSecond: rate });
    const [a, b] = await Promise.all([exchange(p.port), exchange(p.port)]);
    for (const r of [a, b]) assert.ok(r.data.equals(payload), "intact");
    const slowest = Math.max(a.ms, b.ms);
    assert.ok(slowest >= floorMs(2 * payload.length, rate), `${slowest} ms for 6 MiB at 4 MiB/s`);
  });

  test("an up rate is never exceeded; setRate lifts it", async () => {
    const rate = 2 * MiB;
    const p = await proxyTo(sinkPort, { upBytesPerSecond: rate });
    const sent = randomBytes(MiB);
    const r = await exchange(p.port, sent);
    assert.equal(r.data.toString(), String(sent.length));
    assert.ok(r.ms >= floorMs(sent.length, rate), `${r.ms} ms for 1 MiB at 2 MiB/s`);
    p.setRate({ up: undefined });
    const again = await exchange(p.port, sent);
    assert.equal(again.data.toString(), String(sent.length));
  });

  test("cutAfterBytes: exactly N bytes arrive, then the peer is gone (refused) until restore", async () => {
    const n = MiB + 12_345;
    const p = await proxyTo(blobPort, { cutAfterBytes: n, downBytesPerSecond: 16 * MiB });
    const r = await exchange(p.port);
    assert.equal(r.data.length, n);
    assert.ok(r.data.equals(payload.subarray(0, n)));
    assert.equal(p.isCut, true);
    const refused = await exchange(p.port);
    assert.equal(refused.error, "ECONNREFUSED");
    await p.restore();
    const whole = await exchange(p.port);
    assert.ok(whole.data.equals(payload), "the cut happens once; after restore the link is whole");
  });

  test("flipEveryBytes: one byte per period differs, counted across connections, at the offsets reported", async () => {
    const p = await proxyTo(blobPort, { flipEveryBytes: MiB });
    const first = await exchange(p.port);
    const second = await exchange(p.port);
    const diffs = (data: Buffer, base: number) => {
      const at: number[] = [];
      for (let i = 0; i < data.length; i++) if (data[i] !== payload[i]) at.push(base + i);
      return at;
    };
    assert.equal(first.data.length, payload.length);
    assert.equal(second.data.length, payload.length);
    const all = [...diffs(first.data, 0), ...diffs(second.data, payload.length)];
    const expected = [0.5, 1.5, 2.5, 3.5, 4.5, 5.5].map((m) => m * MiB);
    assert.deepEqual(all, expected);
    assert.deepEqual([...p.flipped], expected);
    assert.equal(first.data[MiB / 2], (payload[MiB / 2] ?? 0) ^ 0xff, "the byte is inverted");
  });

  test("a stall keeps the connection open and silent; restore lets the bytes through", async () => {
    const p = await proxyTo(echoPort);
    await p.cut("stall");
    const s = net.connect({ host: "127.0.0.1", port: p.port });
    const received: Buffer[] = [];
    s.on("data", (c: Buffer) => received.push(c));
    await new Promise((resolve) => s.once("connect", resolve));
    s.write("hello");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(Buffer.concat(received).length, 0, "nothing passes a stalled link");
    assert.equal(s.destroyed, false);
    await p.restore();
    await new Promise<void>((resolve) => {
      const check = () => (Buffer.concat(received).toString() === "hello" ? resolve() : setTimeout(check, 20));
      check();
    });
    s.destroy();
  });

  test("refuses a bad flip period", async () => {
    await assert.rejects(startThrottleProxy({ targetPort: blobPort, flipEveryBytes: 0 }), RangeError);
    await assert.rejects(startThrottleProxy({ targetPort: blobPort, flipEveryBytes: 10, flipPhase: 10 }), RangeError);
  });
});
