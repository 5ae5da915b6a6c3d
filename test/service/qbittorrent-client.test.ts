/**
 * The qBittorrent API driven by a real npm client library (@ctrl/qbittorrent):
 * login with a downloads key, add the hybrid .torrent another peer made for its
 * file (web seed = a share link on that peer), wait for completion, stop/start,
 * category, delete with files; and a torrent nobody can serve refused with `Fails.`.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { QBittorrent } from "@ctrl/qbittorrent";
import { encode } from "../../common/bencode.js";
import { decodeTorrent } from "../../common/torrent/decode-torrent.js";
import type { TestPeer } from "../helpers/peer-server.js";
import { startServicePeer, type ServicePeer } from "./helpers/download-peer.js";
import { torrentOf, waitForStatus } from "./helpers/qbt.js";

const FILES = { "show.mkv": randomBytes(400_000), "movie.mkv": randomBytes(250_000) };

describe("qBittorrent API with @ctrl/qbittorrent", { timeout: 300_000 }, () => {
  let source: TestPeer;
  let service: ServicePeer;
  let client: QBittorrent;
  before(async () => {
    ({ source, service } = await startServicePeer(FILES));
    client = new QBittorrent({ baseUrl: `${service.server.url}/`, username: "sonarr", password: service.downloadsKey });
  });
  after(() => service?.close());

  test("login with a downloads key; a read key or a wrong one is refused", async () => {
    assert.equal(await client.login(), true);
    const wrong = new QBittorrent({ baseUrl: `${service.server.url}/`, username: "x", password: service.readKey });
    await assert.rejects(wrong.login());
    assert.match(await client.getApiVersion(), /^2\.11\./);
    assert.match(await client.getAppVersion(), /^v\d/);
  });

  test("add a peer's torrent into a category, wait for completion, set a category, delete with files", async () => {
    const bytes = await torrentOf(source, "share/show.mkv");
    const decoded = decodeTorrent(bytes);
    assert.ok(decoded.ok);
    const hash = decoded.value.hash;
    // `peer torrent` makes hybrid torrents: named by the v1 info-hash, as Sonarr and @ctrl/torrent-file compute it.
    assert.equal(hash, decoded.value.infoHashV1);
    assert.match(decoded.value.infoHashV2 ?? "", /^[0-9a-f]{64}$/);
    assert.equal(await client.createCategory("tv-sonarr", ""), true);
    assert.equal(await client.addTorrent(bytes as Uint8Array<ArrayBuffer>, { category: "tv-sonarr" }), true);
    const [added] = await client.listTorrents({ hashes: hash });
    assert.ok(added, "listed right after the add");
    const row = await service.queue.list();
    const id = row.find((d) => d.fileName === "show.mkv")?.id ?? "";
    await waitForStatus(service.queue, id, "completed");
    const [done] = await client.listTorrents({ category: "tv-sonarr" });
    assert.equal(done?.hash, hash);
    assert.equal(done?.state, "stalledUP");
    assert.equal(done?.progress, 1);
    assert.equal(done?.save_path, path.join(service.root, "tv-sonarr"));
    assert.equal(done?.content_path, path.join(service.root, "tv-sonarr", "show.mkv"));
    assert.notEqual(done?.content_path, done?.save_path);
    assert.ok((done?.completion_on ?? 0) >= (done?.added_on ?? Infinity));
    assert.deepEqual(await readFile(path.join(service.root, "tv-sonarr", "show.mkv")), FILES["show.mkv"]);
    const normalized = await client.getTorrent(hash);
    assert.equal(normalized.isCompleted, true);
    assert.equal(await client.createCategory("done", ""), true);
    assert.equal(await client.setTorrentCategory(hash, "done"), true);
    assert.equal((await client.listTorrents({ hashes: hash }))[0]?.category, "done");
    assert.ok(Object.keys(await client.getCategories()).includes("done"), "categories persist");
    assert.equal(await client.removeTorrent(hash, true), true);
    assert.equal((await client.listTorrents()).length, 0);
    assert.equal(existsSync(path.join(service.root, "tv-sonarr", "show.mkv")), false);
  });

  test("added stopped: stoppedDL until started, then it completes", async () => {
    const bytes = await torrentOf(source, "share/movie.mkv");
    const decoded = decodeTorrent(bytes);
    assert.ok(decoded.ok);
    const hash = decoded.value.hash;
    assert.equal(await client.addTorrent(bytes as Uint8Array<ArrayBuffer>, { stopped: "true" }), true);
    const id = (await service.queue.list()).find((d) => d.fileName === "movie.mkv")?.id ?? "";
    const status = (await service.queue.get(id))?.status;
    // A small file may finish before the stop arrives; otherwise it waits stopped.
    if (status !== "completed") {
      await waitForStatus(service.queue, id, "paused");
      assert.equal((await client.listTorrents({ hashes: hash }))[0]?.state, "stoppedDL");
      assert.equal(await client.startTorrent(hash), true);
    }
    await waitForStatus(service.queue, id, "completed");
    assert.equal((await client.listTorrents({ hashes: hash }))[0]?.state, "stalledUP");
    assert.equal(await client.stopTorrent(hash), true, "stopping a finished torrent is accepted");
    assert.equal(await client.removeTorrent(hash, false), true);
    assert.ok(existsSync(path.join(service.root, "movie.mkv")), "deleted without files: the file stays");
  });

  test("a torrent peer cannot fetch is refused with Fails.: no web seed, nobody has it, not a torrent", async () => {
    const root = Buffer.alloc(32, 7);
    const v2 = (webSeed: string | undefined) =>
      encode({
        info: {
          "file tree": { "x.bin": { "": { length: 100, "pieces root": root } } },
          "meta version": 2,
          name: "x.bin",
          "piece length": 16384,
        },
        ...(webSeed === undefined ? {} : { "url-list": [webSeed] }),
      });
    for (const [name, bytes] of [
      ["no web seed", v2(undefined)],
      ["no remote has its pieces root", v2(`${source.url}/v1/links/nothing/`)],
      ["not a torrent", Buffer.from("hello")],
    ] as const) {
      const res = await fetch(`${service.server.url}/api/v2/torrents/add`, {
        method: "POST",
        headers: { authorization: `Bearer ${service.downloadsKey}` },
        body: (() => {
          const form = new FormData();
          form.append("torrents", new Blob([bytes]), "x.torrent");
          return form;
        })(),
      });
      assert.equal(res.status, 200, name);
      assert.equal(await res.text(), "Fails.", name);
    }
    assert.equal((await client.listTorrents()).length, 0);
  });
});
