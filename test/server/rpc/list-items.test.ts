/**
 * ListItems paging, ordering and filters; Handshake; and Connect GET of the
 * unary calls with plain fetch (what curl does).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Item } from "../../../gen/peer/v1/peer_pb.js";
import { PEER_PROTOCOLS, peerClient, startTestPeer, type TestPeer } from "../../helpers/peer-server.js";

const files: Record<string, string> = {
  "a-c.txt": "1",
  "a/b.txt": "22",
  "a/Z/deep.TXT": "333",
  "b.bin": "4444",
  "Movie.MKV": "55555",
  "notes/movie-notes.md": "6",
};
for (let i = 0; i < 1005; i++) files[`many/f${String(i).padStart(4, "0")}.dat`] = "x";

let peer: TestPeer;
const headers = () => ({ authorization: `Bearer ${peer.key}` });
before(async () => {
  peer = await startTestPeer({ files, extraShares: { music: { "song.mp3": "la", "Movie-theme.ogg": "ta" } } });
});
after(() => peer.close());

async function listAll(
  client: ReturnType<typeof peerClient>,
  req: { share?: string; query?: string; pageSize: number },
): Promise<{ items: Item[]; pages: number }> {
  const items: Item[] = [];
  let pageToken = "";
  let pages = 0;
  do {
    const res = await client.listItems({ ...req, pageToken }, { headers: headers() });
    pages++;
    assert.ok(res.items.length <= req.pageSize);
    items.push(...res.items);
    pageToken = res.nextPageToken;
  } while (pageToken !== "");
  return { items, pages };
}

for (const protocol of PEER_PROTOCOLS) {
  test(`${protocol}: pages cover every item once, in id order, across shares`, async () => {
    const client = peerClient(peer.url, protocol);
    const { items, pages } = await listAll(client, { pageSize: 250 });
    const ids = items.map((i) => i.id);
    const expected = [...Object.keys(files).map((f) => `share/${f}`), "music/song.mp3", "music/Movie-theme.ogg"].sort();
    assert.deepEqual(ids, expected);
    assert.equal(pages, Math.ceil(expected.length / 250));
    const b = items.find((i) => i.id === "share/b.bin");
    assert.equal(b?.size, 4n);
    assert.equal(b?.name, "b.bin");
    assert.equal(b?.share, "share");
    assert.match(b?.etag ?? "", /^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
  });
}

test("ids sort as strings: 'a-c.txt' before 'a/b.txt'", async () => {
  const res = await peerClient(peer.url).listItems({ share: "share", pageSize: 3 }, { headers: headers() });
  assert.deepEqual(
    res.items.map((i) => i.id),
    ["share/Movie.MKV", "share/a-c.txt", "share/a/Z/deep.TXT"],
  );
});

test("page size: 0 means 100, above 1000 is capped, negative is INVALID_ARGUMENT", async () => {
  const client = peerClient(peer.url);
  assert.equal((await client.listItems({}, { headers: headers() })).items.length, 100);
  const capped = await client.listItems({ pageSize: 5000 }, { headers: headers() });
  assert.equal(capped.items.length, 1000);
  assert.notEqual(capped.nextPageToken, "");
  await assert.rejects(
    client.listItems({ pageSize: -1 }, { headers: headers() }),
    (e: unknown) => ConnectError.from(e).code === Code.InvalidArgument,
  );
});

test("name filter is a case-insensitive substring of the name, across shares", async () => {
  const { items } = await listAll(peerClient(peer.url), { query: "MOVIE", pageSize: 1 });
  assert.deepEqual(
    items.map((i) => i.id),
    ["music/Movie-theme.ogg", "share/Movie.MKV", "share/notes/movie-notes.md"],
  );
  const none = await peerClient(peer.url).listItems({ query: "no such thing" }, { headers: headers() });
  assert.equal(none.items.length, 0);
  assert.equal(none.nextPageToken, "");
});

test("share filter, and an unknown share is NOT_FOUND", async () => {
  const { items } = await listAll(peerClient(peer.url), { share: "music", pageSize: 10 });
  assert.deepEqual(
    items.map((i) => i.id),
    ["music/Movie-theme.ogg", "music/song.mp3"],
  );
  await assert.rejects(
    peerClient(peer.url).listItems({ share: "nope" }, { headers: headers() }),
    (e: unknown) => ConnectError.from(e).code === Code.NotFound,
  );
});

test("a forged or foreign page token is INVALID_ARGUMENT", async () => {
  for (const pageToken of ["garbage!", "e30", Buffer.from('{"v":2,"after":"x"}').toString("base64url")]) {
    await assert.rejects(
      peerClient(peer.url).listItems({ pageToken }, { headers: headers() }),
      (e: unknown) => ConnectError.from(e).code === Code.InvalidArgument,
    );
  }
});

test("files added and removed between pages are seen (no stale catalog)", async () => {
  const client = peerClient(peer.url);
  const first = await client.listItems({ share: "share", pageSize: 2 }, { headers: headers() });
  assert.deepEqual(
    first.items.map((i) => i.id),
    ["share/Movie.MKV", "share/a-c.txt"],
  );
  await writeFile(path.join(peer.shareDir, "a", "added.txt"), "new");
  await rm(path.join(peer.shareDir, "a", "b.txt"));
  try {
    const second = await client.listItems(
      { share: "share", pageSize: 2, pageToken: first.nextPageToken },
      { headers: headers() },
    );
    assert.deepEqual(
      second.items.map((i) => i.id),
      ["share/a/Z/deep.TXT", "share/a/added.txt"],
    );
    await assert.rejects(
      client.statItem({ itemId: "share/a/b.txt" }, { headers: headers() }),
      (e: unknown) => ConnectError.from(e).code === Code.NotFound,
    );
  } finally {
    await writeFile(path.join(peer.shareDir, "a", "b.txt"), "22");
    await rm(path.join(peer.shareDir, "a", "added.txt"));
  }
});

test("Handshake: version, capabilities, shares", async () => {
  const res = await peerClient(peer.url, "grpc").handshake(
    { clientName: "test", clientVersion: "1.0.0" },
    { headers: headers() },
  );
  assert.equal(res.protocolVersion, "1.0.0");
  assert.equal(res.minClientVersion, "1.0.0");
  for (const c of ["read_limit", "if_match", "sha256", "http_ranges"]) assert.ok(res.capabilities.includes(c), c);
  assert.deepEqual(res.shares, ["music", "share"]);
  assert.notEqual(res.serverName, "");
});

test("Connect GET of StatItem, ListItems and Handshake with plain fetch (curl-able)", async () => {
  const get = (method: string, message: object, key = true) =>
    fetch(
      `${peer.url}/peer.v1.PeerService/${method}?encoding=json&message=${encodeURIComponent(JSON.stringify(message))}`,
      {
        headers: key ? { "x-api-key": peer.key } : {},
      },
    );
  const stat = await get("StatItem", { itemId: "share/b.bin" });
  assert.equal(stat.status, 200);
  const body = (await stat.json()) as { item: { id: string; size: string; etag: string; contentType: string } };
  assert.equal(body.item.id, "share/b.bin");
  assert.equal(body.item.size, "4"); // int64 is a string in JSON
  assert.match(body.item.etag, /^"/);
  const list = await get("ListItems", { share: "music" });
  assert.equal(list.status, 200);
  assert.equal(((await list.json()) as { items: unknown[] }).items.length, 2);
  const hs = await get("Handshake", {});
  assert.equal(((await hs.json()) as { protocolVersion: string }).protocolVersion, "1.0.0");
  const missing = await get("StatItem", { itemId: "share/nope" });
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { code: string }).code, "not_found");
  // A streaming method has no GET form.
  const read = await get("ReadFile", { itemId: "share/b.bin" });
  assert.notEqual(read.status, 200);
  await read.body?.cancel();
});

test("unknown paths get a JSON 404", async () => {
  const res = await fetch(`${peer.url}/no/such/route`);
  assert.equal(res.status, 404);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.equal(((await res.json()) as { code: string }).code, "not_found");
});
