/**
 * Checks of the raw HTTP/1.1 reader's read areas (client/transfer/raw-http/): a server body
 * written in many small writes, so the areas switch several times within one response, and a
 * reader that keeps every chunk of the last `holdBytes` as a view and checks them at each step.
 */
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import type { AddressInfo, Server } from "node:net";

/** Listens on a free loopback port; the server's `http:` URL, with `path` (@default "/"). */
export async function listenLoopback(server: Pick<Server, "listen" | "address">, path = "/"): Promise<URL> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return new URL(path, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

/** Reads `body` to its end, copying each chunk before asking for the next (as the piece assembler does). */
export async function readCopying(body: AsyncIterator<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (;;) {
    const r = await body.next();
    if (r.done === true) return Buffer.concat(parts);
    parts.push(Buffer.from(r.value));
  }
}

/** Writes `body` to `res` in writes of `piece` bytes (waiting for 'drain'), then ends it. @default piece 50,003 */
export function writeInPieces(res: ServerResponse, body: Uint8Array, piece = 50_003): void {
  let at = 0;
  const step = (): void => {
    while (at < body.length) {
      const n = Math.min(piece, body.length - at);
      const more = res.write(body.subarray(at, at + n));
      at += n;
      if (!more) return void res.once("drain", step);
    }
    res.end();
  };
  step();
}

/**
 * Reads `body` to its end, keeping every chunk of the last `holdBytes` as a view (no copy) and
 * checking each against `expected` after every read; returns the bytes read.
 */
export async function readCheckingHeldViews(
  body: AsyncIterator<Uint8Array>,
  expected: Uint8Array,
  holdBytes: number,
  label = "",
): Promise<number> {
  const kept: Array<{ view: Uint8Array; offset: number }> = [];
  let offset = 0;
  for (;;) {
    const r = await body.next();
    if (r.done === true) break;
    kept.push({ view: r.value, offset });
    offset += r.value.length;
    while (kept.length > 0 && offset - ((kept[0]?.offset ?? 0) + (kept[0]?.view.length ?? 0)) >= holdBytes)
      kept.shift();
    for (const k of kept) {
      const want = expected.subarray(k.offset, k.offset + k.view.length);
      assert.ok(Buffer.from(k.view).equals(want), `${label}bytes at ${k.offset}`);
    }
  }
  return offset;
}
