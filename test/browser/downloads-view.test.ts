/**
 * The Downloads view in a real browser (Debian's Chromium through
 * playwright-core, JavaScript disabled to prove none is needed): sign in with a
 * downloads key, land on the view, add an item of a remote, reload until it is
 * complete, remove it. Runs whenever /usr/bin/chromium exists; in CI it must.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium, type BrowserContext } from "playwright-core";
import { startServicePeer, type ServicePeer } from "../service/helpers/download-peer.js";
import { waitForStatus } from "../service/helpers/qbt.js";

const CHROMIUM = "/usr/bin/chromium";
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium)`;
const FILE = randomBytes(50_000);

let service: ServicePeer;
let context: BrowserContext | undefined;
let profile: string;

before(async () => {
  ({ service } = await startServicePeer({ "film.mkv": FILE }));
  if (missing !== undefined) return;
  profile = await mkdtemp(path.join(os.tmpdir(), "peer-chromium-dl-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    javaScriptEnabled: false,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  context.setDefaultTimeout(180_000);
  context.setDefaultNavigationTimeout(180_000);
});
after(async () => {
  await context?.close();
  await service?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

describe("Downloads view in Chromium", { timeout: 600_000 }, () => {
  test("sign in, add, complete, remove — without JavaScript", async (t) => {
    if (missing !== undefined) {
      if (process.env.CI === "true") assert.fail(`CI must run the browser tests: ${missing}`);
      t.skip(missing);
      return;
    }
    const url = service.server.url;
    const page = await (context as BrowserContext).newPage();
    await page.goto(`${url}/`);
    await page.fill('input[name="key"]', service.downloadsKey);
    await Promise.all([page.waitForURL(`${url}/web/downloads`), page.click('button[type="submit"]')]);
    assert.equal(await page.textContent("h1"), "Downloads");
    await page.selectOption('select[name="remote"]', "src");
    await page.fill('input[name="item"]', "share/film.mkv");
    await page.fill('input[name="destination"]', "films");
    await Promise.all([page.waitForURL(`${url}/web/downloads`), page.click('button[value="add"]')]);
    const id = (await service.queue.list())[0]?.id ?? "";
    await waitForStatus(service.queue, id, "completed");
    await page.goto(`${url}/web/downloads`);
    assert.match((await page.textContent("tbody")) ?? "", /film\.mkv\s*films\/film\.mkv\s*completed\s*100 %/);
    assert.deepEqual(await readFile(path.join(service.root, "films", "film.mkv")), FILE);
    await Promise.all([page.waitForURL(`${url}/web/downloads`), page.click('button[value="remove"]')]);
    assert.match((await page.textContent("main")) ?? "", /Nothing queued yet/);
  });
});
