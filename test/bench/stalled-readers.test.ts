import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { httpGetRequest, openStalledReaders } from "../../bench/stalled-readers.js";

describe("stalled readers", () => {
  let server: http.Server;
  let port: number;
  let written = 0;
  before(async () => {
    const chunk = Buffer.alloc(1048576, 1);
    server = http.createServer((req, res) => {
      if (req.url === "/missing") {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-length": 64 * chunk.length });
      let n = 0;
      const pump = (): void => {
        while (n < 64) {
          n++;
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once("drain", pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("get their response heads, then hold the server back (it cannot write the whole body)", async () => {
    written = 0;
    const readers = await openStalledReaders(port, 4, httpGetRequest("/big"));
    assert.equal(await readers.allResponded(10_000), true);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(readers.statuses(), { "200": 4 });
    assert.ok(written < 4 * 64 * 1048576, `the server wrote ${written} bytes: the readers were not stalled`);
    readers.close();
  });

  it("count statuses per code", async () => {
    const readers = await openStalledReaders(port, 3, httpGetRequest("/missing"));
    await readers.allResponded(10_000);
    assert.deepEqual(readers.statuses(), { "404": 3 });
    readers.close();
  });

  it("report readers still waiting as 'none' when the wait times out", async () => {
    const silent = http.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const readers = await openStalledReaders((silent.address() as AddressInfo).port, 2, httpGetRequest("/"));
      assert.equal(await readers.allResponded(200), false);
      assert.deepEqual(readers.statuses(), { none: 2 });
      readers.close();
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
