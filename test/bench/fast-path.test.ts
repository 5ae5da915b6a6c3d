/**
 * ReadFile fast paths as the benchmark runs them: the bench's peer server
 * (bench/servers/peer-server.ts, the real server with its ReadFile fast path)
 * read by stock Connect (h1, h2), gRPC and gRPC-Web clients over every range
 * shape, and by the SDK's client fast path (client/transfer/fast-read/) next to
 * its stock path on the same server: same metadata, same bytes, same errors.
 * Wire identity of the server's fast path with the stock handler, byte for byte,
 * is proved in test/server/rpc/fast-read-file/fast-read-file.test.ts.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { PeerService } from "../../gen/peer/v1/peer_pb.js";
import { startNodeChild, type NodeChild } from "../../bench/child.js";
import type { PeerServerInfo } from "../../bench/servers/peer-server.js";
import { classify } from "../../client/errors.js";
import { createPeerClient, type TransportKind } from "../../client/rpc/peer-client.js";
import { rpcSource } from "../../client/transfer/rpc-source.js";
import type { OpenedRead } from "../../client/transfer/read-source.js";

const SIZE = 3 * 1048576 + 12345;
const ID = "bench/file.bin";

type Kind = "connect-h1" | "connect-h2" | "grpc" | "grpc-web";
const KINDS: Kind[] = ["connect-h1", "connect-h2", "grpc", "grpc-web"];

function transportFor(kind: Kind, info: PeerServerInfo): Transport {
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${info.key}`);
    return next(req);
  };
  const common = { baseUrl: info.url, acceptCompression: [], interceptors: [auth] };
  switch (kind) {
    case "connect-h1":
      return createConnectTransport({ ...common, httpVersion: "1.1" });
    case "connect-h2":
      return createConnectTransport({ ...common, httpVersion: "2" });
    case "grpc":
      return createGrpcTransport(common);
    case "grpc-web":
      return createGrpcWebTransport({ ...common, httpVersion: "1.1" });
  }
}

/**
 * Reads a whole opened read: its start, metadata and bytes (chunks must be contiguous). With
 * `copy`, each chunk is copied before the next is asked for (a transient read reuses its buffer).
 */
async function drain(
  read: OpenedRead,
  copy = false,
): Promise<{ start: number; meta: OpenedRead["meta"]; bytes: Buffer }> {
  const parts: Uint8Array[] = [];
  let next = read.start;
  for (;;) {
    const r = await read.body.next();
    if (r.done === true) break;
    assert.equal(r.value.offset, next, "chunks are contiguous");
    next += r.value.data.length;
    parts.push(copy ? Buffer.from(r.value.data) : r.value.data);
  }
  return { start: read.start, meta: read.meta, bytes: Buffer.concat(parts) };
}

describe("ReadFile fast paths on the bench's peer server", () => {
  let root: string;
  let file: Buffer;
  let peer: NodeChild<PeerServerInfo>;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "peer-fast-path-test-"));
    file = randomBytes(SIZE);
    await writeFile(path.join(root, "file.bin"), file);
    peer = await startNodeChild<PeerServerInfo>("bench/servers/peer-server.ts", {
      root,
      dataDir: path.join(root, ".data"),
      maxStreams: 64,
    });
  });
  after(async () => {
    await peer?.stop();
    await rm(root, { recursive: true, force: true });
  });

  const ranges: Array<[string, number, number, number]> = [
    ["whole file, default chunks", 0, 0, 0],
    ["whole file, 256 KiB chunks", 0, 0, 256 * 1024],
    ["from an odd offset, 1 MiB + 3 bytes", 1001, 1048579, 1048576],
    ["last byte only", SIZE - 1, 0, 0],
    ["offset == size: one message, no data", SIZE, 0, 0],
  ];
  for (const kind of KINDS) {
    for (const [name, offset, length, chunkSize] of ranges) {
      it(`${kind}: the stock client decodes ${name}`, async () => {
        const client = createClient(PeerService, transportFor(kind, peer.info));
        const parts: Uint8Array[] = [];
        let next = offset;
        let messages = 0;
        for await (const res of client.readFile({
          itemId: ID,
          offset: BigInt(offset),
          length: BigInt(length),
          chunkSize,
        })) {
          assert.equal(Number(res.offset), next, "each message carries the absolute offset of its first byte");
          assert.equal(res.item !== undefined, messages === 0, "only the first message carries the item");
          if (messages === 0) assert.equal(res.item?.size, BigInt(SIZE));
          next += res.data.length;
          parts.push(res.data);
          messages++;
        }
        const end = length > 0 ? Math.min(SIZE, offset + length) : SIZE;
        assert.ok(Buffer.concat(parts).equals(file.subarray(offset, end)));
        assert.ok(messages >= 1);
      });
    }
  }

  const SDK_TRANSPORTS: TransportKind[] = ["connect", "connect-h2", "grpc"];
  const offsets: Array<[string, number, number | undefined]> = [
    ["whole file", 0, undefined],
    ["resumed at an odd offset, 64 KiB chunks", 777_777, 64 * 1024],
    ["offset == size", SIZE, undefined],
  ];
  for (const transport of SDK_TRANSPORTS) {
    for (const [name, offset, chunkSize] of offsets) {
      it(`${transport}: the SDK's fast path reads the same as its stock path: ${name}`, async () => {
        const results = [];
        // "transient": the fast path told that each chunk is copied at once (the pieces path);
        // over Connect h1 it reads through one reused buffer (client/transfer/raw-http/).
        for (const path of ["fast", "transient", "stock"] as const) {
          const readPath = path === "stock" ? "stock" : "fast";
          const client = createPeerClient({ baseUrl: peer.info.url, apiKey: peer.info.key, transport, readPath });
          assert.equal(client.fastRead !== undefined, readPath === "fast");
          try {
            const read = await rpcSource(client)({
              itemId: ID,
              offset,
              ifMatch: undefined,
              expectedSize: SIZE,
              chunkSize,
              transient: path === "transient",
              signal: new AbortController().signal,
            });
            results.push(await drain(read, path === "transient"));
          } finally {
            client.close();
          }
        }
        const [fast, transient, stock] = results;
        assert.deepEqual(fast?.meta, stock?.meta);
        assert.deepEqual(transient?.meta, stock?.meta);
        assert.equal(fast?.start, offset);
        assert.equal(transient?.start, offset);
        assert.equal(stock?.start, offset);
        assert.ok(fast?.bytes.equals(file.subarray(offset)), "the fast path's bytes are the file's");
        assert.ok(transient?.bytes.equals(file.subarray(offset)), "the transient fast path's bytes are the file's");
        assert.ok(stock?.bytes.equals(file.subarray(offset)));
      });
    }
  }

  const errors: Array<[string, string, number, string | undefined, Code]> = [
    ["unknown item → NOT_FOUND", "bench/missing.bin", 0, undefined, Code.NotFound],
    ["escaping id → NOT_FOUND", "bench/../x", 0, undefined, Code.NotFound],
    ["offset past the end → OUT_OF_RANGE", ID, SIZE + 1, undefined, Code.OutOfRange],
    ["stale etag → FAILED_PRECONDITION", ID, 10, '"not-the-etag"', Code.FailedPrecondition],
  ];
  for (const kind of KINDS) {
    for (const [name, itemId, offset, ifMatch, code] of errors) {
      it(`${kind}: ${name}`, async () => {
        const client = createClient(PeerService, transportFor(kind, peer.info));
        await assert.rejects(
          (async () => {
            for await (const _ of client.readFile({ itemId, offset: BigInt(offset), ifMatch: ifMatch ?? "" })) void _;
          })(),
          (err: unknown) => err instanceof ConnectError && err.code === code,
        );
      });
    }
  }
  for (const transport of SDK_TRANSPORTS) {
    it(`${transport}: the SDK's fast and stock paths fail alike (code, message, engine classification)`, async () => {
      for (const [name, itemId, offset, ifMatch, code] of errors) {
        const seen = [];
        for (const path of ["fast", "transient", "stock"] as const) {
          const readPath = path === "stock" ? "stock" : "fast";
          const client = createPeerClient({ baseUrl: peer.info.url, apiKey: peer.info.key, transport, readPath });
          try {
            const error = await rpcSource(client)({
              itemId,
              offset,
              ifMatch,
              expectedSize: undefined,
              transient: path === "transient",
              signal: new AbortController().signal,
            }).then(
              () => assert.fail(`${name}: expected an error`),
              (e: unknown) => e,
            );
            assert.ok(error instanceof ConnectError, `${name} (${path}): ${String(error)}`);
            assert.equal(error.code, code, `${name} (${path})`);
            seen.push({ message: error.rawMessage, classified: classify(error).code });
          } finally {
            client.close();
          }
        }
        assert.deepEqual(seen[0], seen[2], name);
        assert.deepEqual(seen[1], seen[2], `${name} (transient)`);
      }
    });
  }

  it("many concurrent reads all get the right bytes (fast path on h1 and h2, stock clients alongside)", async () => {
    const reads = Array.from({ length: 8 }, async (_, i) => {
      if (i % 4 === 3) {
        const client = createClient(PeerService, transportFor("grpc-web", peer.info));
        const parts: Uint8Array[] = [];
        for await (const res of client.readFile({ itemId: ID, chunkSize: 64 * 1024 })) parts.push(res.data);
        return Buffer.concat(parts);
      }
      const client = createPeerClient({
        baseUrl: peer.info.url,
        apiKey: peer.info.key,
        transport: SDK_TRANSPORTS[i % 3] as TransportKind,
      });
      try {
        const read = await rpcSource(client)({
          itemId: ID,
          offset: 0,
          ifMatch: undefined,
          expectedSize: SIZE,
          chunkSize: 64 * 1024,
          signal: new AbortController().signal,
        });
        return (await drain(read)).bytes;
      } finally {
        client.close();
      }
    });
    for (const got of await Promise.all(reads)) assert.ok(got.equals(file));
  });
});
