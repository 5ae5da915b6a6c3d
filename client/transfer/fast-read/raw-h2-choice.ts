/**
 * Which ReadFile calls over HTTP/2 read through raw-h2/ (a connection of their own, reused read
 * areas) rather than a stream of the client's node:http2 session. Pure.
 *
 * The raw reader saves ≈ 0.3 CPU s per GiB but opens a connection, and the server a session, per
 * call: a folder of 1,000 files of 1 MiB took 1.29× the CPU and 1.26× the wall time through it
 * (docs/performance.md "HTTP/2 (grpc, connect-h2)"), ≈ 2.5 ms per call against ≈ 0.3 ms saved per
 * MiB. So only reads of at least RAW_HTTP2_MIN_READ_BYTES take it, where the saving is larger than
 * the connection.
 */

/** Smallest read that takes the raw HTTP/2 reader: 16 MiB (break-even ≈ 8–9 MiB, measured). */
export const RAW_HTTP2_MIN_READ_BYTES = 16 * 1024 * 1024;

/** What the choice looks at. */
export interface RawHttp2Question {
  /** The client allows the raw reader (FastReadWire.rawHttp2). */
  readonly enabled: boolean;
  /** The caller copies each chunk before asking for the next (the pieces path). */
  readonly transient: boolean;
  /** The peer's URL scheme (`http:` or `https:`): the raw reader speaks cleartext only. */
  readonly protocol: string;
  /** Bytes asked for; 0 = to the end of the file (size unknown here: taken as large). */
  readonly length: number;
}

/** True when the call reads through raw-h2/. */
export function useRawHttp2(q: RawHttp2Question): boolean {
  if (!q.enabled || !q.transient || q.protocol !== "http:") return false;
  return q.length === 0 || q.length >= RAW_HTTP2_MIN_READ_BYTES;
}
