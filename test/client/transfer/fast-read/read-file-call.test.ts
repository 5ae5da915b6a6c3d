/**
 * The per-call message limit of the fast read path (read-file-call.ts): a call accepts messages as
 * large as a compliant server sends for its `chunk_size` (common/wire/limits.ts
 * maxReadFileMessageBytes), whole and intact even when the server writes them in small pieces
 * (the raw reader's read areas are sized from that limit), and refuses a larger one from its
 * prefix with a MessageTooLargeError, even one under the protocol's largest message, on every path:
 * raw HTTP/1.1 (transient), node:http, HTTP/2 (Connect and gRPC; node:http2 and raw-h2/, transient).
 */
import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { Http2SessionManager } from "@connectrpc/connect-node";
import { ItemSchema, ReadFileResponseSchema } from "../../../../gen/peer/v1/peer_pb.js";
import { fastReadFile, type FastReadWire } from "../../../../client/transfer/fast-read/read-file-call.js";
import {
  MAX_READ_FILE_MESSAGE_BYTES,
  MessageTooLargeError,
  maxReadFileMessageBytes,
} from "../../../../common/wire/limits.js";
import { seededRandom } from "../../../../client/retry/backoff.js";
import { envelope } from "./fixtures.js";

const CHUNK = 256 * 1024;
const item = create(ItemSchema, { id: "share/a.bin", share: "share", name: "a.bin", size: 10_000_000n, etag: '"e"' });

function bytes(n: number, seed: number): Uint8Array {
  const r = seededRandom(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * 256);
  return out;
}

function message(offset: number, data: Uint8Array, withItem: boolean): Uint8Array {
  return envelope(
    0,
    toBinary(
      ReadFileResponseSchema,
      create(ReadFileResponseSchema, { offset: BigInt(offset), data, item: withItem ? item : undefined }),
    ),
  );
}

/** A body of messages with these data sizes, the first with the item; and the data it carries. */
function body(sizes: readonly number[]): { messages: Uint8Array[]; data: Uint8Array[] } {
  const data = sizes.map((n, i) => bytes(n, i + 1));
  let offset = 0;
  const messages = data.map((d, i) => {
    const m = message(offset, d, i === 0);
    offset += d.length;
    return m;
  });
  return { messages, data };
}

/** Writes `bytes` in 7 KiB slices (many socket reads: the raw reader's areas switch often). */
async function trickle(write: (b: Uint8Array) => boolean, wait: () => Promise<void>, b: Uint8Array): Promise<void> {
  for (let at = 0; at < b.length; at += 7 * 1024) if (!write(b.subarray(at, at + 7 * 1024))) await wait();
}

type Path = "raw" | "node-http" | "h2-connect" | "h2-grpc" | "raw-h2-connect" | "raw-h2-grpc";

interface Peer {
  readonly wire: FastReadWire;
  close(): void;
}

/** A server answering every ReadFile with `messages` (Connect ends with its end-stream message). */
async function serve(path: Path, messages: readonly Uint8Array[]): Promise<Peer> {
  const end = envelope(2, new TextEncoder().encode("{}"));
  if (path === "raw" || path === "node-http") {
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/connect+proto" });
      const wait = () => new Promise<void>((r) => res.once("drain", r));
      void (async () => {
        for (const m of messages) await trickle((b) => res.write(b), wait, m);
        res.end(end);
      })().catch(() => res.destroy());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return {
      wire: {
        protocol: "connect",
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        authorization: "Bearer x",
      },
      close: () => {
        server.closeAllConnections();
        server.close();
      },
    };
  }
  const grpc = path === "h2-grpc" || path === "raw-h2-grpc";
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  server.on("stream", (stream) => {
    stream.on("error", () => undefined);
    stream.resume();
    stream.respond(
      { ":status": 200, "content-type": grpc ? "application/grpc+proto" : "application/connect+proto" },
      { waitForTrailers: grpc },
    );
    if (grpc) stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    const wait = () => new Promise<void>((r) => stream.once("drain", r));
    void (async () => {
      for (const m of messages) await trickle((b) => stream.write(b), wait, m);
      if (grpc) stream.end();
      else stream.end(end);
    })().catch(() => stream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const manager = new Http2SessionManager(baseUrl);
  return {
    wire: {
      protocol: grpc ? "grpc" : "connect",
      baseUrl,
      authorization: "Bearer x",
      http2: manager,
      rawHttp2: path.startsWith("raw-h2"),
    },
    close: () => {
      manager.abort();
      for (const s of sessions) s.destroy();
      server.close();
    },
  };
}

/** Reads the call to its end, copying each message's data at once (as a transient taker must). */
async function readAll(wire: FastReadWire, path: Path): Promise<{ data: Uint8Array[]; error?: unknown }> {
  const data: Uint8Array[] = [];
  try {
    const messages = await fastReadFile(wire, {
      itemId: "share/a.bin",
      offset: 0,
      ifMatch: undefined,
      chunkSize: CHUNK,
      transient: path === "raw" || path.startsWith("raw-h2"),
      signal: AbortSignal.timeout(20_000),
    });
    for (;;) {
      const r = await messages.next();
      if (r.done === true) return { data };
      data.push(new Uint8Array(Buffer.concat(r.value.data)));
    }
  } catch (error) {
    return { data, error };
  }
}

const PATHS: readonly Path[] = ["raw", "node-http", "h2-connect", "h2-grpc", "raw-h2-connect", "raw-h2-grpc"];

for (const path of PATHS) {
  test(`${path}: messages of exactly the requested chunk (the first with its item) arrive whole and intact`, async (t) => {
    const { messages, data } = body([CHUNK, CHUNK, CHUNK, 1000]);
    const peer = await serve(path, messages);
    t.after(() => peer.close());
    const got = await readAll(peer.wire, path);
    assert.equal(got.error, undefined);
    assert.equal(got.data.length, data.length);
    for (const [i, d] of data.entries()) assert.ok(Buffer.from(d).equals(got.data[i] as Uint8Array), `message ${i}`);
  });

  test(`${path}: a message larger than the requested chunk allows (under the protocol's largest) is refused from its prefix`, async (t) => {
    const oversized = 1024 * 1024; // 1 MiB of data asked in 256 KiB chunks; the protocol allows 2 MiB
    const { messages, data } = body([CHUNK, oversized, CHUNK]);
    const declared = (messages[1] as Uint8Array).length - 5;
    assert.ok(declared > maxReadFileMessageBytes(CHUNK) && declared < MAX_READ_FILE_MESSAGE_BYTES);
    const peer = await serve(path, messages);
    t.after(() => peer.close());
    const got = await readAll(peer.wire, path);
    assert.ok(got.error instanceof MessageTooLargeError, `refused as too large: ${String(got.error)}`);
    assert.equal(got.error.length, declared);
    assert.equal(got.error.limit, maxReadFileMessageBytes(CHUNK));
    assert.match(got.error.message, /^the peer sent a 1\.0 MiB message \(\d+ bytes\); at most 344064 bytes/);
    // The message before it came through intact; nothing of the refused one (or after it) did.
    assert.equal(got.data.length, 1);
    assert.ok(Buffer.from(data[0] as Uint8Array).equals(got.data[0] as Uint8Array));
  });
}
