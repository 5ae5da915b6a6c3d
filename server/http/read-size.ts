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
 * The reads grow smoothly; the buffer they go into grows in doublings
 * ({@link scratchSize}): the route reads into one scratch buffer and replaces it
 * whenever a read needs more room, so a buffer sized to each read replaced it on
 * almost every read of the first 16 MiB — ≈ 18 MiB of 64 KiB…2 MiB buffers per
 * response, left for the garbage collector: `peer serve`'s array buffers peaked
 * at 21 MiB serving curl (docs/performance.md "Serving memory"). In doublings
 * it is replaced five times (64 KiB → 2 MiB). The reads themselves stay smooth:
 * reads in doublings too looked costlier in paired runs (server CPU per GiB to
 * curl +12 % against +4 % for this, within the noise of a loaded machine).
 */

/** Smallest read (unless the maximum is smaller). */
export const MIN_READ_SIZE = 64 * 1024;

/** Bytes to read next, given the bytes the client has already drained and the maximum read size. Pure. */
export function nextReadSize(drained: number, maxReadSize: number): number {
  const min = Math.min(MIN_READ_SIZE, maxReadSize);
  return Math.min(maxReadSize, Math.max(min, Math.floor(drained / 8)));
}

/**
 * Bytes of the scratch buffer for a read of `size` bytes: the smallest {@link MIN_READ_SIZE} × 2^k
 * that holds it, at most the maximum read size (and never below `size`). Pure.
 */
export function scratchSize(size: number, maxReadSize: number): number {
  let bytes = Math.min(MIN_READ_SIZE, maxReadSize);
  while (bytes < size && bytes < maxReadSize) bytes *= 2;
  const capped = Math.min(bytes, maxReadSize);
  return Number.isFinite(size) ? Math.max(size, capped) : capped;
}
