/**
 * The route inside the real peer server (connectNodeAdapter's fallback, one
 * port for HTTP/1.1 and h2c): same ETag and digest as StatItem, ranges on
 * both protocols, RPC paths untouched.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { peerClient, startTestPeer, type TestPeer } from "../../helpers/peer-server.js";
import { fileBytes } from "./helpers/cases.js";
import { connect2, filePath, request1, type H2Client } from "./helpers/client.js";

const BYTES = fileBytes(300_000, 9);
const SHA = createHash("sha256").update(BYTES).digest("hex");

describe("file route in the peer server", { timeout: 60_000 }, () => {
  let peer: TestPeer;
  let h2: H2Client;
  let auth: Record<string, string>;
  before(async () => {
    peer = await startTestPeer({ files: { "clip.mp4": BYTES } });
    auth = { authorization: `Bearer ${peer.key}` };
    h2 = connect2(peer.url);
  });
  after(async () => {
    h2?.close();
    await peer?.close();
  });

  test("HTTP/1.1 and h2c on the one port, with a range", async () => {
    const path = filePath(peer.shareName, "clip.mp4");
    for (const send of [
      (h: Record<string, string>) => request1(peer.url, { path, headers: h }),
      (h: Record<string, string>) => h2.request({ path, headers: h }),
    ]) {
      const res = await send({ ...auth, range: "bytes=1000-1999" });
      assert.equal(res.status, 206);
      assert.equal(res.headers["content-range"], `bytes 1000-1999/${BYTES.length}`);
      assert.ok(res.body.equals(BYTES.subarray(1000, 2000)));
      assert.equal((await send({})).status, 401);
    }
  });

  test("ETag and digest agree with StatItem", async () => {
    const client = peerClient(peer.url);
    const itemId = `${peer.shareName}/clip.mp4`;
    let stat = await client.statItem({ itemId }, { headers: auth });
    // The digest is computed in the background: wait for it (bounded).
    for (let i = 0; i < 200 && !stat.item?.sha256; i++) {
      await new Promise((r) => setTimeout(r, 50));
      stat = await client.statItem({ itemId }, { headers: auth });
    }
    const res = await request1(peer.url, { method: "HEAD", path: filePath(peer.shareName, "clip.mp4"), headers: auth });
    assert.equal(res.status, 200);
    assert.equal(res.headers["etag"], stat.item?.etag);
    assert.equal(stat.item?.sha256, SHA);
    assert.equal(res.headers["x-content-sha256"], SHA);
    assert.equal(res.headers["repr-digest"], `sha-256=:${Buffer.from(SHA, "hex").toString("base64")}:`);
  });

  test("paths outside the route get the server's own 404", async () => {
    const res = await request1(peer.url, { path: "/nope", headers: auth });
    assert.equal(res.status, 404);
    assert.match(res.headers["content-type"] ?? "", /json/);
  });
});
