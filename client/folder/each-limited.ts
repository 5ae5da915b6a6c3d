/** A small worker pool for the per-file steps of a folder (client/folder/enqueue-folder.ts). */

/**
 * Runs `fn` over `items` with at most `limit` calls in flight; rejects with the first error, after
 * which no new item starts (the calls already running finish on their own).
 */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      try {
        await fn(items[next++] as T);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
