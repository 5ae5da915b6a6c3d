/**
 * `GET /v1/downloads/<id>/content` on `peer serve --downloads`: a queued download served by the
 * verified-bytes stream server, to `downloads` keys only, with ranges.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { createPeerClient } from "../../client/index.js";
import { DownloadState, WatchEventKind } from "../../gen/peer/v1/download_pb.js";
import { waitFor } from "../helpers/download-fixtures.js";
import type { TestPeer } from "../helpers/peer-server.js";
import { startServicePeer, type ServicePeer } from "./helpers/download-peer.js";

const film = randomBytes(700_000);

describe("download content", { timeout: 300_000 }, () => {
  let source: TestPeer;
  let service: ServicePeer;
  let id = "";
  before(async () => {
    ({ source, service } = await startServicePeer({ "film.mp4": film }));
    // With the source's pieces root known, the download is verified piece by piece and named by it.
    const peer = createPeerClient({ baseUrl: source.url, apiKey: source.key });
    await waitFor(
      async () => ((await peer.statItem("share/film.mp4")).piecesRoot !== "" ? true : undefined),
      "the source's pieces root",
    );
    const client = service.client();
    const ctl = new AbortController();
    const iterator = client.watchDownloads({}, { signal: ctl.signal })[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.kind, WatchEventKind.SNAPSHOT);
    const added = await client.addDownload({
      what: { case: "item", value: { peer: "src", itemId: "share/film.mp4" } },
    });
    id = added.downloads[0]?.id ?? "";
    for (;;) {
      const next = await iterator.next();
      const download = next.value?.download;
      if (download?.id === id && download.state === DownloadState.COMPLETED) break;
      assert.notEqual(download?.id === id && download.state, DownloadState.FAILED);
    }
    ctl.abort();
  });
  after(() => service?.close());

  const content = (headers: Record<string, string>, path = `/v1/downloads/${id}/content`) =>
    fetch(`${service.server.url}${path}`, { headers });

  test("a downloads key gets the bytes, whole and by range, with validators from the pieces root", async () => {
    const whole = await content({ Authorization: `Bearer ${service.downloadsKey}` });
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get("content-type"), "video/mp4");
    assert.match(whole.headers.get("etag") ?? "", /^"[0-9a-f]{64}"$/);
    assert.deepEqual(Buffer.from(await whole.arrayBuffer()), film);
    const part = await content({ Authorization: `Bearer ${service.downloadsKey}`, Range: "bytes=1000-1999" });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), `bytes 1000-1999/${film.length}`);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), film.subarray(1000, 2000));
  });

  test("no key is 401, a read key 403, an unknown download 404", async () => {
    const none = await content({});
    assert.equal(none.status, 401);
    await none.text();
    const read = await content({ Authorization: `Bearer ${service.readKey}` });
    assert.equal(read.status, 403);
    await read.text();
    const unknown = await content({ Authorization: `Bearer ${service.downloadsKey}` }, "/v1/downloads/nope/content");
    assert.equal(unknown.status, 404);
    await unknown.text();
  });
});
