/** AddDownload of a folder: one folder job, its tree rebuilt inside the download root. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { WatchEventKind } from "../../gen/peer/v1/download_pb.js";
import { startServicePeer, untilCompleted, type ServicePeer } from "./helpers/download-peer.js";

const FILES: Record<string, Buffer> = {
  "Show.S01/Show.S01E01.mkv": randomBytes(120_000),
  "Show.S01/extras/Show.S01E01.nfo": randomBytes(2_000),
};

describe("AddDownload of a folder", { timeout: 300_000 }, () => {
  let service: ServicePeer;
  before(async () => {
    ({ service } = await startServicePeer(FILES));
  });
  after(() => service?.close());

  test("every file of the folder lands under <destination>/<folder name>/<path>", async () => {
    const client = service.client();
    const ctl = new AbortController();
    const iterator = client.watchDownloads({}, { signal: ctl.signal })[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.kind, WatchEventKind.SNAPSHOT);
    const added = await client.addDownload({
      what: { case: "item", value: { peer: "src", itemId: "share/Show.S01", folder: true } },
      destination: "tv",
    });
    const ids = new Set(added.downloads.map((d) => d.id));
    assert.equal(ids.size, 2);
    await untilCompleted(iterator, ids);
    ctl.abort();
    for (const [rel, bytes] of Object.entries(FILES))
      assert.deepEqual(await readFile(path.join(service.root, "tv", ...rel.split("/"))), bytes, rel);
  });

  test("a folder that does not exist is NOT_FOUND", async () => {
    const error = await service
      .client()
      .addDownload({ what: { case: "item", value: { peer: "src", itemId: "share/nope", folder: true } } })
      .then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
    assert.equal(error?.code, Code.NotFound);
  });
});
