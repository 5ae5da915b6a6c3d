/**
 * The fast-path prototype must be wire-identical to the stock connect-node
 * handler: stock Connect (h1, h2), gRPC and gRPC-Web clients decode it, and the
 * raw response bodies equal the stock server's byte for byte.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http2 from "node:http2";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { PeerService, ReadFileRequestSchema } from "../../gen/peer/v1/peer_pb.js";
import { startNodeChild, type NodeChild } from "../../bench/child.js";
import { envelope } from "../../server/rpc/fast-read-file/frame.js";
import type { StockInfo } from "../../bench/server-pool.js";

const SIZE = 3 * 1048576 + 12345;
const ID = "bench/file.bin";

type Kind = "connect-h1" | "connect-h2" | "grpc" | "grpc-web";
const KINDS: Kind[] = ["connect-h1", "connect-h2", "grpc", "grpc-web"];

function transportFor(kind: Kind, info: StockInfo): Transport {
  switch (kind) {
    case "connect-h1":
      return createConnectTransport({ baseUrl: info.h1Url, httpVersion: "1.1", acceptCompression: [] });
    case "connect-h2":
      return createConnectTransport({ baseUrl: info.h2Url, httpVersion: "2", acceptCompression: [] });
    case "grpc":
      return createGrpcTransport({ baseUrl: info.h2Url, acceptCompression: [] });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl: info.h1Url, httpVersion: "1.1", acceptCompression: [] });
  }
}

function requestBody(offset: number, length: number, chunkSize: number): Buffer {
  return envelope(0, toBinary(ReadFileRequestSchema, create(ReadFileRequestSchema, { itemId: ID, offset: BigInt(offset), length: BigInt(length), chunkSize })));
}

async function rawHttp1(url: string, contentType: string, body: Buffer): Promise<Buffer> {
  const res = await fetch(`${url}/peer.v1.PeerService/ReadFile`, {
    method: "POST",
    headers: { "content-type": contentType, "connect-protocol-version": "1" },
    body,
  });
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

async function rawGrpc(url: string, body: Buffer): Promise<{ data: Buffer; status: string | undefined }> {
  const session = http2.connect(url);
  try {
    return await new Promise((resolve, reject) => {
      const req = session.request({
        ":method": "POST",
        ":path": "/peer.v1.PeerService/ReadFile",
        "content-type": "application/grpc+proto",
        te: "trailers",
      });
      const parts: Buffer[] = [];
      let status: string | undefined;
      req.on("trailers", (t) => (status = String(t["grpc-status"])));
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => resolve({ data: Buffer.concat(parts), status }));
      req.on("error", reject);
      req.end(body);
    });
  } finally {
    session.close();
  }
}

describe("fast-path prototype", () => {
  let root: string;
  let file: Buffer;
  let stock: NodeChild<StockInfo>;
  let fast: NodeChild<StockInfo>;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "peer-fast-path-test-"));
    file = randomBytes(SIZE);
    await writeFile(path.join(root, "file.bin"), file);
    [stock, fast] = await Promise.all([
      startNodeChild<StockInfo>("bench/servers/stock-server.ts", { root }),
      startNodeChild<StockInfo>("bench/servers/fast-path-server.ts", { root }),
    ]);
  });
  after(async () => {
    await Promise.all([stock?.stop(), fast?.stop()]);
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
      it(`${kind}: stock client decodes ${name}`, async () => {
        const client = createClient(PeerService, transportFor(kind, fast.info));
        const parts: Uint8Array[] = [];
        let next = offset;
        let messages = 0;
        for await (const res of client.readFile({ itemId: ID, offset: BigInt(offset), length: BigInt(length), chunkSize })) {
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

  for (const [name, offset, length, chunkSize] of ranges) {
    it(`Connect h1 body is byte-identical to stock: ${name}`, async () => {
      const body = requestBody(offset, length, chunkSize);
      const [a, b] = await Promise.all([
        rawHttp1(stock.info.h1Url, "application/connect+proto", body),
        rawHttp1(fast.info.h1Url, "application/connect+proto", body),
      ]);
      assert.equal(b.length, a.length);
      assert.ok(b.equals(a));
    });
  }

  it("gRPC-Web body (messages + trailer frame) is byte-identical to stock", async () => {
    const body = requestBody(0, 0, 256 * 1024);
    const [a, b] = await Promise.all([
      rawHttp1(stock.info.h1Url, "application/grpc-web+proto", body),
      rawHttp1(fast.info.h1Url, "application/grpc-web+proto", body),
    ]);
    assert.ok(b.equals(a));
  });

  it("gRPC DATA is byte-identical to stock, with grpc-status 0 in the trailers", async () => {
    const body = requestBody(7, 0, 0);
    const [a, b] = await Promise.all([rawGrpc(stock.info.h2Url, body), rawGrpc(fast.info.h2Url, body)]);
    assert.equal(a.status, "0");
    assert.equal(b.status, "0");
    assert.ok(b.data.equals(a.data));
  });

  const errors: Array<[string, string, number, Code]> = [
    ["unknown item → NOT_FOUND", "bench/missing.bin", 0, Code.NotFound],
    ["escaping id → NOT_FOUND", "bench/../x", 0, Code.NotFound],
    ["offset past the end → OUT_OF_RANGE", ID, SIZE + 1, Code.OutOfRange],
  ];
  for (const kind of KINDS) {
    for (const [name, itemId, offset, code] of errors) {
      it(`${kind}: ${name}`, async () => {
        const client = createClient(PeerService, transportFor(kind, fast.info));
        await assert.rejects(
          (async () => {
            for await (const _ of client.readFile({ itemId, offset: BigInt(offset) })) void _;
          })(),
          (err: unknown) => err instanceof ConnectError && err.code === code,
        );
      });
    }
  }

  it("many concurrent reads with reused buffers all get the right bytes (h1 and h2)", async () => {
    const reads = Array.from({ length: 8 }, async (_, i) => {
      const client = createClient(PeerService, transportFor(i % 2 === 0 ? "connect-h1" : "grpc", fast.info));
      const parts: Uint8Array[] = [];
      for await (const res of client.readFile({ itemId: ID, chunkSize: 64 * 1024 })) parts.push(res.data);
      return Buffer.concat(parts);
    });
    for (const got of await Promise.all(reads)) assert.ok(got.equals(file));
  });
});
