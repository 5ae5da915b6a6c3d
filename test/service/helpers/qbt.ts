/** Test helpers for the qBittorrent API: a torrent from a source peer, and waiting for a download's state. */
import type { DownloadQueue } from "../../../service/download-queue.js";
import type { TestPeer } from "../../helpers/peer-server.js";

/** The .torrent the source peer makes for an item (what `peer torrent` saves), once the item is hashed. */
export async function torrentOf(source: TestPeer, itemId: string): Promise<Uint8Array> {
  for (;;) {
    const res = await fetch(`${source.url}/v1/torrents/${itemId}`, {
      headers: { authorization: `Bearer ${source.key}` },
    });
    if (res.status === 200) return new Uint8Array(await res.arrayBuffer());
    if (res.status !== 503) throw new Error(`torrent of ${itemId}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    // The peer is still hashing the file: it says when to ask again.
    await new Promise((r) => setTimeout(r, Number(res.headers.get("retry-after") ?? "1") * 100));
  }
}

/** Resolves once the download reaches `status` (checked now, then on every state change). */
export function waitForStatus(queue: DownloadQueue, id: string, status: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () =>
      queue.get(id).then((d) => {
        if (d?.status === status) {
          stop();
          resolve();
        } else if (d?.status === "failed" && status !== "failed") {
          stop();
          reject(new Error(`download ${id} failed: ${d.error?.message}`));
        }
      }, reject);
    const stop = queue.subscribe((e) => {
      if (e.kind === "state" && e.event.downloadId === id) void check();
    });
    void check();
  });
}
