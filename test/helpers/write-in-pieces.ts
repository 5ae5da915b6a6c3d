/**
 * A response body written in many small writes, honouring backpressure: the client then sees
 * many socket reads, so a reader's read areas switch several times within one response.
 */
import type { ServerResponse } from "node:http";

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
