/**
 * How many bytes the route reads from disk next: a slow start.
 *
 * Speed wants big reads (2 MiB reads serve curl at ≈ 0.94× nginx, 64 KiB
 * reads at ≈ 0.36×); memory wants small ones for a client that stopped
 * reading, because the last chunk written to it stays in the server until the
 * client drains it. Measured: 32 stalled readers held ≈ 70 MiB with 2 MiB
 * reads from the first byte. So a response starts with small reads and earns
 * bigger ones by draining: the next read is at most one eighth of what the
 * client has already taken, between {@link MIN_READ_SIZE} and the configured
 * maximum. A fast client reaches 2 MiB reads after 16 MiB; a stalled one holds
 * at most an eighth of what its socket buffers absorbed.
 *
 * The size grows in doublings ({@link MIN_READ_SIZE} × 2^k), not smoothly: the
 * route reads into one scratch buffer and replaces it whenever a read needs
 * more room, so a smooth eighth (growing by 1/8 a read) allocated a new, larger
 * buffer on almost every read of the first 16 MiB — ≈ 18 MiB of 64 KiB…2 MiB
 * buffers per response, left for the garbage collector: `peer serve`'s array
 * buffers peaked at 21 MiB serving curl (docs/performance.md "Serving memory").
 * Doublings replace it six times (64 KiB → 2 MiB, ≈ 4 MiB in all).
 */

/** Smallest read (unless the maximum is smaller). */
export const MIN_READ_SIZE = 64 * 1024;

/**
 * Bytes to read next, given the bytes the client has already drained and the maximum read size:
 * the largest {@link MIN_READ_SIZE} × 2^k not above `drained / 8`, between that minimum and the maximum. Pure.
 */
export function nextReadSize(drained: number, maxReadSize: number): number {
  const min = Math.min(MIN_READ_SIZE, maxReadSize);
  const eighth = Math.floor(drained / 8);
  if (eighth >= maxReadSize) return maxReadSize;
  let size = min;
  while (size * 2 <= eighth && size * 2 < maxReadSize) size *= 2;
  return size;
}
