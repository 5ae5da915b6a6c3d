/**
 * What every answer carries, on a real peer: `X-Content-Type-Options: nosniff`
 * on JSON and text (an unknown route's 404 echoes the path), and folder-link
 * pages that send no Referer (their URL holds the token), by header and by meta.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestPeer, type TestPeer } from "../helpers/peer-server.js";

let peer: TestPeer;
before(async () => {
  peer = await startTestPeer({ files: { "a.txt": "abc", "dir/b.txt": "b" } });
});
after(() => peer?.close());

describe("nosniff on every JSON and text answer", () => {
  const cases: Array<[string, string, RequestInit, number, RegExp]> = [
    ["unknown route: JSON 404 echoing the path", "/<script>alert(1)</script>", {}, 404, /^application\/json/],
    ["file route without a key: 401 text", "/v1/files/share/a.txt", {}, 401, /^text\/plain/],
    ["file route, unknown item: 404 text", "/v1/files/share/nope", { headers: {} }, 404, /^text\/plain/],
    ["file route, POST: 405 text", "/v1/files/share/a.txt", { method: "POST" }, 405, /^text\/plain/],
    ["unknown link: 404 text", `/v1/links/${"A".repeat(43)}/a.txt`, {}, 404, /^text\/plain/],
    [
      "Connect error: JSON 401",
      "/peer.v1.PeerService/StatItem",
      { method: "POST", headers: { "content-type": "application/json" }, body: "{}" },
      401,
      /^application\/json/,
    ],
    ["a file", "/v1/files/share/a.txt", {}, 200, /^text\/plain/],
  ];
  for (const [name, path, init, status, type] of cases) {
    test(name, async () => {
      const withKey = status === 200 || name.includes("unknown item");
      const headers = { ...(init.headers as Record<string, string>), ...(withKey ? { "x-api-key": peer.key } : {}) };
      const res = await fetch(`${peer.url}${path}`, { ...init, headers });
      await res.arrayBuffer();
      assert.equal(res.status, status);
      assert.match(res.headers.get("content-type") ?? "", type);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    });
  }
});

describe("folder-link pages send no Referer", () => {
  test("Referrer-Policy: no-referrer and a matching meta tag", async () => {
    const link = await peer.server.links.create({ target: "share/dir/" });
    const res = await fetch(`${peer.url}/v1/links/${link.token}/`);
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
    assert.match(text, /<meta name="referrer" content="no-referrer">/);
    assert.doesNotMatch(text, /same-origin/);
  });
});
