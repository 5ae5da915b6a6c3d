// A hashing worker thread (client/pieces/hash-pool.ts): SHA-256 of every 16 KiB block of
// a piece (the BEP 52 leaves), and whole-file SHA-256, off the main event loop. Plain
// JavaScript with node: modules only, so it starts fast and needs no TypeScript loader;
// the tree above the leaves stays in common/pieces/tree.ts. A piece's ArrayBuffer is
// transferred in and back out (no copy). Messages: client/pieces/hash-protocol.ts.
import * as crypto from "node:crypto";
import { open } from "node:fs/promises";
import { parentPort } from "node:worker_threads";

const BLOCK = 16384;

// The one-shot crypto.hash (Node >= 20.12) skips a Hash object per 16 KiB leaf.
const sha256 =
  typeof crypto.hash === "function"
    ? (data) => crypto.hash("sha256", data, "buffer")
    : (data) => crypto.createHash("sha256").update(data).digest();

function leavesOf(bytes) {
  const count = Math.ceil(bytes.length / BLOCK);
  const out = new Uint8Array(count * 32);
  for (let i = 0; i < count; i++) {
    const block = bytes.subarray(i * BLOCK, Math.min((i + 1) * BLOCK, bytes.length));
    out.set(sha256(block), i * 32);
  }
  return out;
}

// Re-checks read many pieces of one part file in a row: keep it open while it is in use,
// and close it once nothing asked for it for a second (never an fd held by an idle worker).
const handles = new Map();

async function handleFor(path) {
  let h = handles.get(path);
  if (h === undefined) {
    h = { fh: open(path, "r"), users: 0, timer: undefined };
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

function release(path) {
  const h = handles.get(path);
  if (h === undefined || --h.users > 0) return;
  h.timer = setTimeout(() => {
    handles.delete(path);
    h.fh.then((fh) => fh.close()).catch(() => undefined);
  }, 1000);
  h.timer.unref();
}

async function readRange(path, offset, length) {
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

async function sha256File(path, length) {
  const hash = crypto.createHash("sha256");
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

async function run(task) {
  switch (task.kind) {
    case "leaves": {
      const leaves = leavesOf(new Uint8Array(task.buffer, 0, task.length));
      return {
        reply: { id: task.id, leaves: leaves.buffer, buffer: task.buffer },
        transfer: [leaves.buffer, task.buffer],
      };
    }
    case "file-leaves": {
      const bytes = await readRange(task.path, task.offset, task.length);
      const leaves = leavesOf(bytes);
      return { reply: { id: task.id, leaves: leaves.buffer, bytesRead: bytes.length }, transfer: [leaves.buffer] };
    }
    case "sha256-file":
      return { reply: { id: task.id, hex: await sha256File(task.path, task.length) }, transfer: [] };
    default:
      throw new Error(`unknown task ${String(task.kind)}`);
  }
}

parentPort.on("message", (task) => {
  run(task).then(
    ({ reply, transfer }) => parentPort.postMessage(reply, transfer),
    (e) => parentPort.postMessage({ id: task.id, error: e instanceof Error ? e.message : String(e) }),
  );
});
