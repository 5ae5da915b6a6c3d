import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createPeerClient } from "../../../client/index.js";
import { decode, encode } from "../../../common/bencode.js";
import { createTorznabRoute } from "../../../service/torznab/torznab-route.js";
import type { TorrentRemote } from "../../../service/torznab/release-torrent.js";
import { waitFor } from "../../helpers/download-fixtures.js";
import { startTestPeer, type TestPeer } from "../../helpers/peer-server.js";

// Sonarr parses the answers with an XML parser; so does this test (Python's ElementTree).
const PARSER = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../helpers/torznab-parse.py");
const PYTHON = "/usr/bin/python3";

const DOWNLOADS_KEY = "downloads-key";
const READ_KEY = "read-only-key";
const episode = Buffer.alloc(300_000, 3);
const EPISODE = "The.Office.US.S01E02.720p.HDTV.x264-LOL.mkv";
const PACK = "Show.Name.S02.720p.HDTV";
const packEpisodes = [Buffer.alloc(50_000, 1), Buffer.alloc(70_000, 2)];

let alice: TestPeer;
let bob: TestPeer;
let indexer: http.Server;
let base: string;
const warnings: Array<Record<string, unknown>> = [];

type Parsed = {
  kind: string;
  code?: number;
  description?: string;
  total?: number;
  offset?: number;
  searching?: Record<string, { available: string; params: string }>;
  categories?: Record<string, string[]>;
  limits?: { max: number; default: number };
  items?: Array<{
    title: string;
    guid: string;
    link: string;
    size: number;
    enclosure: { url: string; type: string; length: number };
    attrs: Record<string, string>;
  }>;
};

async function ask(
  query: string,
  key: string | null = DOWNLOADS_KEY,
): Promise<{ status: number; parsed: Parsed; type: string }> {
  const url = `${base}/api/torznab?${query}${key === null ? "" : `&apikey=${key}`}`;
  const response = await fetch(url);
  const body = await response.text();
  const parsed = JSON.parse(execFileSync(PYTHON, [PARSER], { input: body }).toString()) as Parsed;
  return { status: response.status, parsed, type: response.headers.get("content-type") ?? "" };
}

before(async () => {
  alice = await startTestPeer({
    files: {
      [`tv/${EPISODE}`]: episode,
      "Inception.2010.1080p.BluRay.mkv": "film",
      [`${PACK}/Show.Name.S02E01.720p.HDTV.mkv`]: packEpisodes[0] as Buffer,
      [`${PACK}/Show.Name.S02E02.720p.HDTV.mkv`]: packEpisodes[1] as Buffer,
    },
  });
  bob = await startTestPeer({ files: { [EPISODE]: episode } });
  for (const [peer, id] of [
    [alice, `share/tv/${EPISODE}`],
    [bob, `share/${EPISODE}`],
  ] as const) {
    const client = createPeerClient({ baseUrl: peer.url, apiKey: peer.key });
    await waitFor(async () => ((await client.statItem(id)).piecesRoot !== "" ? true : undefined), `the root of ${id}`);
  }
  const remotes: TorrentRemote[] = [
    { name: "alice", url: alice.url, key: alice.key },
    { name: "bob", url: bob.url, key: bob.key },
  ];
  const route = createTorznabRoute({
    remotes: async () => remotes,
    authorize: async (key) => (key === DOWNLOADS_KEY ? "ok" : key === READ_KEY ? "forbidden" : "unauthenticated"),
    catalog: (remote) => {
      const client = createPeerClient({ baseUrl: remote.url, apiKey: remote.key });
      return { name: remote.name, list: (query, signal) => client.listAllItems({ query }, { signal }) };
    },
    warn: (message, fields) => warnings.push({ message, ...fields }),
    title: "peer test",
  });
  indexer = http.createServer((req, res) => {
    if (!route(req, res)) {
      res.writeHead(404);
      res.end("not the indexer");
    }
  });
  await new Promise<void>((resolve) => indexer.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(indexer.address() as AddressInfo).port}`;
});

after(async () => {
  indexer?.close();
  await alice?.close();
  await bob?.close();
});

test("torznab: caps lists the searches and the standard categories", async () => {
  const { status, parsed, type } = await ask("t=caps");
  assert.equal(status, 200);
  assert.match(type, /^application\/xml/);
  assert.equal(parsed.kind, "caps");
  assert.deepEqual(parsed.searching?.["tv-search"], { available: "yes", params: "q,season,ep" });
  assert.deepEqual(parsed.searching?.["movie-search"], { available: "yes", params: "q" });
  assert.deepEqual(parsed.categories?.["5000"], ["TV", "5030", "5040", "5045"]);
  assert.deepEqual(parsed.categories?.["2000"], ["Movies", "2030", "2040", "2045"]);
  assert.deepEqual(parsed.limits, { max: 100, default: 100 });
});

test("torznab: keys — none, unknown, and a read-only key — get Newznab errors, never HTML", async () => {
  const none = await ask("t=caps", null);
  assert.deepEqual([none.status, none.parsed.kind, none.parsed.code], [401, "error", 100]);
  const bad = await ask("t=caps", "nope");
  assert.deepEqual([bad.status, bad.parsed.code], [401, 100]);
  const readOnly = await ask("t=search&q=office", READ_KEY);
  assert.deepEqual([readOnly.status, readOnly.parsed.code], [403, 102]);
  assert.match(readOnly.parsed.description ?? "", /downloads scope/);
});

test("torznab: bad parameters and functions get codes 201 and 202", async () => {
  const badSeason = await ask("t=tvsearch&q=office&season=x");
  assert.deepEqual([badSeason.status, badSeason.parsed.code], [400, 201]);
  const unknown = await ask("t=music");
  assert.deepEqual([unknown.status, unknown.parsed.code], [400, 202]);
});

test("torznab: Sonarr's episode search finds one release held by both remotes; its torrent names both web seeds", async () => {
  const { parsed } = await ask(
    "t=tvsearch&cat=5030,5040&extended=1&offset=0&limit=100&q=The%20Office%20US&season=1&ep=2",
  );
  assert.equal(parsed.kind, "feed");
  assert.equal(parsed.total, 1);
  const [item] = parsed.items ?? [];
  assert.ok(item);
  assert.equal(item.title, EPISODE);
  assert.equal(item.size, episode.length);
  assert.equal(item.enclosure.type, "application/x-bittorrent");
  assert.equal(item.enclosure.url, item.link);
  assert.deepEqual([item.attrs.category, item.attrs.seeders, item.attrs.downloadvolumefactor], ["5040", "2", "0"]);
  assert.equal(item.attrs.infohash, undefined, "not known before the torrent was fetched");

  const response = await fetch(item.enclosure.url);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "application/x-bittorrent");
  const torrent = decode(new Uint8Array(await response.arrayBuffer())) as Map<string, unknown>;
  const seeds = (torrent.get("url-list") as Uint8Array[]).map((seed) => Buffer.from(seed).toString());
  assert.equal(seeds.length, 2);
  assert.ok(seeds.some((seed) => seed.startsWith(alice.url)) && seeds.some((seed) => seed.startsWith(bob.url)));
  // Each web seed (a link base; BEP 19 appends the name) serves the bytes, and the info-hash is
  // SHA-1 of the bencoded info, as the *arr computes it.
  for (const seed of seeds)
    assert.deepEqual(Buffer.from(await (await fetch(seed + encodeURIComponent(EPISODE))).arrayBuffer()), episode);
  const infoHash = createHash("sha1")
    .update(encode(torrent.get("info") as Map<string, never>))
    .digest("hex");
  const again = await ask("t=tvsearch&q=The%20Office%20US&season=1&ep=2");
  assert.equal(again.parsed.items?.[0]?.attrs.infohash, infoHash, "known once cached");
});

test("torznab: a season pack folder is one release whose torrent is the folder's, seeded by a folder link", async () => {
  const { parsed } = await ask("t=tvsearch&q=Show%20Name&season=2");
  const pack = parsed.items?.find((item) => item.title === PACK);
  assert.ok(pack, JSON.stringify(parsed.items?.map((item) => item.title)));
  assert.equal(pack.size, 120_000);
  assert.equal(pack.attrs.category, "5040");
  const torrent = decode(new Uint8Array(await (await fetch(pack.enclosure.url)).arrayBuffer())) as Map<string, unknown>;
  const info = torrent.get("info") as Map<string, unknown>;
  assert.equal(Buffer.from(info.get("name") as Uint8Array).toString(), PACK);
  const [seed] = (torrent.get("url-list") as Uint8Array[]).map((s) => Buffer.from(s).toString());
  assert.ok(seed?.startsWith(alice.url));
  // BEP 19: a folder torrent's web seed + the torrent's name + the file's path.
  const file = await fetch(`${seed}${encodeURIComponent(PACK)}/Show.Name.S02E02.720p.HDTV.mkv`);
  assert.deepEqual(Buffer.from(await file.arrayBuffer()), packEpisodes[1]);
});

test("torznab: RSS sync (no q) pages newest first with offset and limit", async () => {
  const first = await ask("t=search&limit=1");
  assert.equal(first.parsed.total, 5, "four files and the season pack");
  assert.equal(first.parsed.items?.length, 1);
  const second = await ask("t=search&limit=1&offset=1");
  assert.equal(second.parsed.offset, 1);
  assert.notEqual(second.parsed.items?.[0]?.guid, first.parsed.items?.[0]?.guid);
  const movies = await ask("t=movie&q=inception");
  assert.deepEqual(
    movies.parsed.items?.map((item) => [item.title, item.attrs.category]),
    [["Inception.2010.1080p.BluRay.mkv", "2040"]],
  );
});

test("torznab: a download link that is not one of ours is a 404 error element", async () => {
  for (const token of [
    "!!!",
    Buffer.from('[["../x","share/a"]]').toString("base64url"),
    Buffer.from("{}").toString("base64url"),
  ]) {
    const response = await fetch(`${base}/api/torznab/download/${token}.torrent?apikey=${DOWNLOADS_KEY}`);
    assert.equal(response.status, 404);
    assert.match(await response.text(), /<error code="300"/);
  }
  const unknownRemote = Buffer.from('[["carol","share/x.mkv"]]').toString("base64url");
  const response = await fetch(`${base}/api/torznab/download/${unknownRemote}.torrent?apikey=${DOWNLOADS_KEY}`);
  assert.equal(response.status, 404);
  await response.text();
});
