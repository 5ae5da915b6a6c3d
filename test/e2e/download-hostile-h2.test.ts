/**
 * The raw HTTP/2 reader (client/transfer/raw-h2/) in whole downloads over connect-h2 and gRPC:
 * a real peer behind an HTTP/2 proxy (node:http2) that passes every call through but breaks
 * ReadFile's answers in one way at a time. A stream reset mid-body, a GOAWAY before the stream,
 * a connection closed mid-body are network faults: the engine retries and the file arrives
 * whole. An answer whose header list is over our limit fails every attempt: the job fails with
 * no file at the destination.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import http2 from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { startManager, tempDir, waitFor } from "../helpers/download-fixtures.js";
import { createPeerClient } from "../../client/index.js";

const READ_FILE = "/peer.v1.PeerService/ReadFile";
// Over 16 MiB, and still after two reads broken 1 MiB in: the pieces path reads the rest in one
// call each time, which takes the raw reader (raw-h2-choice.ts).
const data = randomBytes(19 * 1024 * 1024 + 11);
let peer: TestPeer;
let work: { dir: string; remove: () => Promise<void> };

before(async () => {
  peer = await startTestPeer({ files: { "a.bin": data } });
  await peer.server.hasher.idle();
  // The pieces path (transient reads) needs the pieces root: wait until the peer reports it.
  const client = createPeerClient({ baseUrl: peer.url, apiKey: peer.key });
  try {
    await waitFor(async () => ((await client.statItem("share/a.bin")).piecesRoot !== "" ? true : undefined), "root");
  } finally {
    client.close();
  }
  work = await tempDir("peer-hostile-h2-");
});
after(async () => {
  await peer.close();
  await work.remove();
});

/** How the proxy breaks a ReadFile answer. */
type Break = "rst-mid-body" | "goaway-before" | "close-mid-body" | "huge-headers";

interface Proxy {
  readonly url: string;
  /** ReadFile calls broken so far. */
  readonly broken: () => number;
  /** HTTP/2 connections accepted so far. */
  readonly connections: () => number;
  close(): void;
}

/** Breaks the first `times` ReadFile answers (all of them for Infinity), forwards everything else. */
async function startProxy(how: Break, times: number): Promise<Proxy> {
  const upstream = http2.connect(peer.url);
  upstream.on("error", () => undefined);
  const sessions = new Set<http2.ServerHttp2Session>();
  let broken = 0;
  let connections = 0;
  const server = http2.createServer({ maxSendHeaderBlockLength: 1 << 20 });
  // The sockets themselves (an HTTP/2 session's is a proxy that refuses destroy()), by client port.
  const sockets = new Map<number | undefined, Socket>();
  server.on("connection", (socket: Socket) => sockets.set(socket.remotePort, socket));
  server.on("session", (s) => {
    connections++;
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
    s.on("error", () => undefined);
  });
  server.on("stream", (stream, headers) => {
    stream.on("error", () => undefined);
    const route = String(headers[":path"] ?? "").split("?")[0];
    const breakIt = route === READ_FILE && broken < times;
    if (breakIt) broken++;
    if (breakIt && how === "goaway-before") {
      stream.session?.goaway(http2.constants.NGHTTP2_NO_ERROR, 0);
      stream.session?.destroy();
      return;
    }
    if (breakIt && how === "huge-headers") {
      stream.resume();
      stream.respond({ ":status": 200, "content-type": "application/grpc+proto", "x-big": "a".repeat(100_000) });
      stream.end();
      return;
    }
    const forwarded: http2.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(headers)) if (k !== ":authority" && k !== ":scheme") forwarded[k] = v;
    const up = upstream.request(forwarded);
    up.on("error", () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    let trailers: http2.OutgoingHttpHeaders = {};
    up.on("trailers", (t) => {
      trailers = t;
    });
    up.on("response", (h) => {
      const back: http2.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(h)) if (k === ":status" || !k.startsWith(":")) back[k] = v;
      stream.respond(back, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers(trailers));
    });
    stream.pipe(up);
    if (!breakIt) {
      up.pipe(stream);
      return;
    }
    // Pass about 1 MiB of the body, then break the stream.
    let passed = 0;
    up.on("data", (chunk: Buffer) => {
      if (passed < 0) return;
      stream.write(chunk);
      passed += chunk.length;
      if (passed < 1024 * 1024) return;
      passed = -1;
      up.close(http2.constants.NGHTTP2_CANCEL);
      if (how === "rst-mid-body") stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      else sockets.get(stream.session?.socket.remotePort)?.destroy(); // close-mid-body: no GOAWAY, no RST_STREAM
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    broken: () => broken,
    connections: () => connections,
    close: () => {
      for (const s of sessions) s.destroy();
      server.close();
      upstream.destroy();
    },
  };
}

async function download(proxy: Proxy, transport: "connect-h2" | "grpc", name: string) {
  const out = path.join(work.dir, name);
  const t = await startManager({ dataDir: path.join(work.dir, `data-${name}`), downloadDir: out, transport });
  try {
    const id = await t.m.enqueue({ url: proxy.url, key: peer.key }, "share/a.bin");
    const done = await t.m.wait(id);
    return { done, out, retried: t.of("retrying").length };
  } finally {
    await t.m.close();
  }
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

for (const transport of ["connect-h2", "grpc"] as const) {
  for (const how of ["rst-mid-body", "goaway-before", "close-mid-body"] as const) {
    test(`${transport}: ${how} twice is retried and the file arrives whole`, async (t) => {
      const proxy = await startProxy(how, 2);
      t.after(() => proxy.close());
      const { done, out, retried } = await download(proxy, transport, `${how}-${transport}`);
      assert.equal(done.status, "completed", JSON.stringify(done));
      assert.equal(proxy.broken(), 2);
      // The raw reader's connection per ReadFile, besides the session of the other calls.
      assert.ok(proxy.connections() >= 4, `${proxy.connections()} connections`);
      assert.ok(retried >= 1, "the broken reads were retried");
      assert.equal(sha(await readFile(path.join(out, "a.bin"))), sha(data));
    });
  }

  test(`${transport}: a header list over 64 KiB on every answer fails the job, no file at the destination`, async (t) => {
    const proxy = await startProxy("huge-headers", Number.POSITIVE_INFINITY);
    t.after(() => proxy.close());
    const { done, out } = await download(proxy, transport, `huge-headers-${transport}`);
    assert.equal(done.status, "failed", JSON.stringify(done));
    assert.match(done.error?.message ?? "", /header list larger than 65536 bytes/);
    const files = (await readdir(out).catch(() => [] as string[])).filter((n) => !n.endsWith(".part"));
    assert.deepEqual(files, [], "no file at the destination");
  });
}
