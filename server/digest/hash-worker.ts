/**
 * The hash worker's body (a worker_threads thread, started through
 * hash-worker.mjs so tsx compiles it): takes one file version per message,
 * hashes it with hashFile(), posts the result back. Reading and hashing
 * (65,536 SHA-256 leaves per GiB plus the whole-file digest) thus never run
 * on the server's event loop.
 */
import { parentPort } from "node:worker_threads";
import { FileChangedError } from "../files/file-reader.js";
import { hashFile } from "./hash-file.js";
import type { HashTask, HashTaskResult } from "./hash-worker-protocol.js";

if (parentPort === null) throw new Error("hash-worker.ts runs only as a worker thread");
const port = parentPort;

port.on("message", (task: HashTask) => {
  hashFile(task.entry, { chunkSize: task.chunkSize, sha256Only: task.sha256Only })
    .then((hashes): HashTaskResult => ({ id: task.id, ok: true, hashes }))
    .catch(
      (error: unknown): HashTaskResult => ({
        id: task.id,
        ok: false,
        changed: error instanceof FileChangedError,
        message: error instanceof Error ? error.message : String(error),
      }),
    )
    .then((result) => port.postMessage(result));
});
