/** The side effects of `peer serve --first-run`: an example share and a first key. */
import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { CreatedKey, KeyStore } from "../server/internal.js";

/** Directory served by `--first-run` when no share is given, relative to the working directory. */
export const FIRST_RUN_SHARE_DIR = "share";
/** The example file created in a new first-run share. */
export const FIRST_RUN_EXAMPLE_FILE = "hello.txt";
/** Name of the key created on first run. */
export const FIRST_RUN_KEY_NAME = "first-run";

const EXAMPLE_TEXT =
  "Hello from peer!\n\n" +
  "This file was created by `npm start` as an example. Put the files you want\n" +
  "to share in this directory; other peers list them with `peer ls` and fetch\n" +
  "them with `peer get`, curl or any HTTP client.\n";

/** Creates `dir` with an example file when it does not exist yet; returns whether it did. */
export async function ensureExampleShare(dir: string): Promise<boolean> {
  try {
    await stat(dir);
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, FIRST_RUN_EXAMPLE_FILE), EXAMPLE_TEXT, { flag: "wx" });
  return true;
}

/** Creates the first-run key when the store has never had a key; undefined otherwise. */
export async function ensureFirstKey(keys: KeyStore): Promise<CreatedKey | undefined> {
  if ((await keys.count()) > 0) return undefined;
  return keys.create({ name: FIRST_RUN_KEY_NAME });
}
