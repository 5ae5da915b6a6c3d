/**
 * A child process that runs one download through the SDK (for kill -9 tests that need
 * engine options the CLI does not expose, such as small checkpoints). Config in the
 * PEER_CHILD_CONFIG environment variable (JSON); one JSON line per event on stdout.
 * Run with `node --import tsx test/helpers/download-child.ts`.
 */
import { createDownloadManager, type TransportKind } from "../../client/index.js";

interface ChildConfig {
  dataDir: string;
  downloadDir: string;
  url: string;
  key: string;
  itemId: string;
  checkpointBytes?: number;
  transport?: TransportKind;
  /** More peers holding the same file (`peer get --source`). */
  sources?: Array<{ url: string; key: string }>;
}

const config = JSON.parse(process.env.PEER_CHILD_CONFIG ?? "{}") as ChildConfig;
const m = createDownloadManager({
  dataDir: config.dataDir,
  downloadDir: config.downloadDir,
  checkpointBytes: config.checkpointBytes,
  transport: config.transport,
  keys: [config.key, ...(config.sources ?? []).map((s) => s.key)],
  backoff: { baseMs: 20, capMs: 200 },
});
m.on((e) => process.stdout.write(`${JSON.stringify(e)}\n`));
await m.start({ runQueue: false });
const id = await m.enqueue({ url: config.url, key: config.key }, config.itemId, { sources: config.sources });
const done = await m.wait(id);
await m.close();
process.exitCode = done.status === "completed" ? 0 : 1;
