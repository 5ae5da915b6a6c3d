/**
 * Multi-file (folder) torrents: the hybrid torrent a peer makes for a folder
 * (`/v1/torrents/share/<folder>/`) becomes one folder job, through
 * DownloadService AddDownload and through the qBittorrent API driven by
 * @ctrl/qbittorrent (one entry, its files listed); a folder torrent no remote
 * holds is refused (`Fails.`).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { QBittorrent } from "@ctrl/qbittorrent";
import { decodeTorrent } from "../../common/torrent/decode-torrent.js";
import { buildHybridTorrent, torrentLayout, v1PieceCount } from "../../common/torrent/hybrid-torrent.js";
import type { TestPeer } from "../helpers/peer-server.js";
import { startServicePeer, type ServicePeer } from "./helpers/download-peer.js";
import { torrentOf, waitForStatus } from "./helpers/qbt.js";

const FILES: Record<string, Buffer> = {
  "Show.S01/Show.S01E01.mkv": randomBytes(300_000),
  "Show.S01/Show.S01E02.mkv": randomBytes(200_000),
  "Show.S01/extras/Show.S01E01.nfo": randomBytes(2_000),
};
const OTHER: Record<string, Buffer> = {
  "Movie/Movie.mkv": randomBytes(3_000_000),
  "Movie/Subs/Movie.srt": randomBytes(3_000_000),
};

/** Resolves once `done()` holds, checked now and on every state change of the queue. */
function waitUntil(service: ServicePeer, done: () => Promise<boolean>): Promise<void> {
  return new Promise((resolve, reject) => {
    let finished = false;
    const check = () =>
      done().then((yes) => {
        if (yes && !finished) {
          finished = true;
          stop();
          resolve();
        }
      }, reject);
    const stop = service.queue.subscribe((e) => {
      if (e.kind === "state") void check();
    });
    void check();
  });
}

/** A hybrid folder torrent of random content nobody shares. */
function strangerTorrent(source: TestPeer): Uint8Array {
  const pieceLength = 16_384;
  const files = [
    { path: ["a.bin"], size: 1000, piecesRoot: randomBytes(32).toString("hex"), layer: "" },
    { path: ["b.bin"], size: 2000, piecesRoot: randomBytes(32).toString("hex"), layer: "" },
  ];
  const pieces = v1PieceCount(torrentLayout(files, pieceLength), pieceLength);
  return buildHybridTorrent({
    name: "Nobody",
    folder: true,
    pieceLength,
    files,
    v1Pieces: randomBytes(20 * pieces),
    webSeed: `${source.url}/v1/files/share/Nobody/`,
    createdBy: "test",
  });
}

describe("folder torrents", { timeout: 300_000 }, () => {
  let source: TestPeer;
  let service: ServicePeer;
  let folderTorrent: Uint8Array;
  before(async () => {
    ({ source, service } = await startServicePeer({ ...FILES, ...OTHER }));
    folderTorrent = await torrentOf(source, "share/Show.S01/");
  });
  after(() => service?.close());

  test("AddDownload of a folder torrent: one folder job, the tree lands byte-identical", async () => {
    const decoded = decodeTorrent(folderTorrent);
    assert.ok(decoded.ok);
    assert.equal(decoded.value.files.length, 3);
    const added = await service
      .client()
      .addDownload({ what: { case: "torrent", value: folderTorrent }, destination: "rpc" });
    assert.equal(added.downloads.length, 3, "one download per file");
    for (const d of added.downloads) await waitForStatus(service.queue, d.id, "completed");
    for (const [rel, bytes] of Object.entries(FILES))
      assert.deepEqual(await readFile(path.join(service.root, "rpc", ...rel.split("/"))), bytes, rel);
  });

  test("qBittorrent API: one entry, completes, torrents/files lists the files", async () => {
    const client = new QBittorrent({
      baseUrl: `${service.server.url}/`,
      username: "sonarr",
      password: service.downloadsKey,
    });
    assert.equal(await client.login(), true);
    const decoded = decodeTorrent(folderTorrent);
    assert.ok(decoded.ok);
    const hash = decoded.value.infoHashV1 ?? "";
    assert.match(hash, /^[0-9a-f]{40}$/, "a hybrid torrent is named by its v1 info-hash");
    assert.equal(await client.createCategory("tv", ""), true);
    assert.equal(await client.addTorrent(folderTorrent as Uint8Array<ArrayBuffer>, { category: "tv" }), true);
    const listed = await client.listTorrents();
    assert.equal(listed.length, 1, "one entry for the folder");
    assert.equal(listed[0]?.hash, hash);
    const folder = path.join(service.root, "tv", "Show.S01");
    await waitUntil(service, async () => {
      const [t] = await client.listTorrents({ hashes: hash });
      assert.notEqual(t?.state, "error");
      return t?.state === "stalledUP";
    });
    const [done] = await client.listTorrents({ hashes: hash });
    assert.equal(done?.state, "stalledUP");
    assert.equal(done?.progress, 1);
    assert.equal(done?.content_path, folder);
    assert.equal(done?.save_path, path.join(service.root, "tv"));
    assert.equal(done?.size, 502_000);
    const files = await client.torrentFiles(hash);
    assert.deepEqual(files.map((f) => f.name).sort(), Object.keys(FILES).sort());
    assert.ok(files.every((f) => f.progress === 1));
    for (const [rel, bytes] of Object.entries(FILES))
      assert.deepEqual(await readFile(path.join(service.root, "tv", ...rel.split("/"))), bytes, rel);
    assert.equal(await client.removeTorrent(hash, true), true);
    assert.equal((await client.listTorrents()).length, 0);
  });

  test("qBittorrent API: a folder torrent added stopped is stoppedDL until started, then completes", async () => {
    const client = new QBittorrent({
      baseUrl: `${service.server.url}/`,
      username: "sonarr",
      password: service.downloadsKey,
    });
    const bytes = await torrentOf(source, "share/Movie/");
    const decoded = decodeTorrent(bytes);
    assert.ok(decoded.ok);
    const hash = decoded.value.hash;
    assert.equal(await client.addTorrent(bytes as Uint8Array<ArrayBuffer>, { stopped: "true" }), true);
    const [stopped] = await client.listTorrents({ hashes: hash });
    assert.equal(stopped?.state, "stoppedDL");
    assert.equal(stopped?.content_path, path.join(service.root, "Movie"));
    assert.equal(await client.resumeTorrent(hash), true);
    await waitUntil(service, async () => {
      const [t] = await client.listTorrents({ hashes: hash });
      assert.notEqual(t?.state, "error");
      return t?.state === "stalledUP";
    });
    for (const [rel, content] of Object.entries(OTHER))
      assert.deepEqual(await readFile(path.join(service.root, ...rel.split("/"))), content, rel);
    assert.deepEqual((await client.torrentFiles(hash)).map((f) => f.name).sort(), Object.keys(OTHER).sort());
  });

  test("a folder torrent no remote holds is refused: Fails. and FAILED_PRECONDITION", async () => {
    const stranger = strangerTorrent(source);
    const res = await fetch(`${service.server.url}/api/v2/torrents/add`, {
      method: "POST",
      headers: { authorization: `Bearer ${service.downloadsKey}` },
      body: (() => {
        const form = new FormData();
        form.append("torrents", new Blob([stranger as Uint8Array<ArrayBuffer>]), "nobody.torrent");
        return form;
      })(),
    });
    assert.equal(await res.text(), "Fails.");
    const error = await service
      .client()
      .addDownload({ what: { case: "torrent", value: stranger } })
      .then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
    assert.equal(error?.code, Code.FailedPrecondition);
    assert.match(error?.rawMessage ?? "", /no remote holds the folder "Nobody"/);
  });
});
