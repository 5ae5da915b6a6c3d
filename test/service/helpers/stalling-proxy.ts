/**
 * Test helper: a plain HTTP/1.1 proxy to a peer that passes every call but
 * holds file bytes (ReadFile, /v1/files/) until closed, so a download stays
 * running for as long as a test needs it to (pause, resume, cancel) without a clock.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** A proxy to `target` that passes every call but never answers file bytes (ReadFile, /v1/files/). */
export async function startStallingProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const p = req.url ?? "/";
    if (p.startsWith("/v1/files/") || p.startsWith("/peer.v1.PeerService/ReadFile")) {
      held.add(res);
      return;
    }
    const up = http.request(new URL(p, target), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const r of held) r.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
