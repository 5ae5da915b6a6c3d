/**
 * A hostile peer that answers ReadFile with an 8-byte body whose envelope declares a
 * ~4 GiB message (and then says nothing more), on every client transport: the job fails
 * at once with a clear "message-too-large" error (no retry, no 60 s idle wait), nothing is
 * allocated for the message, and no file appears at the destination. A hostile StatItem
 * answer that declares 4 GiB is refused by the transports' `readMaxBytes` the same way
 * (when the job is enqueued, where the item is looked up). A peer whose ReadFile messages are
 * larger than the client's `chunk_size` allows (though under the protocol's largest) is refused
 * the same way: the call's limit comes from its request (common/wire/limits.ts).
 * The peer is a real one behind a proxy that passes every other call through.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { createDownloadManager, type DownloadEvent } from "../../client/index.js";
import { encodeEnvelope } from "../../common/wire/envelope.js";
import { maxReadFileMessageBytes } from "../../common/wire/limits.js";
import { ReadFileRequestSchema } from "../../gen/peer/v1/peer_pb.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";

const READ_FILE = "/peer.v1.PeerService/ReadFile";
const STAT_ITEM = "/peer.v1.PeerService/StatItem";
/** The `chunk_size` of each ReadFile request the "read-file-chunk-size" proxy saw. */
const chunkSizesAsked: number[] = [];
/** Flags 0, length 0xfffffff0 (4 GiB − 16), then 3 payload bytes: 8 bytes in all. */
const HOSTILE_BODY = Buffer.from([0, 0xff, 0xff, 0xff, 0xf0, 1, 2, 3]);

let peer: TestPeer;
let work: string;

before(async () => {
  peer = await startTestPeer({ files: { "a.bin": randomBytes(3 * 1024 * 1024 + 7) } });
  await peer.server.hasher.idle();
  work = await mkdtemp(path.join(os.tmpdir(), "peer-hostile-envelope-"));
});
after(async () => {
  await peer.close();
  await rm(work, { recursive: true, force: true });
});

interface Proxy {
  readonly url: string;
  close(): void;
}

/** Which call the proxy lies on, and how. */
type Lie = "read-file" | "stat-item-length" | "read-file-chunk-size";

/** An HTTP/1.1 proxy (Connect): forwards everything but the lied-on call. */
async function startHttp1Proxy(lie: Lie): Promise<Proxy> {
  const target = new URL(peer.url);
  const server = http.createServer((req, res) => {
    const route = (req.url ?? "").split("?")[0];
    if (lie === "read-file" && route === READ_FILE) {
      req.resume();
      res.writeHead(200, { "content-type": "application/connect+proto" });
      res.write(HOSTILE_BODY); // and never ends
      return;
    }
    if (lie === "read-file-chunk-size" && route === READ_FILE) {
      // The real peer's answer to the request with `chunk_size` raised to 2 MiB: valid messages,
      // each larger than the client asked for.
      const parts: Buffer[] = [];
      req.on("data", (b: Buffer) => parts.push(b));
      req.on("end", () => {
        const asked = fromBinary(ReadFileRequestSchema, Buffer.concat(parts).subarray(5));
        chunkSizesAsked.push(asked.chunkSize);
        const body = encodeEnvelope(0, toBinary(ReadFileRequestSchema, { ...asked, chunkSize: 2 * 1024 * 1024 }));
        const headers = { ...req.headers, "content-length": String(body.length) };
        const up = http.request(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
          (upRes) => {
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            upRes.pipe(res);
          },
        );
        up.on("error", () => res.destroy());
        up.end(body);
      });
      return;
    }
    if (lie === "stat-item-length" && route === STAT_ITEM) {
      req.resume();
      res.writeHead(200, { "content-type": "application/proto", "content-length": String(2 ** 32) });
      res.write(Buffer.alloc(8)); // and never ends
      return;
    }
    const up = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** An HTTP/2 cleartext proxy (Connect h2, gRPC): forwards every stream but ReadFile's. */
async function startHttp2Proxy(): Promise<Proxy> {
  const upstream = http2.connect(peer.url);
  upstream.on("error", () => undefined);
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createServer();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  server.on("stream", (stream, headers) => {
    stream.on("error", () => undefined);
    const route = String(headers[":path"] ?? "").split("?")[0];
    if (route === READ_FILE) {
      stream.resume();
      const grpc = String(headers["content-type"] ?? "").startsWith("application/grpc");
      stream.respond({
        ":status": 200,
        "content-type": grpc ? "application/grpc+proto" : "application/connect+proto",
      });
      stream.write(HOSTILE_BODY); // and never ends
      return;
    }
    const forwarded: http2.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(headers)) if (k !== ":authority" && k !== ":scheme") forwarded[k] = v;
    const up = upstream.request(forwarded);
    up.on("error", () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    up.on("response", (h) => {
      const back: http2.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(h)) if (k === ":status" || !k.startsWith(":")) back[k] = v;
      stream.respond(back, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers(trailers));
    });
    let trailers: http2.OutgoingHttpHeaders = {};
    up.on("trailers", (t) => {
      trailers = t;
    });
    up.pipe(stream);
    stream.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const s of sessions) s.destroy();
      server.close();
      upstream.destroy();
    },
  };
}

async function downloadThrough(proxy: Proxy, transport: "connect" | "connect-h2" | "grpc", name: string) {
  const out = path.join(work, name);
  const m = createDownloadManager({ dataDir: path.join(work, `data-${name}`), downloadDir: out, transport });
  const events: DownloadEvent[] = [];
  m.on((e) => events.push(e));
  await m.start();
  const arrayBuffersBefore = process.memoryUsage().arrayBuffers;
  try {
    const id = await m.enqueue({ url: proxy.url, key: peer.key }, "share/a.bin");
    const done = await m.wait(id);
    const grew = process.memoryUsage().arrayBuffers - arrayBuffersBefore;
    return { done, events, out, grew };
  } finally {
    await m.close();
  }
}

async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => !n.endsWith(".part")).sort();
}

for (const transport of ["connect", "connect-h2", "grpc"] as const) {
  test(`${transport}: a ReadFile envelope declaring 4 GiB fails the job at once, nothing allocated, no file written`, async (t) => {
    const proxy = transport === "connect" ? await startHttp1Proxy("read-file") : await startHttp2Proxy();
    t.after(() => proxy.close());
    const { done, events, out, grew } = await downloadThrough(proxy, transport, `read-file-${transport}`);
    assert.equal(done.status, "failed", JSON.stringify(done));
    assert.equal(done.error?.code, "message-too-large", JSON.stringify(done.error));
    assert.match(done.error?.message ?? "", /the peer sent a 4\.0 GiB message \(4294967280 bytes\); at most \d+ bytes/);
    assert.ok(!events.some((e) => e.type === "retrying"), "a hostile message is not retried");
    assert.deepEqual(await filesIn(out), [], "no file at the destination");
    const part = await stat(path.join(out, "a.bin.part")).catch(() => undefined);
    assert.equal(part?.size ?? 0, 0, "not a byte of the hostile message reached the part file");
    // Loose: the 4 GiB were never reserved (a 4 GiB ArrayBuffer would show here at once).
    assert.ok(grew < 512 * 1024 * 1024, `array buffers grew by ${grew} bytes`);
  });
}

test("connect: ReadFile messages larger than the requested chunk (under the protocol's 2 MiB) fail the job, nothing written", async (t) => {
  const proxy = await startHttp1Proxy("read-file-chunk-size");
  t.after(() => proxy.close());
  const { done, events, out } = await downloadThrough(proxy, "connect", "read-file-chunk-size");
  assert.equal(done.status, "failed", JSON.stringify(done));
  assert.equal(done.error?.code, "message-too-large", JSON.stringify(done.error));
  const asked = chunkSizesAsked[0] ?? 0;
  assert.ok(asked > 0 && asked < 2 * 1024 * 1024, `the client asked for ${asked}-byte chunks`);
  assert.match(
    done.error?.message ?? "",
    new RegExp(`^the peer sent a 2\\.0 MiB message \\(\\d+ bytes\\); at most ${maxReadFileMessageBytes(asked)} bytes`),
  );
  assert.ok(!events.some((e) => e.type === "retrying"), "a message over the call's limit is not retried");
  assert.deepEqual(await filesIn(out), [], "no file at the destination");
  const part = await stat(path.join(out, "a.bin.part")).catch(() => undefined);
  assert.equal(part?.size ?? 0, 0, "not a byte of the oversized message reached the part file");
});

test("connect: a StatItem answer declaring 4 GiB is refused by the transport's readMaxBytes with the same error", async (t) => {
  const proxy = await startHttp1Proxy("stat-item-length");
  t.after(() => proxy.close());
  const out = path.join(work, "stat-item");
  const m = createDownloadManager({ dataDir: path.join(work, "data-stat-item"), downloadDir: out });
  await m.start();
  try {
    // The item is looked up when the job is enqueued: the refusal reaches the caller there.
    await assert.rejects(m.enqueue({ url: proxy.url, key: peer.key }, "share/a.bin"), {
      name: "DownloadError",
      code: "message-too-large",
      message: /^the peer sent a 4\.0 GiB message \(4294967296 bytes\); at most \d+ bytes/,
    });
  } finally {
    await m.close();
  }
  assert.deepEqual(await filesIn(out), [], "no file at the destination");
});
