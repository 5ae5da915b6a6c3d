/**
 * Test helper: Debian's Chromium (/usr/bin/chromium) driven by playwright-core, launched the
 * same way by every browser test (no browser download; .ci/run installs chromium): a fresh
 * profile, headless, no network of its own, generous step timeouts. Browser tests run
 * whenever the binary exists; in CI (CI=true) they must.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** The browser every browser test drives. */
export const CHROMIUM = "/usr/bin/chromium";

/** Why the browser tests cannot run here; undefined when Chromium is installed. */
export const chromiumMissing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium)`;

/** Flags of every launch: headless with no GPU, and nothing the browser would fetch on its own. */
const ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A loaded 2-core CI box can take far longer than Playwright's 30 s default for a step. */
const STEP_TIMEOUT_MS = 180_000;

/** Skips (with the reason printed) outside CI when Chromium is absent; fails in CI. */
export function needsBrowser(t: { skip(message?: string): void }): boolean {
  if (chromiumMissing === undefined) return true;
  if (process.env.CI === "true") assert.fail(`CI must run the browser tests: ${chromiumMissing}`);
  console.log(`browser test skipped: ${chromiumMissing}`);
  t.skip(chromiumMissing);
  return false;
}

/** Options of {@link launchChromium}. */
export interface ChromiumOptions {
  /** Window size. @default 1200×700 */
  readonly viewport?: { readonly width: number; readonly height: number };
  /** Run the pages' scripts. @default true */
  readonly javaScriptEnabled?: boolean;
  /** Where the browser's downloads go. @default Playwright's temporary folder */
  readonly downloadsPath?: string;
  /** Flags added to the common ones (e.g. `--autoplay-policy=no-user-gesture-required`). @default none */
  readonly args?: readonly string[];
}

/** A running browser with its own profile. */
export interface LaunchedChromium {
  readonly context: BrowserContext;
  /** Closes the browser and deletes its profile. */
  close(): Promise<void>;
}

/** Launches Chromium on a fresh profile in the temp dir. */
export async function launchChromium(options: ChromiumOptions = {}): Promise<LaunchedChromium> {
  const profile = await mkdtemp(path.join(os.tmpdir(), "peer-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: options.viewport ?? { width: 1200, height: 700 },
      javaScriptEnabled: options.javaScriptEnabled ?? true,
      ...(options.downloadsPath === undefined ? {} : { acceptDownloads: true, downloadsPath: options.downloadsPath }),
      args: [...ARGS, ...(options.args ?? [])],
    });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    return {
      context,
      async close() {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
}
