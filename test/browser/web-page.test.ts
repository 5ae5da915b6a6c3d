/**
 * The web page in a real browser: Debian's Chromium driven by playwright-core
 * (no browser download; .ci/run installs chromium). Sign in, browse into a
 * folder, search, download and compare bytes, download a folder as .zip, create a share link and fetch
 * it with curl, sign out, a revoked key's session, a hostile file name shown
 * as text with no dialog, and a cross-site POST refused. Takes the README's
 * screenshot (written to docs/web-page.png with UPDATE_SCREENSHOT=1, so test
 * runs leave the tree clean). Runs whenever /usr/bin/chromium exists; in CI
 * (CI=true) it must.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { BrowserContext, Page } from "playwright-core";
import { chromiumMissing, launchChromium, type LaunchedChromium, needsBrowser } from "../helpers/chromium.js";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";
import { fileBytes } from "../server/http/helpers/cases.js";

const run = promisify(execFile);
const EVIL = "<img src=x onerror=alert(1)>.txt";
/** Reads as "photoexe.jpg" when the right-to-left override is shown raw. */
const RLO_NAME = "photo\u202egpj.exe";
const HEBREW_NAME = "שלום.txt";
const REPORT = fileBytes(300_000, 9);
const README_SCREENSHOT = fileURLToPath(new URL("../../docs/web-page.png", import.meta.url));

let peer: TestPeer;
let browser: LaunchedChromium | undefined;
let context: BrowserContext | undefined;
let downloads: string;
let crossSite: http.Server | undefined;
const dialogs: string[] = [];

async function newPage(): Promise<Page> {
  const page = await (context as BrowserContext).newPage();
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return page;
}

async function signIn(page: Page, key: string): Promise<void> {
  // Each test signs in afresh (the profile keeps the cookie of the previous one).
  await (context as BrowserContext).clearCookies();
  await page.goto(`${peer.url}/`);
  await page.fill('input[name="key"]', key);
  await Promise.all([page.waitForURL(`${peer.url}/`), page.click('button[type="submit"]')]);
  await page.waitForSelector('a.folder:has-text("share/")');
}

before(async () => {
  peer = await startTestPeer({
    files: {
      "notes.txt": "top\n",
      "docs/report.bin": REPORT,
      "docs/plan.txt": "plan\n",
      [`docs/${EVIL}`]: "evil name, plain bytes\n",
      "photos/2026/beach.jpg": "jpeg?",
      "photos/2026/cat.png": "png?",
      [`rtl/${RLO_NAME}`]: "MZ, not a photo\n",
      [`rtl/${HEBREW_NAME}`]: "shalom\n",
    },
  });
  if (chromiumMissing !== undefined) return;
  downloads = await mkdtemp(path.join(os.tmpdir(), "peer-downloads-"));
  browser = await launchChromium({ viewport: { width: 1100, height: 640 }, downloadsPath: downloads });
  context = browser.context;
});
after(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (crossSite === undefined ? resolve() : crossSite.close(() => resolve())));
  await peer?.close();
  if (downloads) await rm(downloads, { recursive: true, force: true });
});

describe("web page in Chromium", { timeout: 1_200_000 }, () => {
  test("sign in, browse into a folder, search, download and compare bytes", async (t) => {
    if (!needsBrowser(t)) return;
    const page = await newPage();
    await signIn(page, peer.key);
    await page.click('a.folder:has-text("share/")');
    await page.click('a.folder:has-text("docs/")');
    assert.equal(await page.textContent("nav.crumbs"), "Shares / share / docs");
    // Sorted by size, largest first: the header link flips the order.
    await page.click("th.size a");
    await page.click("th.size a");
    assert.equal(await page.textContent("tbody tr:first-child a.file"), "report.bin");
    const shot = process.env.UPDATE_SCREENSHOT === "1" ? README_SCREENSHOT : path.join(downloads, "listing.png");
    await page.screenshot({ path: shot });
    assert.equal((await readFile(shot)).subarray(1, 4).toString(), "PNG");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click('a.file:has-text("report.bin")')]);
    assert.equal(download.suggestedFilename(), "report.bin");
    assert.ok((await readFile((await download.path()) as string)).equals(REPORT), "byte-identical download");
    await page.goto(`${peer.url}/`);
    await page.fill('input[name="q"]', "BEACH");
    await page.press('input[name="q"]', "Enter");
    await page.waitForSelector('a.file:has-text("beach.jpg")');
    assert.match((await page.textContent("main")) ?? "", /share\/photos\/2026\/beach\.jpg/);
    assert.equal(await page.locator('a.file:has-text("cat.png")').count(), 0);
    await page.close();
  });

  test("a file named like markup is shown as text; no dialog, no image element", async (t) => {
    if (!needsBrowser(t)) return;
    const page = await newPage();
    await signIn(page, peer.key);
    await page.goto(`${peer.url}/web/browse/share/docs/`);
    const names = await page.locator("a.file").allTextContents();
    assert.ok(names.includes(EVIL), JSON.stringify(names));
    await page.click(`a.details >> nth=0`);
    await page.goto(`${peer.url}/web/browse/share/docs/`);
    await page.waitForTimeout(300);
    assert.equal(await page.locator("main img").count(), 0);
    assert.deepEqual(dialogs, []);
    await page.close();
  });

  test("right-to-left names: a bidi override shown escaped, in LTR order; names isolated in <bdi>", async (t) => {
    if (!needsBrowser(t)) return;
    const page = await newPage();
    await signIn(page, peer.key);
    await page.goto(`${peer.url}/web/browse/share/rtl/`);
    const link = page.locator('a.file:has-text("photo")');
    assert.equal(await link.textContent(), "photo\\u202egpj.exe");
    assert.equal(await link.getAttribute("download"), "photo\\u202egpj.exe");
    // Where the browser draws "gpj" and ".exe": in reading order, ".exe" is to the right.
    // A string, not a function: the page has the DOM, this file has no DOM types (and tsx renames functions).
    const order = (await page.evaluate(`(() => {
      const text = document.querySelector('a.file[download^="photo"] bdi').firstChild;
      const left = (from, to) => {
        const range = document.createRange();
        range.setStart(text, from);
        range.setEnd(text, to);
        return range.getBoundingClientRect().left;
      };
      const s = text.data;
      return { gpj: left(s.indexOf("gpj"), s.indexOf("gpj") + 3), exe: left(s.indexOf(".exe"), s.length) };
    })()`)) as { gpj: number; exe: number };
    assert.ok(order.exe > order.gpj, `".exe" is drawn right of "gpj": ${JSON.stringify(order)}`);
    const hebrew = page.locator(`a.file:has-text("${HEBREW_NAME}") bdi`);
    assert.equal(await hebrew.textContent(), HEBREW_NAME);
    assert.equal(
      await page.evaluate(
        `getComputedStyle(document.querySelector("a.file[download=\\"${HEBREW_NAME}\\"] bdi")).unicodeBidi`,
      ),
      "isolate",
    );
    await page.goto(`${peer.url}/web/item/share/rtl/${encodeURIComponent(RLO_NAME)}`);
    assert.equal(await page.textContent("h1 bdi"), "photo\\u202egpj.exe");
    // The share-link form carries the real id (percent-encoded), so a link to this file can be made.
    await page.click('button:has-text("Copy share link")');
    const url = await page.inputValue("#link");
    const res = await fetch(url);
    assert.equal(await res.text(), "MZ, not a photo\n");
    await page.goto(`${peer.url}/web/item/share/rtl/${encodeURIComponent(RLO_NAME)}`);
    const download = await Promise.all([page.waitForEvent("download"), page.click("a.file")]).then(([d]) => d);
    // Chromium too keeps no bidi control in a saved name (it wrote "photo_gpj.exe" in our runs).
    const saved = download.suggestedFilename();
    assert.doesNotMatch(saved, /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/);
    assert.match(saved, /\.exe$/);
    await page.close();
  });

  test("download a folder as .zip: the archive holds the folder's files, byte-identical", async (t) => {
    if (!needsBrowser(t)) return;
    const page = await newPage();
    await signIn(page, peer.key);
    await page.goto(`${peer.url}/web/browse/share/photos/`);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("a.zip")]);
    assert.equal(download.suggestedFilename(), "photos.zip");
    const zip = (await download.path()) as string;
    const { stdout } = await run("/usr/bin/python3", [
      "-c",
      "import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(json.dumps({n: z.read(n).decode() for n in z.namelist()}))",
      zip,
    ]);
    assert.deepEqual(JSON.parse(stdout), { "photos/2026/beach.jpg": "jpeg?", "photos/2026/cat.png": "png?" });
    await page.close();
  });

  test("copy share link: the page shows a URL that curl downloads", async (t) => {
    if (!needsBrowser(t)) return;
    const page = await newPage();
    await signIn(page, peer.key);
    await page.goto(`${peer.url}/web/item/share/docs/plan.txt`);
    assert.match((await page.textContent("dl")) ?? "", /SHA-256/);
    await page.selectOption('select[name="expires"]', "1d");
    await page.click('button:has-text("Copy share link")');
    const url = await page.inputValue("#link");
    assert.match(url, /\/v1\/links\/[A-Za-z0-9_-]{43}\/plan\.txt$/);
    const { stdout } = await run("curl", ["-sS", "--fail", url]);
    assert.equal(stdout, "plan\n");
    await page.close();
  });

  test("a cross-site POST is refused (no link is made)", async (t) => {
    if (!needsBrowser(t)) return;
    const page = await newPage();
    await signIn(page, peer.key);
    // Another origin (another port) serving a form that posts to the peer.
    crossSite = http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(
        `<form method="post" action="${peer.url}/web/links"><input name="item" value="share/notes.txt"><input name="csrf" value="guess"><input name="expires" value="7d"><button id="go">go</button></form>`,
      );
    });
    await new Promise<void>((resolve) => crossSite!.listen(0, "127.0.0.1", resolve));
    const before = (await peer.server.links.list()).length;
    await page.goto(`http://localhost:${(crossSite.address() as AddressInfo).port}/`);
    const [response] = await Promise.all([page.waitForResponse(`${peer.url}/web/links`), page.click("#go")]);
    assert.equal(response.status(), 403);
    assert.equal((await peer.server.links.list()).length, before);
    await page.close();
  });

  test("sign out, and a revoked key's session is refused", async (t) => {
    if (!needsBrowser(t)) return;
    const page = await newPage();
    await signIn(page, peer.key);
    await Promise.all([page.waitForURL(`${peer.url}/`), page.click('button:has-text("Sign out")')]);
    assert.equal(await page.locator('input[name="key"]').count(), 1);
    const other = await peer.server.keys.create({ name: "browser" });
    await signIn(page, other.key);
    await page.goto(`${peer.url}/web/browse/share/`);
    assert.equal((await page.locator("a.folder").count()) > 0, true);
    await peer.server.keys.revoke(other.id);
    await page.goto(`${peer.url}/web/browse/share/`);
    assert.equal(page.url(), `${peer.url}/`);
    assert.equal(await page.locator('input[name="key"]').count(), 1);
    const cookies = await (context as BrowserContext).cookies(peer.url);
    const session = cookies.find((c) => c.name === "peer_session");
    assert.ok(session?.httpOnly && session.sameSite === "Strict");
    await page.close();
  });
});
