/**
 * How many bytes the route reads from disk next: a slow start.
 *
 * Speed wants big reads (2 MiB reads serve curl at ≈ 0.94× nginx, 64 KiB
 * reads at ≈ 0.36×); memory wants small ones for a client that stopped
 * reading, because the last chunk written to it stays in the server until the
 * client drains it. Measured: 32 stalled readers held ≈ 70 MiB with 2 MiB
 * reads from the first byte. So a response starts with small reads and earns
 * bigger ones by draining: the next read is one eighth of what the client
 * has already taken, between {@link MIN_READ_SIZE} and the configured maximum.
 * A fast client reaches 2 MiB reads after 16 MiB; a stalled one holds at most
 * an eighth of what its socket buffers absorbed.
 */

/** Smallest read (unless the maximum is smaller). */
export const MIN_READ_SIZE = 64 * 1024;

/** Bytes to read next, given the bytes the client has already drained and the maximum read size. */
export function nextReadSize(drained: number, maxReadSize: number): number {
  const min = Math.min(MIN_READ_SIZE, maxReadSize);
  return Math.min(maxReadSize, Math.max(min, Math.floor(drained / 8)));
}
