/**
 * A hash worker thread (hash-pool.ts; started through hash-worker.mjs): the BEP 52 leaves of
 * a piece in memory (its ArrayBuffer transferred in and back out, never copied) or read from a
 * file, a file's SHA-256, and a file version's whole hashes (hash-file.ts). Hashing thus never
 * runs on the client's or the server's event loop. Messages: hash-protocol.ts.
 */
import { createHash } from "node:crypto";
import { open, type FileHandle } from "node:fs/promises";
import { parentPort } from "node:worker_threads";
import { FileChangedError } from "../files/file-reader.js";
import { hashFile } from "./hash-file.js";
import type { HashReply, HashTask } from "./hash-protocol.js";
import { leavesOf } from "./sha256.js";

if (parentPort === null) throw new Error("hash-worker.ts runs only as a worker thread");
const port = parentPort;

interface Handle {
  readonly fh: Promise<FileHandle>;
  users: number;
  timer?: NodeJS.Timeout | undefined;
}

// Re-checks read many pieces of one part file in a row: keep it open while it is in use,
// and close it once nothing asked for it for a second (never an fd held by an idle worker).
const handles = new Map<string, Handle>();

async function handleFor(path: string): Promise<FileHandle> {
  let h = handles.get(path);
  if (h === undefined) {
    h = { fh: open(path, "r"), users: 0 };
    handles.set(path, h);
  }
  clearTimeout(h.timer);
  h.users++;
  try {
    return await h.fh;
  } catch (e) {
    handles.delete(path);
    throw e;
  }
}

function release(path: string): void {
  const h = handles.get(path);
  if (h === undefined || --h.users > 0) return;
  h.timer = setTimeout(() => {
    handles.delete(path);
    h.fh.then((fh) => fh.close()).catch(() => undefined);
  }, 1000);
  h.timer.unref();
}

async function readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  const fh = await handleFor(path);
  try {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buf.subarray(0, done);
  } finally {
    release(path);
  }
}

async function sha256File(path: string, length: number): Promise<string> {
  const hash = createHash("sha256");
  const fh = await open(path, "r");
  try {
    const buf = Buffer.allocUnsafe(1024 * 1024);
    let pos = 0;
    while (pos < length) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, length - pos), pos);
      if (bytesRead === 0) throw new Error(`${path} is shorter than ${length} bytes`);
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return hash.digest("hex");
}

async function run(task: HashTask): Promise<{ reply: HashReply; transfer: ArrayBuffer[] }> {
  switch (task.kind) {
    case "leaves": {
      const leaves = leavesOf(new Uint8Array(task.buffer, 0, task.length)).buffer as ArrayBuffer;
      return { reply: { id: task.id, leaves, buffer: task.buffer }, transfer: [leaves, task.buffer] };
    }
    case "file-leaves": {
      const bytes = await readRange(task.path, task.offset, task.length);
      const leaves = leavesOf(bytes).buffer as ArrayBuffer;
      return { reply: { id: task.id, leaves, bytesRead: bytes.length }, transfer: [leaves] };
    }
    case "sha256-file":
      return { reply: { id: task.id, hex: await sha256File(task.path, task.length) }, transfer: [] };
    case "file-hashes": {
      const hashes = await hashFile(task.entry, { chunkSize: task.chunkSize, sha256Only: task.sha256Only });
      return { reply: { id: task.id, hashes }, transfer: [] };
    }
  }
}

port.on("message", (task: HashTask) => {
  run(task).then(
    ({ reply, transfer }) => port.postMessage(reply, transfer),
    (e: unknown) =>
      port.postMessage({
        id: task.id,
        error: e instanceof Error ? e.message : String(e),
        changed: e instanceof FileChangedError,
      } satisfies HashReply),
  );
});
