/**
 * Playing a download while it runs, in a real browser (docs/web.md "Downloads view",
 * docs/downloads.md "Reading a download while it runs"): Debian's Chromium on the downloads
 * view's play page of a real `peer serve --downloads` (startServicePeer), whose source is
 * behind a throttling proxy (bench/throttle-proxy.ts) about as fast as the film's bit rate,
 * so the whole file would take about a minute. The WebM (a minute of testsrc with noise, VP8
 * at 1 Mbit/s, ≈ 7 MB in 16 KiB pieces) is made with ffmpeg at test time. The `<video>`'s
 * `currentTime` passes 3 s while the view (asked from the page) and the service API both say the
 * job is downloading; then the link is opened and the file completes byte-identical, the element
 * without an error.
 * Runs whenever /usr/bin/chromium and ffmpeg exist; in CI they must.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { startThrottleProxy, type ThrottleProxy } from "../../bench/throttle-proxy.js";
import { createPeerClient } from "../../client/index.js";
import { updateRemotes } from "../../client/remotes/index.js";
import { DownloadState } from "../../gen/peer/v1/download_pb.js";
import type { QueueEvent } from "../../service/download-queue.js";
import { chromiumMissing, launchChromium, type LaunchedChromium, needsBrowser } from "../helpers/chromium.js";
import { tempDir, waitFor } from "../helpers/download-fixtures.js";
import type { TestPeer } from "../helpers/peer-server.js";
import { startServicePeer, type ServicePeer } from "../service/helpers/download-peer.js";

const KiB = 1024;
/** About the film's bit rate (1 Mbit/s): the whole download takes about a minute, the player keeps up. */
const LINK_BYTES_PER_SECOND = 128 * KiB;
/** Seconds of the film the browser must have played while the download runs. */
const PLAYED_SECONDS = 3;
const ffmpegMissing = spawnSync("ffmpeg", ["-version"]).status !== 0;

let work: { dir: string; remove: () => Promise<void> } | undefined;
let film: Buffer;
let source: TestPeer;
let service: ServicePeer | undefined;
let browser: LaunchedChromium | undefined;
const cspErrors: string[] = [];

function run(cmd: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, (err, _stdout, stderr) => {
      if (err !== null) reject(new Error(`${cmd} ${args.join(" ")}: ${err.message}\n${stderr}`));
      else resolve();
    });
  });
}

/** Skips outside CI without Chromium or ffmpeg; in CI both must be there. */
function canRun(t: { skip(message?: string): void }): boolean {
  if (!needsBrowser(t)) return false;
  if (!ffmpegMissing) return true;
  if (process.env.CI === "true") assert.fail("CI must run the browser tests: ffmpeg is missing");
  t.skip("ffmpeg is missing (apt-get install ffmpeg)");
  return false;
}

before(async () => {
  if (chromiumMissing !== undefined || ffmpegMissing) return;
  work = await tempDir("peer-play-");
  const file = path.join(work.dir, "film.webm");
  // Noise keeps VP8 at its bit rate (testsrc alone compresses to a few hundred kbit/s).
  await run("ffmpeg", [
    ...["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "60"],
    ...["-vf", "noise=alls=12:allf=t", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8"],
    ...["-b:v", "1M", "-g", "25", file],
  ]);
  film = await readFile(file);
  ({ source, service } = await startServicePeer({ "film.webm": film }));
  // With the source's pieces root known, the download is served piece by piece as pieces are verified.
  const peer = createPeerClient({ baseUrl: source.url, apiKey: source.key });
  await waitFor(
    async () => ((await peer.statItem("share/film.webm")).piecesRoot !== "" ? true : undefined),
    "the source's pieces root",
  );
  peer.close();
  // The play page autoplays; a headless browser has had no gesture on the page.
  browser = await launchChromium({ args: ["--autoplay-policy=no-user-gesture-required"] });
});
after(async () => {
  await browser?.close();
  await service?.close();
  await work?.remove();
});

async function newPage(): Promise<Page> {
  const page = await (browser as LaunchedChromium).context.newPage();
  page.on("console", (m) => {
    if (/Content.Security.Policy/i.test(m.text())) cspErrors.push(m.text());
  });
  return page;
}

/** What the tests read of the page's `<video>` (the tests compile without the DOM types). */
interface VideoLike {
  readonly currentTime: number;
  readonly error: { readonly message: string } | null;
}

/** The play page's `<video>`: its position and its error, if any. */
function videoState(page: Page): Promise<{ error: string | null; time: number }> {
  return page.locator("#player").evaluate((el) => {
    const video = el as unknown as VideoLike;
    return { error: video.error === null ? null : video.error.message || "error", time: video.currentTime };
  });
}

describe("playing a download in Chromium", { timeout: 900_000 }, () => {
  test("the play page plays a WebM while the service still downloads it; it completes byte-identical", async (t) => {
    if (!canRun(t)) return;
    const svc = service as ServicePeer;
    const link: ThrottleProxy = await startThrottleProxy({
      targetPort: Number(new URL(source.url).port),
      downBytesPerSecond: LINK_BYTES_PER_SECOND,
    });
    try {
      await updateRemotes(svc.dataDir, (remotes) => ({
        remotes: [...remotes, { name: "slow", url: link.url, key: source.key, addedAt: new Date().toISOString() }],
        result: undefined,
      }));
      const page = await newPage();
      await page.goto(`${svc.server.url}/`);
      await page.fill('input[name="key"]', svc.downloadsKey);
      await Promise.all([page.waitForURL(`${svc.server.url}/web/downloads`), page.click('button[type="submit"]')]);

      const completed = new Promise<void>((resolve) => {
        const off = svc.queue.subscribe((e: QueueEvent) => {
          if (e.kind === "state" && e.event.state === "completed") {
            off();
            resolve();
          }
        });
      });
      const added = await svc.client().addDownload({
        what: { case: "item", value: { peer: "slow", itemId: "share/film.webm" } },
        destination: "films",
      });
      const id = added.downloads[0]?.id ?? "";
      // The view's script brings the row in; its play link leads to the play page.
      const play = `tr[data-id="${id}"][data-state="downloading"] a.play`;
      await page.waitForSelector(play);
      // The play page in a tab of its own: the view stays open to ask the service from the page.
      const href = (await page.getAttribute(play, "href")) ?? "";
      assert.equal(href, `/web/downloads/play?id=${id}`);
      const player = await newPage();
      await player.goto(`${svc.server.url}${href}`);

      await player.waitForFunction(
        (seconds) => {
          const doc = (globalThis as unknown as { document: { getElementById(id: string): VideoLike | null } })
            .document;
          const video = doc.getElementById("player");
          return video !== null && video.currentTime > seconds;
        },
        PLAYED_SECONDS,
        { polling: 200, timeout: 180_000 },
      );
      // At that moment the service has not finished: the browser played a download in progress.
      const listed = await page.evaluate(async (rowId) => {
        const res = await fetch("/web/downloads/list", { credentials: "same-origin" });
        const text = await res.text();
        return new RegExp(`<tr data-id="${rowId}" data-state="([a-z]+)"`).exec(text)?.[1];
      }, id);
      assert.equal(listed, "downloading", "the view's list says it is still downloading");
      const now = (await svc.client().getDownload({ id })).download;
      assert.equal(now?.state, DownloadState.DOWNLOADING, "still downloading while the film plays");
      assert.ok(Number(now?.bytesDone ?? 0) < film.length, "not every byte is here yet");
      assert.equal(await videoState(player).then((v) => v.error), null);

      link.setRate({ down: undefined });
      await completed;
      assert.deepEqual(await readFile(path.join(svc.root, "films", "film.webm")), film, "byte-identical");
      const state = await videoState(player);
      assert.equal(state.error, null);
      assert.ok(state.time > PLAYED_SECONDS);
      assert.deepEqual(cspErrors, [], "the play page's CSP allows its own media and nothing else is refused");
    } finally {
      await link.close();
    }
  });
});
