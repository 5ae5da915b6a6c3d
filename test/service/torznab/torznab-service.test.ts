/**
 * The Torznab indexer inside `peer serve --downloads` (startPeerServer + the download service):
 * keys by scope, a search as Sonarr sends it, the enclosure's torrent handed back to the queue,
 * and the file arriving byte-identical from the friend who holds it.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { createPeerClient } from "../../../client/index.js";
import { DownloadState, WatchEventKind } from "../../../gen/peer/v1/download_pb.js";
import { waitFor } from "../../helpers/download-fixtures.js";
import type { TestPeer } from "../../helpers/peer-server.js";
import { startServicePeer, type ServicePeer } from "../helpers/download-peer.js";

const EPISODE = "The.Office.US.S01E02.720p.HDTV.x264-LOL.mkv";
const bytes = randomBytes(400_000);

describe("Torznab in the download service", { timeout: 300_000 }, () => {
  let source: TestPeer;
  let service: ServicePeer;
  before(async () => {
    ({ source, service } = await startServicePeer({ [EPISODE]: bytes, "notes.txt": "not a release" }));
    const client = createPeerClient({ baseUrl: source.url, apiKey: source.key });
    await waitFor(
      async () => ((await client.statItem(`share/${EPISODE}`)).piecesRoot !== "" ? true : undefined),
      "the source's pieces root",
    );
  });
  after(() => service?.close());

  const search = (key: string) =>
    fetch(`${service.server.url}/api/torznab?t=tvsearch&cat=5000&q=The%20Office%20US&season=1&ep=2&apikey=${key}`);

  test("a read-scoped key gets error 102; a downloads key gets caps", async () => {
    const refused = await search(service.readKey);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /<error code="102"/);
    const caps = await fetch(`${service.server.url}/api/torznab?t=caps&apikey=${service.downloadsKey}`);
    assert.equal(caps.status, 200);
    assert.match(await caps.text(), /<tv-search available="yes" supportedParams="q,season,ep"\/>/);
  });

  test("search, fetch the enclosure, add it to the queue: the friend's file arrives verified", async () => {
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
