/**
 * ReadFile, every row of docs/protocol.md's table, over Connect (HTTP/1.1), gRPC
 * (h2c) and gRPC-Web, against a real server on 127.0.0.1:0.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ReadFileRequestSchema, ReadFileResponse } from "../../../gen/peer/v1/peer_pb.js";
import { PEER_PROTOCOLS, peerClient, startTestPeer, type TestPeer } from "../../helpers/peer-server.js";

const BIG = Buffer.alloc(3 * 1024 * 1024 + 123);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 31 + (i >> 10)) & 0xff;
const SMALL = Buffer.from("hello, peer");

let peer: TestPeer;
before(async () => {
  peer = await startTestPeer({ files: { "big.bin": BIG, "small.txt": SMALL, "empty.dat": "" } });
});
after(async () => {
  await peer.close();
});

/** Reads a whole ReadFile stream; returns messages or the error that ended it. */
async function collect(
  client: ReturnType<typeof peerClient>,
  req: ReadInit,
  key: string | undefined,
): Promise<{ messages: ReadFileResponse[]; error?: ConnectError }> {
  const messages: ReadFileResponse[] = [];
  const controller = new AbortController();
  try {
    const headers = key === undefined ? undefined : { authorization: `Bearer ${key}` };
    for await (const m of client.readFile(req, { headers, signal: controller.signal, timeoutMs: 60_000 }))
      messages.push(m);
    return { messages };
  } catch (error) {
    return { messages, error: ConnectError.from(error) };
  } finally {
    controller.abort();
  }
}

function bytesOf(messages: ReadFileResponse[]): Buffer {
  return Buffer.concat(messages.map((m) => m.data));
}

/** Checks that each message's offset is where the previous one ended. */
function assertContiguous(messages: ReadFileResponse[], start: number): void {
  let expected = start;
  for (const m of messages) {
    assert.equal(m.offset, BigInt(expected));
    expected += m.data.length;
  }
}

type ReadInit = MessageInitShape<typeof ReadFileRequestSchema>;
type Row = {
  name: string;
  req: ReadInit | ((etag: string) => ReadInit);
  code?: Code;
  expect?: Buffer;
  start?: number;
};

const rows: Row[] = [
  { name: "whole file", req: { itemId: "share/big.bin", offset: 0n }, expect: BIG, start: 0 },
  {
    name: "from an offset to the end",
    req: { itemId: "share/big.bin", offset: 1_000_001n },
    expect: BIG.subarray(1_000_001),
    start: 1_000_001,
  },
  {
    name: "length within the file",
    req: { itemId: "share/big.bin", offset: 10n, length: 2_000_000n, chunkSize: 65_536 },
    expect: BIG.subarray(10, 2_000_010),
    start: 10,
  },
  {
    name: "length past the end is truncated, not an error",
    req: { itemId: "share/small.txt", offset: 7n, length: 1000n },
    expect: SMALL.subarray(7),
    start: 7,
  },
  {
    name: "offset == size: OK with one empty message",
    req: { itemId: "share/small.txt", offset: BigInt(SMALL.length) },
    expect: Buffer.alloc(0),
    start: SMALL.length,
  },
  {
    name: "empty file from 0: OK and empty",
    req: { itemId: "share/empty.dat", offset: 0n },
    expect: Buffer.alloc(0),
    start: 0,
  },
  { name: "offset < 0", req: { itemId: "share/small.txt", offset: -1n }, code: Code.OutOfRange },
  {
    name: "offset > size",
    req: { itemId: "share/small.txt", offset: BigInt(SMALL.length + 1) },
    code: Code.OutOfRange,
  },
  { name: "offset far beyond int53", req: { itemId: "share/small.txt", offset: 2n ** 62n }, code: Code.OutOfRange },
  { name: "length < 0", req: { itemId: "share/small.txt", offset: 0n, length: -5n }, code: Code.InvalidArgument },
  { name: "unknown item", req: { itemId: "share/nope.txt", offset: 0n }, code: Code.NotFound },
  { name: "unknown share", req: { itemId: "other/small.txt", offset: 0n }, code: Code.NotFound },
  { name: "escaping id", req: { itemId: "share/../share/small.txt", offset: 0n }, code: Code.NotFound },
  {
    name: "if_match equal to the etag",
    req: (etag) => ({ itemId: "share/small.txt", ifMatch: etag }),
    expect: SMALL,
    start: 0,
  },
  {
    name: "if_match differs",
    req: () => ({ itemId: "share/small.txt", ifMatch: '"1-2-3"' }),
    code: Code.FailedPrecondition,
  },
  {
    name: "tiny chunk hint is clamped up to 16 KiB",
    req: { itemId: "share/big.bin", offset: 0n, length: 100_000n, chunkSize: 1 },
    expect: BIG.subarray(0, 100_000),
    start: 0,
  },
  {
    name: "huge chunk hint is clamped down to 2 MiB",
    req: { itemId: "share/big.bin", offset: 0n, length: 0n, chunkSize: 2 ** 30 },
    expect: BIG,
    start: 0,
  },
];

for (const protocol of PEER_PROTOCOLS) {
  describe(`ReadFile over ${protocol}`, () => {
    let client: ReturnType<typeof peerClient>;
    let smallEtag = "";
    before(async () => {
      client = peerClient(peer.url, protocol);
      const st = await client.statItem({ itemId: "share/small.txt" }, { headers: { "x-api-key": peer.key } });
      smallEtag = st.item?.etag ?? "";
      assert.notEqual(smallEtag, "");
    });

    for (const row of rows) {
      test(row.name, async () => {
        const req = typeof row.req === "function" ? row.req(smallEtag) : row.req;
        const { messages, error } = await collect(client, req, peer.key);
        if (row.code !== undefined) {
          assert.ok(error, `expected ${Code[row.code]}, got ${messages.length} messages`);
          assert.equal(error.code, row.code, error.message);
          assert.equal(bytesOf(messages).length, 0, "no bytes before an error");
          return;
        }
        assert.equal(error, undefined, error?.message);
        assert.ok(messages.length >= 1, "at least one message");
        assert.ok(bytesOf(messages).equals(row.expect ?? Buffer.alloc(0)), "bytes match the file");
        assertContiguous(messages, row.start ?? 0);
        // The first message carries the item, the others do not.
        const first = messages[0];
        assert.ok(first?.item, "first message carries the item");
        assert.equal(first.item.id, req.itemId);
        for (const m of messages.slice(1)) assert.equal(m.item, undefined);
        // Only the last message may be short; none is empty unless it is the only one.
        for (const m of messages.slice(0, -1)) assert.ok(m.data.length > 0);
      });
    }

    test("first message metadata equals StatItem's", async () => {
      const st = await client.statItem(
        { itemId: "share/big.bin" },
        { headers: { authorization: `Bearer ${peer.key}` } },
      );
      const { messages, error } = await collect(client, { itemId: "share/big.bin", offset: 5n, length: 1n }, peer.key);
      assert.equal(error, undefined);
      const item = messages[0]?.item;
      assert.ok(item && st.item);
      assert.equal(item.size, BigInt(BIG.length));
      assert.equal(item.etag, st.item.etag);
      assert.equal(item.name, "big.bin");
      assert.equal(item.share, "share");
      assert.equal(item.contentType, "application/octet-stream");
      assert.ok(item.modified);
      assert.equal(bytesOf(messages).length, 1);
    });

    test("chunk sizes follow the clamped hint", async () => {
      const { messages } = await collect(
        client,
        { itemId: "share/big.bin", offset: 0n, length: 0n, chunkSize: 1 },
        peer.key,
      );
      assert.equal(messages[0]?.data.length, 16 * 1024);
      const def = await collect(client, { itemId: "share/big.bin" }, peer.key);
      assert.equal(def.messages[0]?.data.length, 1024 * 1024);
      const huge = await collect(client, { itemId: "share/big.bin", chunkSize: 2 ** 30 }, peer.key);
      assert.equal(huge.messages[0]?.data.length, 2 * 1024 * 1024);
    });

    test("no key: UNAUTHENTICATED, no bytes", async () => {
      const { messages, error } = await collect(client, { itemId: "share/small.txt" }, undefined);
      assert.equal(error?.code, Code.Unauthenticated);
      assert.equal(messages.length, 0);
    });
  });
}

test("sha256 arrives once the background hasher is done", async () => {
  const client = peerClient(peer.url);
  const headers = { authorization: `Bearer ${peer.key}` };
  await client.statItem({ itemId: "share/big.bin" }, { headers });
  await peer.server.hasher.idle();
  const { messages } = await collect(client, { itemId: "share/big.bin", length: 1n }, peer.key);
  assert.equal(messages[0]?.item?.sha256, createHash("sha256").update(BIG).digest("hex"));
});

test("file bytes are never compressed, even when the client offers gzip", async () => {
  // A Connect server-stream request in JSON, sent with plain fetch so the
  // request headers are exactly these.
  const body = JSON.stringify({ itemId: "share/big.bin", length: "70000" });
  const envelope = Buffer.alloc(5 + Buffer.byteLength(body));
  envelope.writeUInt32BE(Buffer.byteLength(body), 1);
  envelope.write(body, 5);
  const res = await fetch(`${peer.url}/peer.v1.PeerService/ReadFile`, {
    method: "POST",
    headers: {
      "content-type": "application/connect+json",
      "connect-protocol-version": "1",
      "connect-accept-encoding": "gzip, br",
      authorization: `Bearer ${peer.key}`,
    },
    body: envelope,
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("connect-content-encoding"), null);
  const raw = Buffer.from(await res.arrayBuffer());
  // Every envelope has flag 0 (uncompressed data) or 2 (end of stream), never 1 (compressed).
  let at = 0;
  let data = 0;
  while (at < raw.length) {
    const flags = raw[at] ?? 0;
    const len = raw.readUInt32BE(at + 1);
    assert.equal(flags & 1, 0, "no compressed envelope");
    if (flags === 0) data++;
    at += 5 + len;
  }
  assert.ok(data >= 1);
});
