/**
 * The Torznab indexer inside `peer serve --downloads` (startPeerServer + the download service):
 * keys by scope; the whole loop with two remotes holding the same file — a search as Sonarr's
 * request generator sends it, the enclosure's torrent (both friends as web seeds) added through
 * the qBittorrent API with @ctrl/qbittorrent, completion, the file byte-identical; and the same
 * through DownloadService.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { QBittorrent } from "@ctrl/qbittorrent";
import { createPeerClient } from "../../../client/index.js";
import { updateRemotes } from "../../../client/remotes/index.js";
import { decode } from "../../../common/bencode.js";
import { DownloadState, WatchEventKind } from "../../../gen/peer/v1/download_pb.js";
import { waitFor } from "../../helpers/download-fixtures.js";
import { startTestPeer, type TestPeer } from "../../helpers/peer-server.js";
import { startServicePeer, type ServicePeer } from "../helpers/download-peer.js";

const EPISODE = "The.Office.US.S01E02.720p.HDTV.x264-LOL.mkv";
const bytes = randomBytes(400_000);

describe("Torznab in the download service", { timeout: 300_000 }, () => {
  let source: TestPeer;
  let friend: TestPeer;
  let service: ServicePeer;
  before(async () => {
    ({ source, service } = await startServicePeer({ [EPISODE]: bytes, "notes.txt": "not a release" }));
    // A second friend holds the same bytes in another folder: one release, two seeders.
    friend = await startTestPeer({ files: { [`tv/${EPISODE}`]: bytes } });
    await updateRemotes(service.dataDir, (remotes) => ({
      remotes: [...remotes, { name: "friend", url: friend.url, key: friend.key, addedAt: new Date().toISOString() }],
      result: undefined,
    }));
    for (const [peer, id] of [
      [source, `share/${EPISODE}`],
      [friend, `share/tv/${EPISODE}`],
    ] as const) {
      const client = createPeerClient({ baseUrl: peer.url, apiKey: peer.key });
      await waitFor(
        async () => ((await client.statItem(id)).piecesRoot !== "" ? true : undefined),
        `the pieces root of ${id}`,
      );
    }
  });
  after(async () => {
    await service?.close();
    await friend?.close();
  });

  // The parameters Sonarr's TorznabRequestGenerator sends for an episode search.
  const search = (key: string) =>
    fetch(
      `${service.server.url}/api/torznab?t=tvsearch&cat=5030,5040&extended=1&apikey=${key}&offset=0&limit=100&q=The%20Office%20US&season=1&ep=2`,
    );

  test("a read-scoped key gets error 102; a downloads key gets caps", async () => {
    const refused = await search(service.readKey);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /<error code="102"/);
    const caps = await fetch(`${service.server.url}/api/torznab?t=caps&apikey=${service.downloadsKey}`);
    assert.equal(caps.status, 200);
    assert.match(await caps.text(), /<tv-search available="yes" supportedParams="q,season,ep"\/>/);
  });

  test("search as Sonarr does, fetch the enclosure, add it through the qBittorrent API: the file arrives", async () => {
    const feed = await (await search(service.downloadsKey)).text();
    assert.match(feed, /<torznab:attr name="seeders" value="2"\/>/);
    const enclosure = /<enclosure url="([^"]+)"/.exec(feed)?.[1]?.replace(/&amp;/g, "&");
    assert.ok(enclosure, feed);
    const torrent = new Uint8Array(await (await fetch(enclosure)).arrayBuffer());
    const seeds = (decode(torrent) as Map<string, Uint8Array[]>).get("url-list") ?? [];
    assert.equal(seeds.length, 2, "both friends are web seeds");

    const qbt = new QBittorrent({
      baseUrl: `${service.server.url}/`,
      username: "sonarr",
      password: service.downloadsKey,
    });
    assert.equal(await qbt.createCategory("tv-sonarr", ""), true);
    // normalizedAddTorrent hashes the file with @ctrl/torrent-file, as the *arr do: a hybrid torrent has a v1 hash.
    const added = await qbt.normalizedAddTorrent(torrent as Uint8Array<ArrayBuffer>, { label: "tv-sonarr" });
    // Complete and importable as the *arr see it: stalledUP with progress 1.
    const done = await waitFor(
      async () => (await qbt.listTorrents({ category: "tv-sonarr" })).find((t) => t.state === "stalledUP"),
      "the qBittorrent API to report the torrent complete",
      120_000,
    );
    assert.equal(done.progress, 1);
    assert.deepEqual(await readFile(done.content_path), bytes);
    assert.equal(await qbt.removeTorrent(added.id, true), true);
  });

  test("search, fetch the enclosure, add it through DownloadService: the file arrives verified", async () => {
    const feed = await (await search(service.downloadsKey)).text();
    assert.match(feed, new RegExp(`<title>${EPISODE.replace(/\./g, "\\.")}</title>`));
    const enclosure = /<enclosure url="([^"]+)"/.exec(feed)?.[1]?.replace(/&amp;/g, "&");
    assert.ok(enclosure, feed);
    const torrentResponse = await fetch(enclosure);
    assert.equal(torrentResponse.status, 200);
    const torrent = new Uint8Array(await torrentResponse.arrayBuffer());

    const client = service.client();
    const ctl = new AbortController();
    const iterator = client.watchDownloads({}, { signal: ctl.signal })[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.kind, WatchEventKind.SNAPSHOT);
    const added = await client.addDownload({ what: { case: "torrent", value: torrent }, destination: "tv" });
    const id = added.downloads[0]?.id ?? "";
    for (;;) {
      const next = await iterator.next();
      assert.equal(next.done, false);
      const download = next.value?.download;
      if (download?.id !== id) continue;
      assert.notEqual(download.state, DownloadState.FAILED, download.errorMessage);
      if (download.state === DownloadState.COMPLETED) break;
    }
    ctl.abort();
    assert.deepEqual(await readFile(path.join(service.root, "tv", EPISODE)), bytes);
  });
});
