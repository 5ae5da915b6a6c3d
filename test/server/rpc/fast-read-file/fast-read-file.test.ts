/**
 * The ReadFile fast path against the stock handler: two real servers over the
 * same share directory, one with `fastReadFile: true` (the default) and one
 * with `fastReadFile: false`. Raw response bodies (Connect end-stream, gRPC-Web
 * trailer frame) and gRPC DATA + trailers are byte-identical, stock clients see
 * the same messages and errors for every row, and the log lines agree.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import http2 from "node:http2";
import os from "node:os";
import path from "node:path";
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ReadFileRequestSchema, type ReadFileResponse } from "../../../../gen/peer/v1/peer_pb.js";
import { startPeerServer, type PeerServer } from "../../../../server/index.js";
import { resolveServerOptions } from "../../../../server/options.js";
import { encodeEnvelope as envelope } from "../../../../common/wire/envelope.js";
import { captureLogger, PEER_PROTOCOLS, peerClient, writeFiles } from "../../../helpers/peer-server.js";

const BIG = Buffer.alloc(3 * 1024 * 1024 + 4321);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 7 + (i >> 12)) & 0xff;
const SMALL = Buffer.from("small file, fast path");

type ReadInit = MessageInitShape<typeof ReadFileRequestSchema>;

interface Side {
  server: PeerServer;
  key: string;
  log: ReturnType<typeof captureLogger>;
}

let root: string;
let fast: Side;
let stock: Side;
let etag = "";

async function start(fastReadFile: boolean, shareDir: string): Promise<Side> {
  const log = captureLogger();
  const server = await startPeerServer({
    shares: [{ name: "share", dir: shareDir }],
    dataDir: path.join(root, fastReadFile ? "data-fast" : "data-stock"),
    host: "127.0.0.1",
    port: 0,
    logger: log.logger,
    fastReadFile,
  });
  const { key } = await server.keys.create({ name: "test" });
  return { server, key, log };
}

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "peer-fast-read-file-"));
  const shareDir = path.join(root, "share");
  await mkdir(shareDir);
  await writeFiles(shareDir, { "big.bin": BIG, "small.txt": SMALL, "empty.dat": "" });
  [fast, stock] = await Promise.all([start(true, shareDir), start(false, shareDir)]);
  // Same sha256 in both servers' items: let both hashers finish first.
  for (const side of [fast, stock]) {
    for (const id of ["share/big.bin", "share/small.txt", "share/empty.dat"]) {
      await peerClient(side.server.url).statItem({ itemId: id }, { headers: { "x-api-key": side.key } });
    }
    await side.server.hasher.idle();
  }
  const st = await peerClient(fast.server.url).statItem(
    { itemId: "share/small.txt" },
    { headers: { "x-api-key": fast.key } },
  );
  etag = st.item?.etag ?? "";
  assert.notEqual(etag, "");
});
after(async () => {
  await Promise.all([fast?.server.close(), stock?.server.close()]);
  await rm(root, { recursive: true, force: true });
});

/** Rows of docs/protocol.md's ReadFile table (and the chunk-size clamp). `key: null` sends no key, "bad" a wrong one. */
const rows: Array<{ name: string; req: () => ReadInit; key?: "good" | "bad" | "none" }> = [
  { name: "whole file, default chunks", req: () => ({ itemId: "share/big.bin" }) },
  {
    name: "64 KiB chunks from an odd offset with a length",
    req: () => ({ itemId: "share/big.bin", offset: 1001n, length: 1_048_579n, chunkSize: 65_536 }),
  },
  { name: "huge chunk hint clamped to 2 MiB", req: () => ({ itemId: "share/big.bin", chunkSize: 2 ** 30 }) },
  {
    name: "tiny chunk hint clamped to 16 KiB",
    req: () => ({ itemId: "share/big.bin", length: 100_000n, chunkSize: 1 }),
  },
  { name: "last byte only", req: () => ({ itemId: "share/big.bin", offset: BigInt(BIG.length - 1) }) },
  { name: "length past the end is truncated", req: () => ({ itemId: "share/small.txt", offset: 7n, length: 1000n }) },
  {
    name: "offset == size: one message, no data",
    req: () => ({ itemId: "share/small.txt", offset: BigInt(SMALL.length) }),
  },
  { name: "empty file from 0", req: () => ({ itemId: "share/empty.dat" }) },
  { name: "if_match equal to the etag", req: () => ({ itemId: "share/small.txt", ifMatch: etag }) },
  { name: "if_match differs: FAILED_PRECONDITION", req: () => ({ itemId: "share/small.txt", ifMatch: '"1-2-3"' }) },
  { name: "offset < 0: OUT_OF_RANGE", req: () => ({ itemId: "share/small.txt", offset: -1n }) },
  { name: "offset > size: OUT_OF_RANGE", req: () => ({ itemId: "share/small.txt", offset: BigInt(SMALL.length + 1) }) },
  { name: "length < 0: INVALID_ARGUMENT", req: () => ({ itemId: "share/small.txt", length: -5n }) },
  { name: "unknown item: NOT_FOUND", req: () => ({ itemId: "share/nope.txt" }) },
  { name: "escaping id: NOT_FOUND", req: () => ({ itemId: "share/../share/small.txt" }) },
  { name: "no key: UNAUTHENTICATED", req: () => ({ itemId: "share/small.txt" }), key: "none" },
  { name: "wrong key: UNAUTHENTICATED", req: () => ({ itemId: "share/small.txt" }), key: "bad" },
];

function authHeaders(side: Side, key: "good" | "bad" | "none" = "good"): Record<string, string> {
  if (key === "none") return {};
  return { authorization: `Bearer ${key === "good" ? side.key : "peer_notavalidkey0000000000000000"}` };
}

function body(req: ReadInit): Buffer {
  return envelope(0, toBinary(ReadFileRequestSchema, create(ReadFileRequestSchema, req)));
}

async function rawHttp1(
  side: Side,
  contentType: string,
  req: ReadInit,
  key: "good" | "bad" | "none" | undefined,
): Promise<{ status: number; type: string | null; body: Buffer }> {
  const res = await fetch(`${side.server.url}/peer.v1.PeerService/ReadFile`, {
    method: "POST",
    headers: { "content-type": contentType, "connect-protocol-version": "1", ...authHeaders(side, key) },
    body: body(req),
  });
  return { status: res.status, type: res.headers.get("content-type"), body: Buffer.from(await res.arrayBuffer()) };
}

async function rawGrpc(
  side: Side,
  req: ReadInit,
  key: "good" | "bad" | "none" | undefined,
): Promise<{ data: Buffer; trailers: Record<string, string> }> {
  const session = http2.connect(side.server.url);
  try {
    return await new Promise((resolve, reject) => {
      const stream = session.request({
        ":method": "POST",
        ":path": "/peer.v1.PeerService/ReadFile",
        "content-type": "application/grpc+proto",
        te: "trailers",
        ...authHeaders(side, key),
      });
      const parts: Buffer[] = [];
      const trailers: Record<string, string> = {};
      const keep = (h: http2.IncomingHttpHeaders) => {
        for (const name of ["grpc-status", "grpc-message", "retry-after-ms"]) {
          const v = h[name];
          if (v !== undefined) trailers[name] = String(v);
        }
      };
      stream.on("response", keep);
      stream.on("trailers", keep);
      stream.on("data", (c: Buffer) => parts.push(c));
      stream.on("end", () => resolve({ data: Buffer.concat(parts), trailers }));
      stream.on("error", reject);
      stream.end(body(req));
    });
  } finally {
    session.close();
  }
}

describe("wire identity with the stock handler", () => {
  for (const row of rows) {
    test(`Connect: ${row.name}`, async () => {
      const [a, b] = await Promise.all([
        rawHttp1(stock, "application/connect+proto", row.req(), row.key),
        rawHttp1(fast, "application/connect+proto", row.req(), row.key),
      ]);
      assert.equal(b.status, a.status);
      assert.equal(b.type, a.type);
      assert.equal(b.body.length, a.body.length);
      assert.ok(
        b.body.equals(a.body),
        `bodies differ: ${b.body.subarray(-120).toString("latin1")} vs ${a.body.subarray(-120).toString("latin1")}`,
      );
    });
    test(`gRPC-Web: ${row.name}`, async () => {
      const [a, b] = await Promise.all([
        rawHttp1(stock, "application/grpc-web+proto", row.req(), row.key),
        rawHttp1(fast, "application/grpc-web+proto", row.req(), row.key),
      ]);
      assert.equal(b.status, a.status);
      assert.ok(
        b.body.equals(a.body),
        `bodies differ: ${b.body.subarray(-120).toString("latin1")} vs ${a.body.subarray(-120).toString("latin1")}`,
      );
    });
    test(`gRPC: ${row.name}`, async () => {
      const [a, b] = await Promise.all([rawGrpc(stock, row.req(), row.key), rawGrpc(fast, row.req(), row.key)]);
      assert.deepEqual(b.trailers, a.trailers);
      assert.ok(b.data.equals(a.data));
    });
  }
});

/** Reads a whole stream with a stock client; the messages, or the error that ended it. */
async function collect(
  side: Side,
  protocol: (typeof PEER_PROTOCOLS)[number],
  req: ReadInit,
  key: "good" | "bad" | "none" | undefined,
) {
  const messages: ReadFileResponse[] = [];
  const controller = new AbortController();
  try {
    for await (const m of peerClient(side.server.url, protocol).readFile(req, {
      headers: authHeaders(side, key),
      signal: controller.signal,
      timeoutMs: 60_000,
    })) {
      messages.push(m);
    }
    return { messages, error: undefined };
  } catch (error) {
    return { messages, error: ConnectError.from(error) };
  } finally {
    controller.abort();
  }
}

for (const protocol of PEER_PROTOCOLS) {
  describe(`stock clients see the same answers from both paths over ${protocol}`, () => {
    for (const row of rows) {
      test(row.name, async () => {
        const [a, b] = await Promise.all([
          collect(stock, protocol, row.req(), row.key),
          collect(fast, protocol, row.req(), row.key),
        ]);
        assert.equal(b.error?.code, a.error?.code);
        assert.equal(b.error?.rawMessage, a.error?.rawMessage);
        assert.equal(b.messages.length, a.messages.length);
        b.messages.forEach((m, i) => {
          const s = a.messages[i];
          assert.ok(s);
          assert.equal(m.offset, s.offset);
          assert.ok(Buffer.from(m.data).equals(Buffer.from(s.data)));
          assert.deepEqual(m.item, s.item);
        });
        if (a.error === undefined) assert.ok(a.messages.length >= 1);
      });
    }
  });
}

test("the per-call log lines agree (method, item, bytes, code, key id, reason)", async () => {
  const pick = (side: Side) =>
    side.log.lines
      .filter((l) => l.msg === "call" && l.method === "peer.v1.PeerService/ReadFile")
      .map((l) => ({ item: l.item, bytes: l.bytes, code: l.code, reason: l.reason, hasKey: l.keyId !== undefined }));
  const before = [pick(stock).length, pick(fast).length];
  for (const row of [rows[1], rows[9], rows[13], rows[15]]) {
    assert.ok(row);
    await collect(stock, "connect", row.req(), row.key);
    await collect(fast, "connect", row.req(), row.key);
  }
  const a = pick(stock).slice(before[0]);
  const b = pick(fast).slice(before[1]);
  assert.equal(a.length, 4);
  assert.deepEqual(b, a);
  assert.ok(!fast.log.text().includes(fast.key), "keys never reach the log");
});

test("requests the fast path does not handle go to the stock handler (JSON codec)", async () => {
  const json = JSON.stringify({ itemId: "share/small.txt" });
  const res = await fetch(`${fast.server.url}/peer.v1.PeerService/ReadFile`, {
    method: "POST",
    headers: {
      "content-type": "application/connect+json",
      "connect-protocol-version": "1",
      authorization: `Bearer ${fast.key}`,
    },
    body: envelope(0, Buffer.from(json)),
  });
  assert.equal(res.status, 200);
  const raw = Buffer.from(await res.arrayBuffer());
  const first = JSON.parse(raw.subarray(5, 5 + raw.readUInt32BE(1)).toString("utf8")) as { data: string };
  assert.equal(Buffer.from(first.data, "base64").toString(), SMALL.toString());
});

test("a request larger than readMaxBytes is refused like the stock handler does", async () => {
  const req = { itemId: `share/${"x".repeat(70_000)}` };
  const [a, b] = await Promise.all([collect(stock, "connect", req, "good"), collect(fast, "connect", req, "good")]);
  assert.equal(a.error?.code, Code.ResourceExhausted);
  assert.equal(b.error?.code, a.error?.code);
});

test("an expired deadline ends the call with DEADLINE_EXCEEDED on both paths", async () => {
  for (const side of [stock, fast]) {
    const res = await fetch(`${side.server.url}/peer.v1.PeerService/ReadFile`, {
      method: "POST",
      headers: {
        "content-type": "application/connect+proto",
        "connect-protocol-version": "1",
        "connect-timeout-ms": "0",
        ...authHeaders(side),
      },
      body: body({ itemId: "share/big.bin" }),
    });
    const raw = Buffer.from(await res.arrayBuffer());
    assert.match(raw.toString("latin1"), /deadline_exceeded/);
  }
});

test("fastReadFile defaults to true and must be a boolean", () => {
  const base = { shares: [{ name: "share", dir: os.tmpdir() }], dataDir: path.join(os.tmpdir(), "unused") };
  assert.equal(resolveServerOptions(base).fastReadFile, true);
  assert.equal(resolveServerOptions({ ...base, fastReadFile: false }).fastReadFile, false);
  assert.throws(
    () => resolveServerOptions({ ...base, fastReadFile: "yes" as unknown as boolean }),
    /fastReadFile must be true or false/,
  );
});
