import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import { createPeerClient } from "../../../client/index.js";
import {
  type CatalogRemote,
  catalogNeedle,
  type FoundRelease,
  searchRemotes,
} from "../../../service/torznab/release-search.js";
import type { ReleaseQuery } from "../../../service/torznab/release-match.js";
import { startTestPeer, type TestPeer } from "../../helpers/peer-server.js";
import { waitFor } from "../../helpers/download-fixtures.js";

// Two friends share the same episode (same bytes → one release held by both); one also has a
// film and a season pack. A third remote refuses connections, a fourth accepts and never answers.
const episode = Buffer.alloc(40_000, 7);
let alice: TestPeer;
let bob: TestPeer;
let silent: net.Server;
let silentUrl: string;
let downUrl: string;

function remote(name: string, url: string, key: string): CatalogRemote {
  const client = createPeerClient({ baseUrl: url, apiKey: key });
  return { name, list: (query, signal) => client.listAllItems({ query }, { signal }) };
}

function query(fields: Partial<ReleaseQuery>): ReleaseQuery {
  return { q: "", categories: [], kind: "any", ...fields };
}

before(async () => {
  alice = await startTestPeer({
    files: {
      "tv/The.Office.US.S01E02.720p.HDTV.x264-LOL.mkv": episode,
      "films/Inception.2010.1080p.BluRay.x264-SPARKS.mkv": "film bytes",
      "tv/Show.Name.S02.1080p.WEB-DL/Show.Name.S02E01.1080p.WEB-DL.mkv": "pack episode one",
    },
  });
  bob = await startTestPeer({ files: { "The.Office.US.S01E02.720p.HDTV.x264-LOL.mkv": episode } });
  silent = net.createServer(() => {}); // accepts, never answers
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  downUrl = `http://127.0.0.1:${(closed.address() as net.AddressInfo).port}`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  // Roots are computed in the background; the merge by root needs them.
  for (const [peer, id] of [
    [alice, "share/tv/The.Office.US.S01E02.720p.HDTV.x264-LOL.mkv"],
    [bob, "share/The.Office.US.S01E02.720p.HDTV.x264-LOL.mkv"],
  ] as const) {
    const client = createPeerClient({ baseUrl: peer.url, apiKey: peer.key });
    await waitFor(async () => ((await client.statItem(id)).piecesRoot !== "" ? true : undefined), `the root of ${id}`);
  }
});

after(async () => {
  await alice?.close();
  await bob?.close();
  silent?.close();
});

function titles(releases: FoundRelease[]): string[] {
  return releases.map((release) => release.title).sort();
}

test("catalogNeedle asks the catalog for the longest query word", () => {
  assert.equal(catalogNeedle("The Office US"), "office");
  assert.equal(catalogNeedle(""), "");
  assert.equal(catalogNeedle("!!"), "");
});

test("searchRemotes: the same bytes at two remotes are one release held by both", async () => {
  const remotes = [remote("alice", alice.url, alice.key), remote("bob", bob.url, bob.key)];
  const { releases, failures } = await searchRemotes(remotes, query({ q: "The Office US", season: 1, ep: "2" }));
  assert.deepEqual(failures, []);
  assert.equal(releases.length, 1);
  const [release] = releases;
  assert.match(release?.guid ?? "", /^[0-9a-f]{64}$/);
  assert.deepEqual(release?.holders.map((holder) => holder.remote).sort(), ["alice", "bob"]);
  assert.equal(release?.size, episode.length);
  assert.equal(release?.category, 5040);
});

test("searchRemotes: a remote that is down and one that never answers are left out and reported", async () => {
  const remotes = [
    remote("alice", alice.url, alice.key),
    remote("down", downUrl, alice.key),
    remote("silent", silentUrl, alice.key),
  ];
  const { releases, failures } = await searchRemotes(remotes, query({ q: "inception", kind: "movie" }), {
    timeoutMs: 1_500,
  });
  assert.deepEqual(titles(releases), ["Inception.2010.1080p.BluRay.x264-SPARKS.mkv"]);
  assert.deepEqual(failures.map((failure) => failure.remote).sort(), ["down", "silent"]);
  assert.match(failures.find((failure) => failure.remote === "silent")?.reason ?? "", /no answer within 1500 ms/);
});

test("searchRemotes: a refused key is a failure of that remote only", async () => {
  const remotes = [remote("alice", alice.url, alice.key), remote("bob-bad-key", bob.url, "peer_0000_bad")];
  const { releases, failures } = await searchRemotes(remotes, query({}));
  assert.equal(releases.length, 4, "three files and the season pack folder");
  assert.deepEqual(
    failures.map((failure) => failure.remote),
    ["bob-bad-key"],
  );
});

test("searchRemotes: an RSS sync lists everything, newest first; a season search finds the pack and its episodes", async () => {
  const remotes = [remote("alice", alice.url, alice.key)];
  const all = await searchRemotes(remotes, query({}));
  assert.deepEqual(titles(all.releases), [
    "Inception.2010.1080p.BluRay.x264-SPARKS.mkv",
    "Show.Name.S02.1080p.WEB-DL",
    "Show.Name.S02E01.1080p.WEB-DL.mkv",
    "The.Office.US.S01E02.720p.HDTV.x264-LOL.mkv",
  ]);
  const pack = all.releases.find((release) => release.title === "Show.Name.S02.1080p.WEB-DL");
  assert.deepEqual(pack?.holders, [{ remote: "alice", itemId: "share/tv/Show.Name.S02.1080p.WEB-DL/" }]);
  assert.equal(pack?.size, "pack episode one".length);
  assert.equal(pack?.category, 5040);
  const times = all.releases.map((release) => release.modified.getTime());
  assert.deepEqual(
    times,
    [...times].sort((a, b) => b - a),
  );
  const season = await searchRemotes(remotes, query({ q: "show name", season: 2, kind: "tv" }));
  assert.deepEqual(titles(season.releases), ["Show.Name.S02.1080p.WEB-DL", "Show.Name.S02E01.1080p.WEB-DL.mkv"]);
  const episode = await searchRemotes(remotes, query({ q: "show name", season: 2, ep: "1", kind: "tv" }));
  assert.deepEqual(
    titles(episode.releases),
    ["Show.Name.S02E01.1080p.WEB-DL.mkv"],
    "a pack does not answer an episode",
  );
});
