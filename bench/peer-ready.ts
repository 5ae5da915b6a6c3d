/**
 * Waits until our server has the SHA-256 of the files a group will read, so its
 * background hashing does not run during timed samples (it would inflate the
 * server's CPU per GiB and slow the first samples).
 */

/** Asks StatItem (Connect unary, JSON) whether `itemId` has a digest yet. */
async function hasDigest(baseUrl: string, key: string, itemId: string): Promise<boolean> {
  const res = await fetch(`${baseUrl}/peer.v1.PeerService/StatItem`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ itemId }),
  });
  if (!res.ok) throw new Error(`StatItem ${itemId}: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { item?: { sha256?: string } };
  return typeof body.item?.sha256 === "string" && body.item.sha256.length > 0;
}

/**
 * Polls until every item has a digest or `timeoutMs` passes. Returns a note for the
 * report when it gave up (hashing then overlaps the first samples) or StatItem failed.
 */
export async function waitForDigests(
  baseUrl: string,
  key: string,
  itemIds: readonly string[],
  timeoutMs: number,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(itemIds);
  try {
    while (pending.size > 0) {
      for (const id of [...pending]) if (await hasDigest(baseUrl, key, id)) pending.delete(id);
      if (pending.size === 0) return undefined;
      if (Date.now() > deadline) {
        return `our server had not hashed ${[...pending].join(", ")} after ${Math.round(timeoutMs / 1000)} s; background hashing may overlap the first samples`;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (err) {
    return `could not ask our server for digests (${(err as Error).message}); background hashing may overlap the first samples`;
  }
  return undefined;
}
