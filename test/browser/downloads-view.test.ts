/**
 * The downloads view in a real browser: Debian's Chromium driven by
 * playwright-core against a real `peer serve --downloads` (startServicePeer).
 * A downloads key signs in and lands on the view; adding a remote's item
 * through the form completes; a download added elsewhere appears without a
 * reload (the view's script); the same with JavaScript disabled (plain posts, reloads); pause, resume and cancel a running one; remove
 * with files; a hostile name raises no dialog; a read key's session gets 403;
 * no CSP violation. Runs whenever /usr/bin/chromium exists; in CI it must.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { updateRemotes } from "../../client/remotes/index.js";
import { chromiumMissing, launchChromium, type LaunchedChromium, needsBrowser } from "../helpers/chromium.js";
import type { TestPeer } from "../helpers/peer-server.js";
import { startServicePeer, type ServicePeer } from "../service/helpers/download-peer.js";
import { startStallingProxy } from "../service/helpers/stalling-proxy.js";

const EVIL = "<img src=x onerror=alert(1)>.bin";
const FILES: Record<string, Buffer> = {
  "a.bin": randomBytes(300_000),
  "b.bin": randomBytes(100_000),
  [EVIL]: randomBytes(2_000),
};

let source: TestPeer;
let service: ServicePeer;
let browser: LaunchedChromium | undefined;
let context: BrowserContext | undefined;
const dialogs: string[] = [];
const cspErrors: string[] = [];

async function newPage(): Promise<Page> {
  const page = await (context as BrowserContext).newPage();
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("console", (m) => {
    if (/Content.Security.Policy/i.test(m.text())) cspErrors.push(m.text());
  });
  return page;
}

async function signIn(page: Page, key: string, landing: string): Promise<void> {
  await (context as BrowserContext).clearCookies();
  await page.goto(`${service.server.url}/`);
  await page.fill('input[name="key"]', key);
  await Promise.all([page.waitForURL(`${service.server.url}${landing}`), page.click('button[type="submit"]')]);
}

const row = (id: string, state?: string) =>
  `tr[data-id="${id}"]${state === undefined ? "" : `[data-state="${state}"]`}`;

before(async () => {
  ({ source, service } = await startServicePeer(FILES));
  if (chromiumMissing !== undefined) return;
  browser = await launchChromium();
  context = browser.context;
});
after(async () => {
  await browser?.close();
  await service?.close();
});

describe("downloads view in Chromium", { timeout: 1_200_000 }, () => {
  test("add through the form, see it complete; one added elsewhere appears without a reload; remove with files", async (t) => {
    if (!needsBrowser(t)) return;
    const page = await newPage();
    await signIn(page, service.downloadsKey, "/web/downloads");
    await page.selectOption('select[name="remote"]', "src");
    await page.fill('input[name="item"]', "share/a.bin");
    await page.fill('form[action="/web/downloads/add"] input[name="destination"]', "browser");
    await Promise.all([page.waitForURL(`${service.server.url}/web/downloads`), page.click('button:has-text("Add")')]);
    const first = (await service.queue.list()).find((d) => d.fileName === "a.bin")?.id ?? "";
    await page.waitForSelector(row(first, "completed"));
    assert.deepEqual(await readFile(path.join(service.root, "browser", "a.bin")), FILES["a.bin"]);

    // The page stays (a marker survives); the script brings the new row in.
    await page.evaluate(() => {
      (globalThis as unknown as { marker: number }).marker = 1;
    });
    const added = await service.client().addDownload({
      what: { case: "item", value: { peer: "src", itemId: `share/${EVIL}` } },
      destination: "elsewhere",
    });
    const second = added.downloads[0]?.id ?? "";
    await page.waitForSelector(row(second, "completed"));
    assert.equal(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker), 1, "no reload");
    assert.equal(await page.textContent(`${row(second)} td.name bdi`), EVIL);
    assert.equal(await page.textContent(`${row(second)} a.open`), "open");

    await Promise.all([
      page.waitForURL(`${service.server.url}/web/downloads`),
      page.click(`${row(first)} button[value="remove-files"]`),
    ]);
    await page.waitForSelector(row(first), { state: "detached" });
    await assert.rejects(access(path.join(service.root, "browser", "a.bin")));
  });

  test("pause, resume and cancel a running download with the row's buttons", async (t) => {
    if (!needsBrowser(t)) return;
    const stall = await startStallingProxy(source.url);
    try {
      await updateRemotes(service.dataDir, (remotes) => ({
        remotes: [...remotes, { name: "stall", url: stall.url, key: source.key, addedAt: new Date().toISOString() }],
        result: undefined,
      }));
      const page = await newPage();
      await signIn(page, service.downloadsKey, "/web/downloads");
      await page.selectOption('select[name="remote"]', "stall");
      await page.fill('input[name="item"]', "share/b.bin");
      await Promise.all([page.waitForURL(`${service.server.url}/web/downloads`), page.click('button:has-text("Add")')]);
      const id = (await service.queue.list()).find((d) => d.fileName === "b.bin")?.id ?? "";
      await page.waitForSelector(row(id, "downloading"));
      await page.click(`${row(id)} button[value="pause"]`);
      await page.waitForSelector(row(id, "paused"));
      await page.click(`${row(id)} button[value="resume"]`);
      await page.waitForSelector(`${row(id)}:is([data-state="queued"], [data-state="downloading"])`);
      await page.click(`${row(id)} button[value="cancel"]`);
      await page.waitForSelector(row(id, "cancelled"));
      await page.click(`${row(id)} button[value="remove"]`);
      await page.waitForSelector(row(id), { state: "detached" });
    } finally {
      await stall.close();
    }
  });

  test("without JavaScript: sign in, add, reload until complete, remove with files", async (t) => {
    if (!needsBrowser(t)) return;
    const noJsBrowser = await launchChromium({ javaScriptEnabled: false });
    const noJs = noJsBrowser.context;
    try {
      const url = service.server.url;
      const page = await noJs.newPage();
      await page.goto(`${url}/`);
      await page.fill('input[name="key"]', service.downloadsKey);
      await Promise.all([page.waitForURL(`${url}/web/downloads`), page.click('button[type="submit"]')]);
      assert.equal(await page.textContent("h1"), "Downloads");
      await page.selectOption('select[name="remote"]', "src");
      await page.fill('input[name="item"]', "share/b.bin");
      await page.fill('form[action="/web/downloads/add"] input[name="destination"]', "nojs");
      const done = new Promise<string>((resolve) => {
        const off = service.queue.subscribe((e) => {
          if (e.kind === "state" && e.event.state === "completed") {
            off();
            resolve(e.event.downloadId);
          }
        });
      });
      await Promise.all([page.waitForURL(`${url}/web/downloads`), page.click('button:has-text("Add")')]);
      const id = await done;
      await page.goto(`${url}/web/downloads`);
      assert.equal(await page.getAttribute(row(id), "data-state"), "completed");
      assert.deepEqual(await readFile(path.join(service.root, "nojs", "b.bin")), FILES["b.bin"]);
      await Promise.all([
        page.waitForURL(`${url}/web/downloads`),
        page.click(`${row(id)} button[value="remove-files"]`),
      ]);
      assert.equal(await page.locator(row(id)).count(), 0);
      await assert.rejects(access(path.join(service.root, "nojs", "b.bin")));
    } finally {
      await noJsBrowser.close();
    }
  });

  test("a read key's session gets 403 for the view; no dialog, no CSP violation anywhere", async (t) => {
    if (!needsBrowser(t)) return;
    const page = await newPage();
    await signIn(page, service.readKey, "/");
    assert.equal(await page.locator('a[href="/web/downloads"]').count(), 0);
    const res = await page.goto(`${service.server.url}/web/downloads`);
    assert.equal(res?.status(), 403);
    assert.match((await page.textContent("main")) ?? "", /lacks the "downloads" scope/);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(cspErrors, []);
  });
});
