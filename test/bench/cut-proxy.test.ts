import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { startCutProxy, type CutProxy } from "../../bench/cut-proxy.js";

const BODY = 4 * 1048576;

function get(url: string): Promise<{ bytes: number; error?: string }> {
  return new Promise((resolve) => {
    let bytes = 0;
    const req = http.get(url, { agent: false }, (res) => {
      res.on("data", (c: Buffer) => (bytes += c.length));
      res.on("end", () => resolve({ bytes }));
      res.on("error", (e) => resolve({ bytes, error: e.message }));
      res.on("aborted", () => resolve({ bytes, error: "aborted" }));
    });
    req.on("error", (e) => resolve({ bytes, error: e.message }));
  });
}

describe("cut proxy", () => {
  let server: http.Server;
  let proxy: CutProxy;
  before(async () => {
    const payload = Buffer.alloc(BODY, 7);
    server = http.createServer((_req, res) => {
      res.writeHead(200, { "content-length": BODY });
      res.end(payload);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    proxy = await startCutProxy((server.address() as AddressInfo).port);
  });
  after(async () => {
    await proxy.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("forwards a whole response and counts the server's bytes (head included)", async () => {
    proxy.reset(undefined);
    const r = await get(`${proxy.url}/`);
    assert.equal(r.error, undefined);
    assert.equal(r.bytes, BODY);
    assert.ok(proxy.downstreamBytes() > BODY && proxy.downstreamBytes() < BODY + 1024, String(proxy.downstreamBytes()));
    assert.equal(proxy.cuts(), 0);
  });

  it("resets the connection after the armed number of bytes, once", async () => {
    proxy.reset(BODY / 2);
    const cut = await get(`${proxy.url}/`);
    assert.notEqual(cut.error, undefined, "the client must see the cut");
    assert.ok(cut.bytes < BODY);
    assert.equal(proxy.downstreamBytes(), BODY / 2);
    assert.equal(proxy.cuts(), 1);
    const next = await get(`${proxy.url}/`);
    assert.equal(next.error, undefined, "only one connection is cut per arming");
    assert.equal(next.bytes, BODY);
  });
});
