/**
 * `GET /v1/downloads/<id>/content` on `peer serve --downloads`: a queued download served by the
 * verified-bytes stream server, to `downloads` keys only, with ranges; a file job of a folder job
 * too, read by curl (ranges) and ffprobe (an MP4 made with ffmpeg at test time).
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { createPeerClient } from "../../client/index.js";
import { DownloadState, WatchEventKind } from "../../gen/peer/v1/download_pb.js";
import { waitFor } from "../helpers/download-fixtures.js";
import type { TestPeer } from "../helpers/peer-server.js";
import { startServicePeer, untilCompleted, type ServicePeer } from "./helpers/download-peer.js";

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

const ffmpegMissing = spawnSync("ffmpeg", ["-version"]).status !== 0 || spawnSync("ffprobe", ["-version"]).status !== 0;
const skipMedia =
  ffmpegMissing && process.env.CI !== "true" ? "ffmpeg/ffprobe not installed (apt-get install ffmpeg)" : false;

function run(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: "latin1", maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${cmd} ${args.join(" ")}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

describe("download content of a file inside a folder job", { timeout: 300_000, skip: skipMedia }, () => {
  const files: Record<string, Buffer> = {};
  let service: ServicePeer;
  let clipId = "";
  let folderId = "";
  before(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "peer-content-folder-"));
    try {
      await run("ffmpeg", [
        ...["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25", "-t", "5"],
        ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path.join(dir, "clip.mp4")],
      ]);
      files["Season/ep 1/clip.mp4"] = await readFile(path.join(dir, "clip.mp4"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    files["Season/notes.bin"] = randomBytes(300_000);
    let source: TestPeer;
    ({ source, service } = await startServicePeer(files));
    const peer = createPeerClient({ baseUrl: source.url, apiKey: source.key });
    for (const name of Object.keys(files))
      await waitFor(
        async () => ((await peer.statItem(`share/${name}`)).piecesRoot !== "" ? true : undefined),
        "the source's pieces roots",
      );
    const client = service.client();
    const ctl = new AbortController();
    const iterator = client.watchDownloads({}, { signal: ctl.signal })[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.kind, WatchEventKind.SNAPSHOT);
    const added = await client.addDownload({
      what: { case: "item", value: { peer: "src", itemId: "share/Season", folder: true } },
    });
    const ids = new Set(added.downloads.map((d) => d.id));
    clipId = added.downloads.find((d) => d.name === "clip.mp4")?.id ?? "";
    folderId = (await service.queue.list()).find((d) => d.id === clipId)?.folderJobId ?? "";
    await untilCompleted(iterator, ids);
    ctl.abort();
  });
  after(() => service?.close());

  test("curl reads ranges of it and ffprobe reads the MP4 through /v1/downloads/<file job>/content", async () => {
    const url = `${service.server.url}/v1/downloads/${clipId}/content`;
    const auth = `Authorization: Bearer ${service.downloadsKey}`;
    const clip = files["Season/ep 1/clip.mp4"] as Buffer;
    const head = await run("curl", ["-sS", "--fail", "-r", "100-1099", "-D", "-", "-o", "/dev/null", "-H", auth, url]);
    assert.match(head, /^HTTP\/1\.1 206/);
    assert.match(head, new RegExp(`content-range: bytes 100-1099/${clip.length}`, "i"));
    const middle = await run("curl", ["-sS", "--fail", "-r", "100-1099", "-H", auth, url]);
    assert.deepEqual(Buffer.from(middle, "latin1"), clip.subarray(100, 1100));
    const tail = await run("curl", ["-sS", "--fail", "-r", "-700", "-H", auth, url]);
    assert.deepEqual(Buffer.from(tail, "latin1"), clip.subarray(clip.length - 700));
    const probe = await run("ffprobe", [
      ...["-v", "error", "-headers", `${auth}\r\n`, "-show_entries", "format=duration", "-of", "csv=p=0"],
      url,
    ]);
    assert.ok(Math.abs(Number(probe.trim()) - 5) < 0.5, `duration ${probe}`);
  });

  test("the folder job's own id is not a file: 404", async () => {
    assert.notEqual(folderId, "");
    const res = await fetch(`${service.server.url}/v1/downloads/${folderId}/content`, {
      headers: { Authorization: `Bearer ${service.downloadsKey}` },
    });
    assert.equal(res.status, 404);
    await res.text();
  });
});
