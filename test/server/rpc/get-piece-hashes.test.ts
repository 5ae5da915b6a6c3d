/**
 * The pieces protocol on a real server: Item.pieces_root / piece_length in
 * StatItem, ListItems and the first ReadFile message (fast path and stock
 * handler), GetPieceHashes paging and errors, the ListItems root filter, the
 * Handshake capability, and the HTTP route's X-Pieces-Root / X-Piece-Length.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { PeerService } from "../../../gen/peer/v1/peer_pb.js";
import { leafHashes, pieceLayer, pieceLengthFor, rootFromLeaves } from "../../../common/pieces/tree.js";
import { layerToHex, toHex } from "../../../common/pieces/hex.js";
import { PEER_PROTOCOLS, peerClient, startTestPeer, type TestPeer } from "../../helpers/peer-server.js";
import { runPeer } from "../../cli/run-peer.js";

const sha = (data: Uint8Array): Uint8Array => new Uint8Array(createHash("sha256").update(data).digest());
const BIG = Buffer.alloc(3 * 1024 * 1024 + 123);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 7 + (i >>> 10)) & 0xff;
const OTHER = Buffer.from(BIG);
OTHER[5000] = (OTHER[5000]! + 1) & 0xff;
const expect = (data: Buffer) => {
  const leaves = leafHashes(data, sha);
  const pieceLength = pieceLengthFor(data.length);
  return {
    root: toHex(rootFromLeaves(leaves, sha)),
    pieceLength,
    layer: layerToHex(pieceLayer(leaves, pieceLength, sha)),
  };
};
const big = expect(BIG);

let peer: TestPeer;
const headers = () => ({ authorization: `Bearer ${peer.key}` });
const ids = ["share/big.bin", "share/copy/big-copy.bin", "share/other.bin", "share/hello.txt", "share/empty.dat"];

before(async () => {
  peer = await startTestPeer({
    files: { "big.bin": BIG, "copy/big-copy.bin": BIG, "other.bin": OTHER, "hello.txt": "hello", "empty.dat": "" },
    extraShares: { music: { "same.bin": BIG } },
  });
  const client = peerClient(peer.url);
  for (const itemId of [...ids, "music/same.bin"]) await client.statItem({ itemId }, { headers: headers() });
  await peer.server.hasher.idle();
});
after(() => peer.close());

test("Handshake advertises the pieces capability", async () => {
  const res = await peerClient(peer.url).handshake({}, { headers: headers() });
  assert.ok(res.capabilities.includes("pieces"), res.capabilities.join(","));
});

for (const protocol of PEER_PROTOCOLS) {
  test(`${protocol}: StatItem carries the root and piece length once hashed`, async () => {
    const client = peerClient(peer.url, protocol);
    const cases = [
      { itemId: "share/big.bin", root: big.root, pieceLength: BigInt(big.pieceLength) },
      { itemId: "share/hello.txt", root: createHash("sha256").update("hello").digest("hex"), pieceLength: 16384n },
      { itemId: "share/empty.dat", root: "", pieceLength: 16384n },
    ];
    for (const c of cases) {
      const { item } = await client.statItem({ itemId: c.itemId }, { headers: headers() });
      assert.equal(item?.piecesRoot, c.root, c.itemId);
      assert.equal(item?.pieceLength, c.pieceLength, c.itemId);
    }
  });
}

test("ListItems carries roots; the pieces_root filter finds every copy across shares, pages included", async () => {
  const client = peerClient(peer.url);
  const all = await client.listItems({ pageSize: 100 }, { headers: headers() });
  assert.equal(all.items.find((i) => i.id === "share/big.bin")?.piecesRoot, big.root);
  assert.equal(all.items.find((i) => i.id === "share/other.bin")?.piecesRoot, expect(OTHER).root);
  const found = await client.listItems({ piecesRoot: big.root }, { headers: headers() });
  assert.deepEqual(
    found.items.map((i) => i.id),
    ["music/same.bin", "share/big.bin", "share/copy/big-copy.bin"],
  );
  const pageIds: string[] = [];
  let pageToken = "";
  do {
    const page = await client.listItems({ piecesRoot: big.root, pageSize: 1, pageToken }, { headers: headers() });
    assert.ok(page.items.length <= 1);
    pageIds.push(...page.items.map((i) => i.id));
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  assert.deepEqual(pageIds, ["music/same.bin", "share/big.bin", "share/copy/big-copy.bin"]);
  const inShare = await client.listItems(
    { piecesRoot: big.root, share: "share", query: "COPY" },
    { headers: headers() },
  );
  assert.deepEqual(
    inShare.items.map((i) => i.id),
    ["share/copy/big-copy.bin"],
  );
  const none = await client.listItems({ piecesRoot: "0".repeat(64) }, { headers: headers() });
  assert.deepEqual(none.items, []);
  for (const bad of ["ABC", big.root.toUpperCase(), big.root + "0"]) {
    await assert.rejects(client.listItems({ piecesRoot: bad }, { headers: headers() }), (e: unknown) => {
      assert.ok(e instanceof ConnectError && e.code === Code.InvalidArgument && /64 lower-case hex/.test(e.rawMessage));
      return true;
    });
  }
});

test("the first ReadFile message carries the root, on the fast path and the stock handler alike", async () => {
  const fast = peerClient(peer.url);
  const stock = createClient(
    PeerService,
    createConnectTransport({ baseUrl: peer.url, httpVersion: "1.1", useBinaryFormat: false }),
  );
  for (const client of [fast, stock]) {
    const controller = new AbortController();
    try {
      for await (const msg of client.readFile(
        { itemId: "share/big.bin", length: 10n },
        { headers: headers(), signal: controller.signal },
      )) {
        assert.equal(msg.item?.piecesRoot, big.root);
        assert.equal(msg.item?.pieceLength, BigInt(big.pieceLength));
        break;
      }
    } finally {
      controller.abort();
    }
  }
});

test("GetPieceHashes pages the layer; count 0 and huge counts are capped; the pages join into the layer", async () => {
  const client = peerClient(peer.url);
  const { item } = await client.statItem({ itemId: "share/big.bin" }, { headers: headers() });
  const pieceCount = Math.ceil(BIG.length / big.pieceLength);
  let joined = "";
  for (let first = 0n; first < BigInt(pieceCount); ) {
    const res = await client.getPieceHashes(
      { itemId: "share/big.bin", ifMatch: item!.etag, first, count: 50n },
      { headers: headers() },
    );
    assert.equal(res.piecesRoot, big.root);
    assert.equal(res.pieceLength, BigInt(big.pieceLength));
    assert.equal(res.pieceCount, BigInt(pieceCount));
    assert.equal(res.first, first);
    assert.equal(res.etag, item!.etag);
    assert.ok(res.hashes.length > 0 && res.hashes.length <= 50 * 32);
    joined += Buffer.from(res.hashes).toString("hex");
    first += BigInt(res.hashes.length / 32);
  }
  assert.equal(joined, big.layer);
  for (const count of [0n, 1_000_000n]) {
    const res = await client.getPieceHashes({ itemId: "share/big.bin", count }, { headers: headers() });
    assert.equal(
      Buffer.from(res.hashes).toString("hex"),
      big.layer,
      `count ${count}: all ${pieceCount} fit one answer`,
    );
  }
  const end = await client.getPieceHashes(
    { itemId: "share/big.bin", first: BigInt(pieceCount) },
    { headers: headers() },
  );
  assert.equal(end.hashes.length, 0, "first == piece_count: no hashes");
});

test("GetPieceHashes: a one-piece file has no hashes, an empty file no root", async () => {
  const client = peerClient(peer.url);
  const hello = await client.getPieceHashes({ itemId: "share/hello.txt" }, { headers: headers() });
  assert.equal(hello.piecesRoot, createHash("sha256").update("hello").digest("hex"));
  assert.equal(hello.pieceCount, 1n);
  assert.equal(hello.hashes.length, 0);
  const empty = await client.getPieceHashes({ itemId: "share/empty.dat" }, { headers: headers() });
  assert.equal(empty.piecesRoot, "");
  assert.equal(empty.pieceCount, 0n);
});

test("GetPieceHashes errors: NOT_FOUND, FAILED_PRECONDITION, OUT_OF_RANGE, INVALID_ARGUMENT, UNAUTHENTICATED", async () => {
  const client = peerClient(peer.url);
  const cases: Array<{ name: string; req: Record<string, unknown>; code: Code; auth?: boolean }> = [
    { name: "unknown item", req: { itemId: "share/nope" }, code: Code.NotFound },
    { name: "escaping id", req: { itemId: "share/../share/big.bin" }, code: Code.NotFound },
    { name: "changed etag", req: { itemId: "share/big.bin", ifMatch: '"1-2-3"' }, code: Code.FailedPrecondition },
    { name: "first < 0", req: { itemId: "share/big.bin", first: -1n }, code: Code.OutOfRange },
    { name: "first > piece count", req: { itemId: "share/big.bin", first: 10_000n }, code: Code.OutOfRange },
    { name: "count < 0", req: { itemId: "share/big.bin", count: -1n }, code: Code.InvalidArgument },
    { name: "no key", req: { itemId: "share/big.bin" }, code: Code.Unauthenticated, auth: false },
  ];
  for (const c of cases) {
    await assert.rejects(client.getPieceHashes(c.req, c.auth === false ? {} : { headers: headers() }), (e: unknown) => {
      assert.ok(e instanceof ConnectError, c.name);
      assert.equal(e.code, c.code, `${c.name}: ${e.message}`);
      return true;
    });
  }
});

test("GetPieceHashes before the root is computed: UNAVAILABLE with retry-after-ms, then OK", async () => {
  const client = peerClient(peer.url);
  await writeFile(path.join(peer.shareDir, "fresh.bin"), OTHER);
  await assert.rejects(client.getPieceHashes({ itemId: "share/fresh.bin" }, { headers: headers() }), (e: unknown) => {
    assert.ok(e instanceof ConnectError && e.code === Code.Unavailable, String(e));
    assert.match(e.metadata.get("retry-after-ms") ?? "", /^[1-9][0-9]*$/);
    return true;
  });
  await peer.server.hasher.idle();
  const res = await client.getPieceHashes({ itemId: "share/fresh.bin" }, { headers: headers() });
  assert.equal(res.piecesRoot, expect(OTHER).root);
  const listed = await client.listItems({ piecesRoot: expect(OTHER).root }, { headers: headers() });
  assert.deepEqual(
    listed.items.map((i) => i.id),
    ["share/fresh.bin", "share/other.bin"],
  );
});

test("HTTP route: HEAD and GET carry X-Pieces-Root and X-Piece-Length", async () => {
  for (const method of ["HEAD", "GET"]) {
    const res = await fetch(`${peer.url}/v1/files/share/big.bin`, {
      method,
      headers: { ...headers(), range: "bytes=0-9" },
    });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get("x-pieces-root"), big.root);
    assert.equal(res.headers.get("x-piece-length"), String(big.pieceLength));
    await res.arrayBuffer();
  }
  const empty = await fetch(`${peer.url}/v1/files/share/empty.dat`, { method: "HEAD", headers: headers() });
  assert.equal(empty.headers.get("x-pieces-root"), null, "an empty file has no root");
});

test("peer ls --json prints piecesRoot (null until hashed and for an empty file)", async () => {
  const r = await runPeer(["ls", peer.url, "--key", peer.key, "--json", "--query", "b"], { cwd: peer.shareDir });
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { id: string; piecesRoot: string | null });
  assert.equal(rows.find((row) => row.id === "share/big.bin")?.piecesRoot, big.root);
  const empty = await runPeer(["ls", peer.url, "--key", peer.key, "--json", "--query", "empty"], {
    cwd: peer.shareDir,
  });
  assert.equal((JSON.parse(empty.stdout.trim()) as { piecesRoot: unknown }).piecesRoot, null);
});
